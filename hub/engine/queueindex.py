"""Incremental indexes of today's tickets, so that no request scans the day.

The reducer keeps a :class:`QueueIndex` up to date event by event (it takes
the tickets an event names out before the change and puts them back after
it); the index is derived data, never stored and never part of
:meth:`State.snapshot`, and it is rebuilt from ``state.tickets`` whenever the
state was loaded or replaced (:func:`queue_index`). So replaying the log
gives the same index as the live run, and a test can always compare the
index with a rebuild.

What it answers without looking at more than a handful of tickets:

* the waiting tickets, in **groups** that routing can never tell apart
  (same target counter, pending services, front/priority flags; an
  appointment ticket is a group of its own because its due time is its own).
  Inside a group routing always takes the same ticket first — the oldest
  queue entry — so :func:`hub.engine.routing.pick` need only look at each
  group's head: a call costs O(groups), not O(tickets of the day);
* per service (first pending case, not targeted at a counter): how many wait
  and since when the oldest waits;
* per counter: the tickets targeted at it and the tickets parked there;
* a ticket by its number or by its status-page token;
* remote tickets: those not yet checked in (never routed, never in the groups
  above, so neither a call nor the estimate counts them), and every remote
  ticket of the day with its contact, client digest and check-in code (the
  limits of :mod:`hub.engine.remote`).
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from typing import Any

from hub.engine.model import FINAL_STATES, NO_SHOW, NOT_ARRIVED, PARKED, WAITING, State, Ticket

GroupKey = tuple[int | None, tuple[str, ...], bool, bool, str | None]
"""(target counter, pending services, front, priority, own group for a due appointment)."""
Order = tuple[Any, ...]


def group_key(t: Ticket) -> GroupKey:
    return (t.target_counter, tuple(t.pending), t.front, t.priority, t.id if t.due_at is not None else None)


def by_time(key: GroupKey) -> bool:
    """Whether routing orders this group by queue time (the weighted-longest-wait tier)."""
    _, _, front, priority, due = key
    return not front and not priority and due is None


class Ordered:
    """A set of tickets with its first one (smallest order key) at hand: a heap with lazy deletion."""

    __slots__ = ("_heap", "members", "key")

    def __init__(self, key: GroupKey | None = None) -> None:
        self._heap: list[tuple[Order, str]] = []
        self.members: dict[str, Order] = {}
        self.key = key
        """The group's key (its members file this one object, not an equal copy each)."""

    def __len__(self) -> int:
        return len(self.members)

    def __bool__(self) -> bool:
        return bool(self.members)

    def add(self, tid: str, order: Order) -> None:
        self.members[tid] = order
        heapq.heappush(self._heap, (order, tid))
        if len(self._heap) > 2 * len(self.members) + 64:
            self._compact()

    def discard(self, tid: str) -> None:
        self.members.pop(tid, None)

    def first(self) -> str | None:
        heap, members = self._heap, self.members
        while heap:
            order, tid = heap[0]
            if members.get(tid) == order:
                return tid
            heapq.heappop(heap)
        return None

    def ordered(self) -> list[str]:
        """Every member, first to last (O(n log n); for the estimate, not per request)."""
        return [tid for _, tid in sorted((o, tid) for tid, o in self.members.items())]

    def _compact(self) -> None:
        self._heap = [(o, tid) for tid, o in self.members.items()]
        heapq.heapify(self._heap)


