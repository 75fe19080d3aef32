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

import heapq
import math
import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from hub.engine import routing
from hub.engine.model import C_CALLED, C_OPEN, C_SERVING, DONE, Counter, State, Ticket
from hub.engine.queueindex import GroupKey, group_key, queue_index

PRIOR_WEIGHT = 3  # the configured mean counts as this many observations
RECENT = 30  # learn from this many latest services per service
SPREAD_PRIOR = 0.5
"""σ of log(service time) until a service's own spread is measured. A shape, not seconds:
every remaining-time figure scales with the service's own times (see :func:`remaining`)."""
MAX_SPREAD = 1.5  # σ beyond this is a clerk who forgot to press Done, not the service
SPREAD_PRIOR_WEIGHT = 10  # a spread needs more observations than a mean to be trusted


class Times(dict[str, float]):
    """Service id → expected seconds per customer, and ``spread``: service id → σ of log(time)."""

    def __init__(self, means: dict[str, float] | None = None, spread: dict[str, float] | None = None) -> None:
        super().__init__(means or {})
        self.spread: dict[str, float] = dict(spread or {})


def remaining(mean: float, sigma: float, elapsed: float) -> float:
    """Expected seconds left for a customer ``elapsed`` seconds into a service.

    Service times are taken as log-normal with this mean and σ of their
    logarithm: the answer is E[T − elapsed | T > elapsed], so a customer over
    the usual time of a 30-second service still needs seconds, one over a
    20-minute service minutes — no fixed constant. For a long overrun (the
    tail where the normal tail underflows) it uses the asymptote
    elapsed·σ² / (ln elapsed − μ).
    """
    if mean <= 0:
        return 0.0
    if elapsed <= 0:
        return mean
    sigma = min(max(sigma, 0.05), MAX_SPREAD)
    mu = math.log(mean) - sigma * sigma / 2
    z = (math.log(elapsed) - mu) / sigma
    tail = 0.5 * math.erfc(z / math.sqrt(2))  # P(T > elapsed)
    if tail > 1e-12:
        beyond = mean * 0.5 * math.erfc((z - sigma) / math.sqrt(2))  # E[T; T > elapsed]
        return max(0.0, beyond / tail - elapsed)
    return elapsed * sigma * sigma / (math.log(elapsed) - mu)


def _log_survival(mean: float, sigma: float, elapsed: float, offsets: list[float]) -> list[float]:
    """ln P(T > elapsed + t | T > elapsed) for each offset t (T log-normal with this mean and σ)."""
    sigma = min(max(sigma, 0.05), MAX_SPREAD)
    mu = math.log(mean) - sigma * sigma / 2
    scale = sigma * math.sqrt(2)

    log, erfc = math.log, math.erfc

    def log_tail(x: float) -> float:
        if x <= 0:
            return 0.0
        return log(max(0.5 * erfc((log(x) - mu) / scale), 1e-300))

    base = log_tail(elapsed)
    # log_tail inline: this runs for every busy counter at every simulation (the hot path of a
    # request while the queue is short), and a call per grid point cost more than the maths.
    out: list[float] = []
    for t in offsets:
        x = elapsed + t
        if x <= 0:
            out.append(0.0 - base)
            continue
        v = 0.5 * erfc((log(x) - mu) / scale)
        out.append(log(v if v > 1e-300 else 1e-300) - base)
    return out


STAGGER_POINTS = 24
"""Grid points of :func:`staggered`: within ~2 % of a grid eight times finer (1 % at 40 points,
6 % at 16), and the estimate benchmark's error is the same as at 40 (127.6 s). Every
``ticket.issue`` after a call pays for the grid (~55 µs for six busy counters, ~77 at 40)."""


