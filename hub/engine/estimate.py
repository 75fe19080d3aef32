"""Estimated wait, by simulating the rest of the queue.

The naive estimate (people ahead × mean service time ÷ open counters) is
wrong whenever counters serve different services, a customer is half-way
through, or front-of-line and priority tickets jump the queue. Instead we
play the queue forward with the routing rules the counters really use
(:mod:`hub.engine.routing`): each open counter becomes free when its current
customer is expected to finish, takes the ticket routing would give it, and
is busy for that service's expected time. A ticket's estimate is the
simulated moment it is called.

Expected service times are learned from today's finished tickets, blended
with the service's configured prior so the first customers of the day get a
sensible figure too.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, replace

from hub.engine import routing
from hub.engine.model import C_CALLED, C_OPEN, C_SERVING, DONE, WAITING, Counter, State, Ticket

PRIOR_WEIGHT = 3  # the configured mean counts as this many observations
RECENT = 30  # learn from this many latest services per service
MIN_REMAINING_S = 20.0  # a customer over time still needs a moment to finish


class ServiceTimes:
    """The latest measured service durations per service, kept up to date event by event.

    Scanning every ticket of the day for each estimate would make a busy day
    quadratic; instead finished tickets are observed as they finish, and the
    day's tickets are scanned only when the state is (re)loaded.
    """

    def __init__(self) -> None:
        self._recent: dict[str, deque[tuple[float, float]]] = {}
        self._state: State | None = None

    def rebuild(self, state: State) -> None:
        self._recent = {}
        done = [t for t in state.tickets.values() if _measurable(t)]
        for t in sorted(done, key=lambda t: t.finished_at or 0.0):
            self._add(t)
        self._state = state

    def observe(self, state: State, event: dict) -> None:
        if self._state is not state:
            self.rebuild(state)
        elif event["type"] == "ticket.finished":
            t = state.tickets.get(event["ticket"])
            if t is not None and _measurable(t):
                self._add(t)
        elif event["type"] == "day.opened":
            self.rebuild(state)

    def _add(self, t: Ticket) -> None:
        assert t.finished_at is not None and t.called_at is not None
        self._recent.setdefault(t.services[-1], deque(maxlen=RECENT)).append(
            (t.finished_at, t.finished_at - t.called_at))

    def times(self, state: State) -> dict[str, float]:
        """Expected seconds per service: recent medians pulled towards the prior."""
        if self._state is not state:
            self.rebuild(state)
        out: dict[str, float] = {}
        for sid, svc in state.services.items():
            samples = [d for _, d in self._recent.get(sid, ())]
            if samples:
                observed = statistics.median(samples)
                n = len(samples)
                out[sid] = (svc.mean_service_s * PRIOR_WEIGHT + observed * n) / (PRIOR_WEIGHT + n)
            else:
                out[sid] = svc.mean_service_s
        return out


def _measurable(t: Ticket) -> bool:
    return t.state == DONE and t.called_at is not None and t.finished_at is not None and bool(t.services)


def service_times(state: State) -> dict[str, float]:
    """Expected seconds per service, computed from scratch (tests, the naive figure)."""
    return ServiceTimes().times(state)


@dataclass
class Estimate:
    wait_s: dict[str, float]
    """Ticket id → seconds until it is expected to be called."""
    ahead: dict[str, int]
    """Ticket id → tickets expected to be called before it."""
    new_ticket_s: dict[str, float]
    """Service id → expected wait for a ticket issued now."""


def _open_counters(state: State) -> list[Counter]:
    return [c for c in state.counters.values() if c.enabled and c.state in (C_OPEN, C_CALLED, C_SERVING)]


def simulate(state: State, now: float, boosts: dict[str, int] | None = None,
             times: dict[str, float] | None = None) -> Estimate:
    times = times if times is not None else service_times(state)
    default_s = statistics.mean(times.values()) if times else 300.0
    boosts = boosts or {}
    counters = _open_counters(state)
    assumed_counter = not counters
    if assumed_counter:
        # Nobody is at a counter (early morning, lunch): assume one counter
        # that serves everything opens now rather than saying "forever".
        counters = [Counter(number=0, state=C_OPEN)]
    free_at: dict[int, float] = {}
    for c in counters:
        start = now
        if c.ticket and c.ticket in state.tickets:
            cur = state.tickets[c.ticket]
            sid = cur.pending[0] if cur.pending else (cur.services[-1] if cur.services else "")
            elapsed = now - (cur.called_at or now)
            start = now + max(MIN_REMAINING_S, times.get(sid, default_s) - elapsed)
        free_at[c.number] = start

    waiting = sorted((t for t in state.tickets.values() if t.state == WAITING), key=lambda t: t.queue_seq)
    seq = max((t.queue_seq for t in waiting), default=state.queue_seq) + 1
    virtual: dict[str, str] = {}  # virtual ticket id → service id
    pool: list[Ticket] = [replace(t) for t in waiting]
    for sid, svc in state.services.items():
        if svc.enabled:
            vid = f"~{sid}"
            virtual[vid] = sid
            pool.append(
                Ticket(id=vid, day="", number="", prefix="", services=[sid], pending=[sid],
                       queued_at=now, queue_seq=seq, issued_at=now)
            )
            seq += 1

    weights = {c.number: (routing.profile_of(state, c) if not assumed_counter else {s: 1 for s in state.services}) for c in counters}
    by_number = {c.number: c for c in counters}
    classes = _Classes(pool)
    wait: dict[str, float] = {}
    ahead: dict[str, int] = {}
    new_ticket: dict[str, float] = {}
    called = 0
    active = set(free_at)
    while classes and active:
        number = min(active, key=lambda n: (free_at[n], n))
        at = free_at[number]
        choice = routing.pick(classes.heads(), by_number[number], weights[number], boosts, at,
                              state.settings.appointment_lead_s)
        if choice is None:
            active.discard(number)  # nothing left that this counter serves
            continue
        classes.pop(choice)
        if choice.id in virtual:
            new_ticket[virtual[choice.id]] = at - now
            continue  # a "what if" ticket takes no counter time
        wait[choice.id] = at - now
        ahead[choice.id] = called
        called += 1
        sid = routing.served_service(choice, weights[number]) or (choice.pending[0] if choice.pending else "")
        free_at[number] = at + times.get(sid, default_s)
    return Estimate(wait_s=wait, ahead=ahead, new_ticket_s=new_ticket)


class _Classes:
    """Waiting tickets grouped so that only each group's first ticket can ever win.

    Tickets alike in everything routing looks at (target counter, pending
    services, front/priority flags) are always picked oldest first, so
    routing need only compare the heads of the groups: the simulation costs
    O(tickets × groups) instead of O(tickets²). Appointment tickets, whose
    due time differs one by one, are groups of their own.
    """

    def __init__(self, tickets: list[Ticket]) -> None:
        self._groups: dict[tuple, deque[Ticket]] = {}
        for t in sorted(tickets, key=lambda t: t.queue_seq):
            key = (t.target_counter, tuple(t.pending), t.front, t.priority,
                   t.id if t.due_at is not None else None)
            self._groups.setdefault(key, deque()).append(t)
        self._key_of = {id(group[0]): key for key, group in self._groups.items()}

    def __bool__(self) -> bool:
        return bool(self._groups)

    def heads(self) -> list[Ticket]:
        return [g[0] for g in self._groups.values()]

    def pop(self, ticket: Ticket) -> None:
        key = self._key_of.pop(id(ticket))
        group = self._groups[key]
        group.popleft()
        if group:
            self._key_of[id(group[0])] = key
        else:
            del self._groups[key]


def naive(state: State, service_id: str) -> float:
    """The textbook figure, kept for the benchmark that must beat it."""
    times = service_times(state)
    ahead = len(routing.waiting_for_service(state, service_id))
    counters = max(1, len(_open_counters(state)))
    return ahead * times.get(service_id, 300.0) / counters