class QueueIndex:
    def __init__(self, state: State) -> None:
        self.tickets = state.tickets
        """The dict this index was built from (a replaced dict means: rebuild)."""
        self.groups: dict[GroupKey, Ordered] = {}
        self.services: dict[str, Ordered] = {}
        """Service id → untargeted waiting tickets whose first pending case it is, by queue time."""
        self.service_seqs: dict[str, list[int]] = {}
        """Service id → the ``queue_seq`` of each ticket in ``services``, ascending: how many were queued
        before one is a binary search (people ahead while no counter is open), not a pass over the queue."""
        self.targeted: dict[int, set[str]] = {}
        self.parked: dict[int, set[str]] = {}
        self.no_shows: set[str] = set()
        """Today's no-shows (a clerk may take one back: Engine.return_ticket)."""
        self.waiting_count = 0
        self.by_token: dict[int, str] = {}
        """hash(token) → id of an open ticket."""
        self._final_hashes = array("q")
        self._final_ids: list[str] = []
        """Finished tickets' token hashes and ids, side by side: 16 bytes a ticket, searched in C."""
        self._refiling: set[str] = set()
        self.id_prefix = state.day.replace("-", "") + "-"
        """A ticket's id is this and its number (see Engine.issue_ticket)."""
        self.counts: dict[str, int] = {}
        """Ticket state → how many of today's tickets are in it."""
        self._where: dict[str, tuple[Any, ...]] = {}
        """Waiting or parked ticket id → where it is filed, so that taking it out needs only the id."""
        self.away: dict[str, str] = {}
        """Remote ticket not yet checked in → its first pending service."""
        self.remote: dict[str, tuple[str, str, str]] = {}
        """Every remote ticket of the day → (contact, client digest, check-in code)."""
        for t in state.tickets.values():
            self.add(t)

    # ---- upkeep (the reducer) --------------------------------------------------

    def add(self, t: Ticket) -> None:
        """File a ticket (new, or taken out by :meth:`discard` before its change)."""
        state, tid = t.state, t.id
        self.counts[state] = self.counts.get(state, 0) + 1
        if tid not in self.remote and t.channel == "remote":
            self.remote[tid] = (t.contact, t.origin, t.code)
        if tid in self._refiling:  # a finished ticket named by an event (feedback): filed already
            self._refiling.discard(tid)
        else:
            token = t.token
            if token:
                h = hash(token)
                if state in FINAL_STATES:
                    if self.by_token.get(h) == tid:
                        del self.by_token[h]
                    self._final_hashes.append(h)
                    self._final_ids.append(tid)
                else:
                    self.by_token.setdefault(h, tid)
        if state == WAITING:
            key = group_key(t)
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = Ordered(key)
            elif group.key is not None:
                key = group.key  # the group's own key, not an equal copy per ticket: ~140 B less each
            timed = (t.queued_at, t.queue_seq)
            group.add(tid, timed if by_time(key) else (t.queue_seq,))
            service = None
            if t.target_counter is not None:
                self.targeted.setdefault(t.target_counter, set()).add(tid)
            elif t.pending:
                service = t.pending[0]
                self.services.setdefault(service, Ordered()).add(tid, timed)
                insort(self.service_seqs.setdefault(service, []), t.queue_seq)
            self.waiting_count += 1
            self._where[tid] = (WAITING, key, t.target_counter, service)
        elif state == PARKED and t.counter is not None:
            self.parked.setdefault(t.counter, set()).add(tid)
            self._where[tid] = (PARKED, t.counter)
        elif state == NOT_ARRIVED:
            self.away[tid] = t.pending[0] if t.pending else ""
            self._where[tid] = (NOT_ARRIVED,)
        elif state == NO_SHOW:
            self.no_shows.add(tid)
            self._where[tid] = (NO_SHOW,)

    def discard(self, tid: str) -> None:
        """Take a ticket out before a change to it (the reducer files it again after)."""
        where = self._where.pop(tid, None)
        if where is None:
            state = self.tickets.state_of(tid) if hasattr(self.tickets, "state_of") else (
                self.tickets[tid].state if tid in self.tickets else None)
            if state is not None:
                self.counts[state] -= 1
                if state in FINAL_STATES:
                    self._refiling.add(tid)
            return
        self.counts[where[0]] -= 1
        if where[0] == WAITING:
            _, key, target, service = where
            group = self.groups.get(key)
            if group is not None:
                group.discard(tid)
                if not group:
                    del self.groups[key]
            if target is not None:
                self.targeted.get(target, set()).discard(tid)
            elif service is not None:
                queue = self.services.get(service)
                if queue is not None:
                    order = queue.members.get(tid)
                    queue.discard(tid)
                    seqs = self.service_seqs.get(service)
                    if order is not None and seqs:
                        i = bisect_left(seqs, order[1])
                        if i < len(seqs) and seqs[i] == order[1]:
                            del seqs[i]
            self.waiting_count -= 1
        elif where[0] == PARKED and len(where) > 1:
            self.parked.get(where[1], set()).discard(tid)
        elif where[0] == NOT_ARRIVED:
            self.away.pop(tid, None)
        elif where[0] == NO_SHOW:
            self.no_shows.discard(tid)

    # ---- questions ---------------------------------------------------------------

    def heads(self, counter: int, weights: dict[str, int]) -> Iterator[tuple[GroupKey, Ordered]]:
        """Groups a counter with these weights may call from (routing's eligibility)."""
        for key, group in self.groups.items():
            target, pending = key[0], key[1]
            if target is not None:
                if target == counter:
                    yield key, group
            elif any(sid in weights for sid in pending):
                yield key, group

    def candidates(self, counter: int, weights: dict[str, int], now: float) -> list[Ticket]:
        """The only tickets that can win a call at this counter now: the head of each eligible group.

        A time-ordered group whose head entered the queue in the future (the
        clock went back) is handed over whole, because routing then ranks by
        queue order instead of time.
        """
        out: list[Ticket] = []
        tickets = self.tickets
        for key, group in self.heads(counter, weights):
            tid = group.first()
            if tid is None:
                continue
            head = tickets[tid]
            if by_time(key) and head.queued_at >= now:
                out.extend(tickets[x] for x in group.members)
            else:
                out.append(head)
        return out

    def queued_before(self, service: str, queue_seq: int) -> int:
        """Tickets in this service's queue that entered it before ``queue_seq``."""
        return bisect_left(self.service_seqs.get(service, ()), queue_seq)

    def priority_waiting(self, service: str) -> int:
        """Priority tickets in this service's queue (O(groups))."""
        return sum(len(g) for key, g in self.groups.items()
                   if key[3] and key[0] is None and key[1] and key[1][0] == service)

    def waiting_for(self, service: str) -> int:
        queue = self.services.get(service)
        return len(queue) if queue is not None else 0

    def oldest_for(self, service: str) -> Ticket | None:
        queue = self.services.get(service)
        tid = queue.first() if queue is not None else None
        return self.tickets[tid] if tid is not None else None

    def targeted_at(self, counter: int) -> int:
        return len(self.targeted.get(counter, ()))

    def targeted_total(self) -> int:
        return sum(len(s) for s in self.targeted.values())

    def parked_at(self, counter: int) -> list[Ticket]:
        out = [self.tickets[tid] for tid in self.parked.get(counter, ())]
        out.sort(key=lambda t: (t.issued_at, t.id))
        return out

    def no_shows_since(self, since: float) -> list[Ticket]:
        """Today's no-shows that missed their call at or after ``since``, latest first."""
        out = [t for t in (self.tickets[tid] for tid in self.no_shows) if (t.no_show_at or 0.0) >= since]
        out.sort(key=lambda t: (-(t.no_show_at or 0.0), t.id))
        return out

    def waiting(self) -> list[Ticket]:
        """Every waiting ticket by queue order (O(n log n): for lists, not per request)."""
        ids: list[str] = [tid for group in self.groups.values() for tid in group.members]
        out = [self.tickets[tid] for tid in ids]
        out.sort(key=lambda t: t.queue_seq)
        return out

    def service_queue(self, service: str) -> list[Ticket]:
        """One service's untargeted queue, oldest first (O(n log n))."""
        queue = self.services.get(service)
        if queue is None:
            return []
        out = [self.tickets[tid] for tid in queue.members]
        out.sort(key=lambda t: t.queue_seq)
        return out

    def find(self, *, number: str | None = None, token: str | None = None) -> Ticket | None:
        hits: list[Ticket] = []
        if number:
            t = self.tickets.get(self.id_prefix + number)
            if t is not None and t.number == number:
                hits.append(t)
        if token:
            h = hash(token)
            tid = self.by_token.get(h)
            if tid is None:
                try:
                    tid = self._final_ids[self._final_hashes.index(h)]
                except ValueError:
                    tid = None
            t = self.tickets.get(tid) if tid is not None else None
            if t is not None and t.token == token:
                hits.append(t)
        return min(hits, key=lambda t: (t.issued_at, t.id)) if hits else None

    def check(self, state: State) -> None:
        """Raise AssertionError unless this index equals a rebuild (tests)."""
        fresh = QueueIndex(state)
        assert {k: dict(g.members) for k, g in self.groups.items()} == \
               {k: dict(g.members) for k, g in fresh.groups.items()}, "groups"
        assert {k: dict(g.members) for k, g in self.services.items() if g} == \
               {k: dict(g.members) for k, g in fresh.services.items() if g}, "services"
        assert {k: v for k, v in self.service_seqs.items() if v} == \
               {k: v for k, v in fresh.service_seqs.items() if v}, "service queue order"
        assert {k: v for k, v in self.targeted.items() if v} == {k: v for k, v in fresh.targeted.items() if v}
        assert {k: v for k, v in self.parked.items() if v} == {k: v for k, v in fresh.parked.items() if v}
        assert self.no_shows == fresh.no_shows, "no-shows"
        assert self.waiting_count == fresh.waiting_count
        assert {k: v for k, v in self.counts.items() if v} == {k: v for k, v in fresh.counts.items() if v}
        assert self.by_token == fresh.by_token
        assert self.away == fresh.away, "away"
        assert self.remote == fresh.remote, "remote"
        mine = sorted(zip(self._final_hashes, self._final_ids, strict=True))
        assert mine == sorted(zip(fresh._final_hashes, fresh._final_ids, strict=True)), "finished tokens"


def queue_index(state: State) -> QueueIndex:
    """The state's index, built on first use and after the tickets were replaced."""
    index = state.index
    if not isinstance(index, QueueIndex) or index.tickets is not state.tickets:
        index = state.index = QueueIndex(state)
    return index


def ticket_ids(event: dict[str, Any]) -> Iterable[str]:
    """The tickets an event changes (the reducer re-files exactly these)."""
    t = event.get("ticket")
    if isinstance(t, dict):
        yield t["id"]
    elif isinstance(t, str):
        yield t
    yield from event.get("tickets", ())