def staggered(busy: list[tuple[float, float, float]]) -> list[float]:
    """When each busy counter is expected to be free: seconds from now, for (mean, σ, elapsed) each.

    Taking every counter's own expected remaining time would say that three
    counters which all called a customer a moment ago are free together, one
    mean service time from now — in truth the first of them is free much
    sooner. So the free moments are staggered: the first is the median of
    the earliest finish among all of them, the next the median of the
    earliest among the rest given that one, and so on; the counter with the
    least expected remaining time (:func:`remaining`) takes the first. A
    single counter gets the median of its remaining time. Everything scales
    with each service's own time distribution.
    """
    if not busy:
        return []
    rest = [max(remaining(m, s, e), 1e-6) if m > 0 else 0.0 for m, s, e in busy]
    top = max(rest)
    if top <= 0:
        return rest
    low = max(min(x for x in rest if x > 0) if any(x > 0 for x in rest) else top, top * 1e-4) / 16
    ratio = (top * 8 / low) ** (1 / (STAGGER_POINTS - 2))
    grid = [0.0] + [low * ratio ** k for k in range(STAGGER_POINTS - 1)]
    rows = [_log_survival(m, s, e, grid) if m > 0 else [0.0] + [-1e9] * (len(grid) - 1)
            for m, s, e in busy]
    total = [sum(col) for col in zip(*rows, strict=True)]
    out = [0.0] * len(busy)
    at, k = 0.0, 0  # the last free moment, and the grid cell it lies in
    for i in sorted(range(len(busy)), key=rest.__getitem__):
        # ln P(none of the remaining counters free by t | none by `at`) falls to ln ½ at the median.
        if k + 1 < len(grid) and grid[k + 1] > grid[k]:
            f = (at - grid[k]) / (grid[k + 1] - grid[k])
            target = total[k] + (total[k + 1] - total[k]) * f - math.log(2)
        else:
            target = total[k] - math.log(2)
        g = k + 1
        while g < len(grid) and total[g] > target:
            g += 1
        if g >= len(grid):
            t = grid[-1]
        else:
            a, b = total[g - 1], total[g]
            f = (a - target) / (a - b) if a != b else 1.0
            t = max(at, grid[g - 1] + (grid[g] - grid[g - 1]) * f)
        out[i] = t
        at = t
        while k + 1 < len(grid) and grid[k + 1] <= at:
            k += 1
        row = rows[i]
        total = [x - y for x, y in zip(total, row, strict=True)]
    return out


class FreeMoments:
    """:func:`staggered` for the busy counters, kept while they serve the same customers.

    It is most of a simulation while the queue is short (six busy counters:
    ~80 µs of a request's ~160 µs op), and it depends on the counters' customers
    and the service times, not on the queue: a ticket issued reuses the last
    figures. They are kept as clock times, for at most ``max_age_s`` (a counter
    still busy past its moment is free "now").
    """

    def __init__(self, max_age_s: float) -> None:
        self.max_age_s = max_age_s
        self._key: tuple[Any, ...] | None = None
        self._at = 0.0
        self._free: list[float] = []

    def free_at(self, key: tuple[Any, ...], busy: list[tuple[float, float, float]], now: float) -> list[float]:
        """Clock times at which each busy counter is expected free; ``key`` names what ``busy`` was built
        from (counter, customer, when called, the service's figures), not the elapsed times."""
        if key != self._key or not 0 <= now - self._at < self.max_age_s:
            self._free = [now + x for x in staggered(busy)]
            self._key, self._at = key, now
        return [x if x > now else now for x in self._free]


class ServiceTimes:
    """The latest measured service durations per service, kept up to date event by event.

    Scanning every ticket of the day for each estimate would make a busy day
    quadratic; instead finished tickets are observed as they finish, and the
    day's tickets are scanned only when the state is (re)loaded.
    """

    def __init__(self) -> None:
        self._recent: dict[str, deque[tuple[float, float]]] = {}
        self._state: State | None = None
        self._version = 0
        self._cached: tuple[Any, Times] | None = None
        """The last :meth:`times`, and what it was computed from: it is read at every simulation, but
        changes only when a ticket finishes or a service's configured time does."""

    def rebuild(self, state: State) -> None:
        self._version += 1
        self._recent = {}
        done = [t for t in state.tickets.values() if _measurable(t)]
        for t in sorted(done, key=lambda t: t.finished_at or 0.0):
            self._add(t)
        self._state = state

    def observe(self, state: State, event: dict[str, Any]) -> None:
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
        self._version += 1
        sid = t.services[-1]
        self._recent.setdefault(sid, deque(maxlen=RECENT)).append(
            (t.finished_at, (t.finished_at - t.called_at) / (t.services.count(sid) or 1)))  # per case

    def times(self, state: State) -> Times:
        """Expected seconds per service, and each service's spread, pulled towards the prior.

        Robust to the odd outlier (a clerk who forgot Done): the spread σ is
        1.4826 × the median absolute deviation of log(time), the mean is the
        log-normal mean median·exp(σ²/2) — a service's expected time, not its
        median, is what a queue of its customers adds up to.
        """
        if self._state is not state:
            self.rebuild(state)
        basis = (self._version, tuple((sid, svc.mean_service_s) for sid, svc in state.services.items()))
        if self._cached is not None and self._cached[0] == basis:
            return self._cached[1]
        out = self._compute(state)
        self._cached = (basis, out)
        return out

    def _compute(self, state: State) -> Times:
        out = Times()
        for sid, svc in state.services.items():
            samples = [d for _, d in self._recent.get(sid, ())]
            logs = [math.log(d) for d in samples if d > 0]
            n = len(samples)
            if len(logs) >= 3:
                centre = statistics.median(logs)
                mad = statistics.median(abs(x - centre) for x in logs)
                spread = (SPREAD_PRIOR * SPREAD_PRIOR_WEIGHT + min(1.4826 * mad, MAX_SPREAD) * len(logs)) / (
                    SPREAD_PRIOR_WEIGHT + len(logs))
            else:
                spread = SPREAD_PRIOR
            out.spread[sid] = spread
            if samples:
                observed = statistics.median(samples) * math.exp(spread * spread / 2)
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
    """Ticket id → people ahead: tickets expected to be called before it by the counters that could
    call it (a ticket of another service called at a counter that never serves this one is not
    ahead of it). The one definition of "ahead" everywhere (see :meth:`Engine.ahead_of`)."""
    new_ticket_s: dict[str, float]
    """Service id → expected wait for a ticket issued now."""
    new_ticket_ahead: dict[str, int] = field(default_factory=dict)
    """Service id → people ahead (as in ``ahead``) of a ticket issued now."""
    at: float = 0.0
    """The clock when this was simulated."""
    rate: dict[str, float] = field(default_factory=dict)
    """Service id → tickets per second the open counters serving it can call (for figures between runs)."""
    assumed_counter: bool = False
    """No counter is open: the waits assume one that serves everything opens now (``ahead`` then
    counts every service, so :meth:`Engine.ahead_of` counts the ticket's own queue instead)."""


def _open_counters(state: State) -> list[Counter]:
    return [c for c in state.counters.values() if c.enabled and c.state in (C_OPEN, C_CALLED, C_SERVING)]


def simulate(state: State, now: float, boosts: dict[str, int] | None = None,
             times: dict[str, float] | None = None, free_moments: FreeMoments | None = None) -> Estimate:
    """Play the queue forward; O(waiting × groups), with no copy of the tickets.

    The waiting tickets come grouped and ordered from the state's index
    (:mod:`hub.engine.queueindex`): inside a group routing always takes the
    first one, so each step compares only the groups' heads, with the same
    keys as :func:`hub.engine.routing.pick`.
    """
    times = times if times is not None else service_times(state)
    default_s = math.fsum(times.values()) / len(times) if times else 300.0
    spread: dict[str, float] = getattr(times, "spread", {})
    boosts = boosts or {}
    lead = state.settings.appointment_lead_s
    counters = _open_counters(state)
    assumed_counter = not counters
    if assumed_counter:
        # Nobody is at a counter (early morning, lunch): assume one counter
        # that serves everything opens now rather than saying "forever".
        counters = [Counter(number=0, state=C_OPEN)]
    free: list[tuple[float, int]] = []
    busy: list[tuple[float, float, float]] = []
    busy_key: list[tuple[Any, ...]] = []
    for c in counters:
        if c.ticket and c.ticket in state.tickets:
            cur = state.tickets[c.ticket]
            sid = cur.pending[0] if cur.pending else (cur.services[-1] if cur.services else "")
            mean, sigma = times.get(sid, default_s) * _cases(cur, sid), spread.get(sid, SPREAD_PRIOR)
            busy.append((mean, sigma, now - (cur.called_at or now)))
            busy_key.append((c.number, cur.id, cur.called_at, mean, sigma))
        else:
            free.append((now, c.number))
    if free_moments is not None:
        free_at = free_moments.free_at(tuple(busy_key), busy, now)
    else:
        free_at = [now + x for x in staggered(busy)]
    free.extend((at, key[0]) for at, key in zip(free_at, busy_key, strict=True))
    heapq.heapify(free)

    index = queue_index(state)
    tickets = state.tickets
    # Each group: [key, tickets in routing order, position of its head].
    groups: dict[GroupKey, list[Any]] = {}
    for key, members in index.groups.items():
        groups[key] = [key, [tickets[tid] for tid in members.ordered()], 0]
    seq = state.queue_seq + 1
    virtual: dict[str, str] = {}  # virtual ticket id → service id
    for sid, svc in state.services.items():
        if svc.enabled:
            vid = f"~{sid}"
            virtual[vid] = sid
            v = Ticket(id=vid, day="", number="", prefix="", services=[sid], pending=[sid],
                       queued_at=now, queue_seq=seq, issued_at=now)
            seq += 1
            key = group_key(v)
            groups.setdefault(key, [key, [], 0])[1].append(v)

    all_services = {s: 1 for s in state.services}
    rate: dict[str, float] = {}
    # Per counter, the groups it may call from, each with its static rank:
    # (group, level (None: appointment, by time), weight, served service).
    plans: dict[int, list[tuple[list[Any], int | None, int, str]]] = {}
    callers: dict[GroupKey, list[int]] = {}  # group → the counters that may call its tickets
    for c in counters:
        weights = all_services if assumed_counter else routing.profile_of(state, c)
        for sid in weights:
            rate[sid] = rate.get(sid, 0.0) + 1.0 / times.get(sid, default_s)
        plan: list[tuple[list[Any], int | None, int, str]] = []
        for key, g in groups.items():
            target, pending, front, priority, due = key
            if target is not None:
                if target != c.number:
                    continue
            elif not any(x in weights for x in pending):
                continue
            served = routing.served_service(g[1][0], weights) if g[1] else None
            if front:
                level: int | None = 0
            elif due is not None:
                level = None  # tier 1 once due, else 2 or 3: decided at each step
            elif priority:
                level = 2
            else:
                level = 3
            weight = weights.get(served, 1) * boosts.get(served or "", 1) if served else 1
            plan.append((g, level, weight, served or (pending[0] if pending else "")))
            callers.setdefault(key, []).append(c.number)
        plans[c.number] = plan

    wait: dict[str, float] = {}
    ahead: dict[str, int] = {}
    new_ticket: dict[str, float] = {}
    new_ahead: dict[str, int] = {}
    # People ahead of a group's head: the real tickets its callers have called so far (calls
    # happen in time order, so those were called before it). Groups share few distinct sets of
    # callers; each set keeps its own running count, so a step costs a lookup, not a sum.
    set_of: dict[tuple[int, ...], int] = {}
    sets_of_counter: dict[int, list[int]] = {c.number: [] for c in counters}
    for key, g in groups.items():
        who = tuple(callers.get(key, ()))
        if who not in set_of:
            set_of[who] = len(set_of)
            for n in who:
                sets_of_counter[n].append(set_of[who])
        g.append(set_of[who])  # g[3]
    called = [0] * len(set_of)

    while free:
        at, number = heapq.heappop(free)
        best: tuple[list[Any], int | None, int, str] | None = None
        best_key: tuple[Any, ...] | None = None
        for step in plans[number]:
            g, level, weight, _ = step
            members, pos = g[1], g[2]
            if pos >= len(members):
                continue
            t = members[pos]
            if level is None:
                if t.due_at is not None and t.due_at - lead <= at:
                    lvl = 1
                else:
                    lvl = 2 if t.priority else 3
            else:
                lvl = level
            if lvl < 3:
                k = (lvl, 0.0, t.queue_seq)
            else:
                waited = at - t.queued_at
                k = (3, -((waited if waited > 0 else 0.0) + 1.0) * weight, t.queue_seq)
            if best_key is None or k < best_key:
                best, best_key = step, k
        if best is None:
            continue  # nothing left that this counter serves: it drops out
        g = best[0]
        choice = g[1][g[2]]
        g[2] += 1
        if choice.id in virtual:
            new_ticket[virtual[choice.id]] = at - now
            new_ahead[virtual[choice.id]] = called[g[3]]
            heapq.heappush(free, (at, number))  # a "what if" ticket takes no counter time
            continue
        wait[choice.id] = at - now
        ahead[choice.id] = called[g[3]]
        for i in sets_of_counter[number]:
            called[i] += 1
        sid = best[3]
        # _cases inline: this loop runs once per waiting ticket
        heapq.heappush(free, (at + times.get(sid, default_s) * (choice.pending.count(sid) or 1), number))
    return Estimate(wait_s=wait, ahead=ahead, new_ticket_s=new_ticket, new_ticket_ahead=new_ahead,
                    at=now, rate=rate, assumed_counter=assumed_counter)


def queued_before(state: State, t: Ticket) -> int:
    """Tickets queued before this one in its own queue (its counter's, or its service's)."""
    index = queue_index(state)
    seq = t.queue_seq
    if t.target_counter is not None:
        before = index.targeted.get(t.target_counter, ())
        return sum(1 for tid in before if state.tickets[tid].queue_seq < seq)
    if t.pending:
        return index.queued_before(t.pending[0], seq)
    return 0


def _cases(t: Ticket, sid: str) -> int:
    """Cases of one service on a ticket: a family with three passports takes three services' time."""
    return t.pending.count(sid) or 1


def naive(state: State, service_id: str) -> float:
    """The textbook figure, kept for the benchmark that must beat it."""
    times = service_times(state)
    ahead = len(routing.waiting_for_service(state, service_id))
    counters = max(1, len(_open_counters(state)))
    return ahead * times.get(service_id, 300.0) / counters
