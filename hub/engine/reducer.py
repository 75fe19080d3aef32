"""Events change the state here and nowhere else.

``apply(state, event)`` is deterministic: the same events in the same order
give the same state, which is how the store's event log can be replayed and
checked against the live state. Each event is the stored dict of one
:mod:`hub.engine.events` class (``type``, ``at`` in epoch seconds, and every
value the change needs); every class there has exactly one handler here
(tests/engine/test_events.py checks both ways).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.engine.model import (
    C_CALLED,
    C_CLOSED,
    C_OPEN,
    C_PAUSED,
    C_SERVING,
    CALLED,
    CANCELLED,
    CLOSED,
    DONE,
    NO_SHOW,
    PARKED,
    SERVING,
    WAITING,
    Appointment,
    Background,
    BacklogItem,
    Clerk,
    Counter,
    Outcome,
    Rule,
    Service,
    Settings,
    State,
    Ticket,
    TicketBook,
)
from hub.engine.queueindex import ticket_ids

Event = dict[str, Any]
_HANDLERS: dict[str, Callable[[State, Event], None]] = {}


def handles(kind: str) -> Callable[[Callable[[State, Event], None]], Callable[[State, Event], None]]:
    def register(fn: Callable[[State, Event], None]) -> Callable[[State, Event], None]:
        _HANDLERS[kind] = fn
        return fn

    return register


def apply(state: State, event: Event) -> None:
    ids = list(ticket_ids(event))
    index = state.index
    if index is not None and index.tickets is not state.tickets:
        index = None  # stale: rebuilt from the tickets when next asked
    if index is not None:
        for tid in ids:
            index.discard(tid)
    try:
        _HANDLERS[event["type"]](state, event)
    except Exception:
        state.index = None  # the event half-applied (a replay of partial history): rebuild when asked
        raise
    book = state.tickets
    if index is not None and index.tickets is book:  # day.opened replaces the book
        for tid in ids:
            t = book.get(tid)
            if t is not None:
                index.add(t)
    settle = getattr(book, "settle", None)
    if settle is not None:
        for tid in ids:
            settle(tid)  # a ticket that has just finished is frozen (see TicketBook)


def event_types() -> frozenset[str]:
    return frozenset(_HANDLERS)


# ---- configuration ---------------------------------------------------------

@handles("settings.updated")
def _settings(s: State, e: Event) -> None:
    s.settings = Settings.from_dict({**s.settings.to_dict(), **e["settings"]})


@handles("service.upserted")
def _service(s: State, e: Event) -> None:
    s.services[e["service"]["id"]] = Service.from_dict(e["service"])


@handles("counter.upserted")
def _counter(s: State, e: Event) -> None:
    data = e["counter"]
    c = s.counters.get(data["number"])
    if c is None:
        c = Counter(number=data["number"], since=e["at"])
        s.counters[c.number] = c
    for key in ("name", "profile", "enabled"):
        if key in data:
            setattr(c, key, data[key])


@handles("clerk.upserted")
def _clerk(s: State, e: Event) -> None:
    data = e["clerk"]
    old = s.clerks.get(data["id"])
    clerk = Clerk.from_dict({**(old.to_dict() if old else {}), **data})
    s.clerks[clerk.id] = clerk


@handles("profile.set")
def _profile(s: State, e: Event) -> None:
    if e.get("clerk"):
        s.clerks[e["clerk"]].profile = list(e["profile"])
    else:
        s.counters[e["counter"]].profile = list(e["profile"])


@handles("rule.upserted")
def _rule(s: State, e: Event) -> None:
    s.rules[e["rule"]["id"]] = Rule.from_dict(e["rule"])


@handles("outcome.upserted")
def _outcome(s: State, e: Event) -> None:
    s.outcomes[e["outcome"]["code"]] = Outcome.from_dict(e["outcome"])


@handles("rule.removed")
def _rule_removed(s: State, e: Event) -> None:
    s.rules.pop(e["id"], None)


# ---- day -----------------------------------------------------------------

@handles("day.closed")
def _day_closed(s: State, e: Event) -> None:
    for tid in e["tickets"]:
        t = s.tickets[tid]
        t.state = CLOSED
        t.finished_at = e["at"]
    for number in e["counters"]:
        c = s.counters[number]
        c.state, c.ticket, c.clerk, c.reason, c.since = C_CLOSED, None, None, "", e["at"]
        c.background = None
        c.last_ticket = None
    for bid in e["backgrounds"]:
        s.backgrounds.pop(bid, None)
    for clerk in s.clerks.values():
        clerk.counter = None


@handles("day.opened")
def _day_opened(s: State, e: Event) -> None:
    s.day = e["day"]
    s.numbering = {}
    # Earlier days' tickets are history now: they live in the store only.
    s.tickets = TicketBook((k, t) for k, t in s.tickets.items() if t.day == s.day)


# ---- tickets -------------------------------------------------------------

@handles("ticket.issued")
def _issued(s: State, e: Event) -> None:
    t = Ticket.from_dict(e["ticket"])
    s.tickets[t.id] = t
    s.numbering[t.prefix] = max(s.numbering.get(t.prefix, 0), int(t.number[len(t.prefix):]))
    s.queue_seq = max(s.queue_seq, t.queue_seq)
    if t.appointment and t.appointment in s.appointments:
        a = s.appointments[t.appointment]
        a.state, a.ticket = "checked_in", t.id


def _take(s: State, t: Ticket, counter: Counter, e: Event) -> None:
    t.state, t.counter, t.clerk, t.called_at = CALLED, counter.number, counter.clerk, e["at"]
    t.started_at = None
    counter.state, counter.ticket, counter.since, counter.reason = C_CALLED, t.id, e["at"], ""


@handles("ticket.called")
def _called(s: State, e: Event) -> None:
    _take(s, s.tickets[e["ticket"]], s.counters[e["counter"]], e)


@handles("ticket.recalled")
def _recalled(s: State, e: Event) -> None:
    s.tickets[e["ticket"]].recalls += 1


@handles("ticket.started")
def _started(s: State, e: Event) -> None:
    t = s.tickets[e["ticket"]]
    c = s.counters[e["counter"]]
    t.state, t.started_at = SERVING, e["at"]
    c.state, c.since = C_SERVING, e["at"]


def _release(c: Counter, at: float) -> None:
    c.ticket, c.state, c.since, c.reason = None, C_OPEN, at, ""


def _requeue(s: State, t: Ticket, e: Event, *, front: bool, target: int | None) -> None:
    t.state, t.counter, t.clerk = WAITING, None, None
    t.called_at = t.started_at = None
    t.queued_at, t.queue_seq, t.front, t.target_counter = e["at"], e["queue_seq"], front, target
    s.queue_seq = max(s.queue_seq, e["queue_seq"])


@handles("ticket.finished")
def _finished(s: State, e: Event) -> None:
    t = s.tickets[e["ticket"]]
    c = s.counters[e["counter"]]
    t.marks = t.marks + list(e.get("marks", []))
    t.pending = list(e["remaining"])
    _release(c, e["at"])
    c.last_ticket = t.id
    if t.pending:  # cases left that this counter does not serve: back, first in line
        _requeue(s, t, e, front=True, target=None)
    else:
        t.state, t.finished_at = DONE, e["at"]


@handles("ticket.no_show")
def _no_show(s: State, e: Event) -> None:
    t = s.tickets[e["ticket"]]
    t.state, t.no_show_at = NO_SHOW, e["at"]
    _release(s.counters[e["counter"]], e["at"])


@handles("ticket.returned")
def _returned(s: State, e: Event) -> None:
    t = s.tickets[e["ticket"]]
    t.returns += 1
    _requeue(s, t, e, front=True, target=None)


@handles("ticket.transferred")
def _transferred(s: State, e: Event) -> None:
    t = s.tickets[e["ticket"]]
    _release(s.counters[e["counter"]], e["at"])
    t.transfers += 1
    if e.get("service"):
        # every case of that service goes first (a family's cases stay together)
        t.pending = ([x for x in t.pending if x == e["service"]] or [e["service"]]) + \
            [x for x in t.pending if x != e["service"]]
        if e["service"] not in t.services:
            t.services = t.services + [e["service"]]
    _requeue(s, t, e, front=e["position"] == "first", target=e.get("to_counter"))


@handles("ticket.parked")
def _parked(s: State, e: Event) -> None:
    t = s.tickets[e["ticket"]]
    t.state = PARKED
    _release(s.counters[e["counter"]], e["at"])


@handles("ticket.passed_over")
def _passed_over(s: State, e: Event) -> None:
    # Remote tickets whose turn came before their citizen arrived: they keep their place.
    for tid in e["tickets"]:
        s.tickets[tid].passed += 1


@handles("ticket.checked_in")
def _checked_in(s: State, e: Event) -> None:
    t = s.tickets[e["ticket"]]
    t.state, t.arrived_at, t.front = WAITING, e["at"], bool(e["front"])


@handles("ticket.cancelled")
def _cancelled(s: State, e: Event) -> None:
    t = s.tickets[e["ticket"]]
    t.state, t.finished_at = CANCELLED, e["at"]


# ---- counters and clerks -------------------------------------------------

@handles("counter.opened")
def _opened(s: State, e: Event) -> None:
    c = s.counters[e["counter"]]
    c.state, c.since, c.reason = C_OPEN, e["at"], ""


@handles("counter.paused")
def _paused(s: State, e: Event) -> None:
    c = s.counters[e["counter"]]
    c.state, c.since, c.reason = C_PAUSED, e["at"], e.get("reason", "")


@handles("counter.closed")
def _closed(s: State, e: Event) -> None:
    c = s.counters[e["counter"]]
    c.state, c.since, c.reason = C_CLOSED, e["at"], ""


@handles("clerk.logged_in")
def _login(s: State, e: Event) -> None:
    c = s.counters[e["counter"]]
    clerk = s.clerks[e["clerk"]]
    c.clerk = clerk.id
    clerk.counter = c.number
    if c.state == C_CLOSED:
        c.state, c.since = C_OPEN, e["at"]


@handles("clerk.logged_out")
def _logout(s: State, e: Event) -> None:
    c = s.counters[e["counter"]]
    if c.clerk in s.clerks:
        s.clerks[c.clerk].counter = None
    c.clerk = None
    c.state, c.since, c.reason = C_CLOSED, e["at"], ""


@handles("background.started")
def _bg_start(s: State, e: Event) -> None:
    b = Background.from_dict(e["background"])
    s.backgrounds[b.id] = b
    s.background_seq = max(s.background_seq, int(b.id.rsplit("-", 1)[-1]))
    s.counters[b.counter].background = b.id
    if b.backlog in s.backlog:
        s.backlog[b.backlog].taken_by = b.id


@handles("background.stopped")
def _bg_stop(s: State, e: Event) -> None:
    b = s.backgrounds.pop(e["id"])
    c = s.counters.get(b.counter)
    if c is not None and c.background == b.id:
        c.background = None
    if b.backlog in s.backlog:
        if e.get("reason") == "stop":  # the clerk finished it
            del s.backlog[b.backlog]
        else:  # interrupted (a call, closing, the day's end): back to the backlog
            s.backlog[b.backlog].taken_by = None


@handles("backlog.recorded")
def _backlog_recorded(s: State, e: Event) -> None:
    item = BacklogItem.from_dict(e["item"])
    s.backlog[item.id] = item
    s.backlog_seq = max(s.backlog_seq, int(item.id.rsplit("-", 1)[-1]))


@handles("feedback.submitted")
def _feedback(s: State, e: Event) -> None:
    pass  # statistics only


@handles("feedback.nps")
def _nps(s: State, e: Event) -> None:
    t = s.tickets.get(e["ticket"])
    if t is not None:  # an earlier day's ticket is history: its answer is in the statistics only
        t.nps = e["score"]
        s.tickets[t.id] = t  # a finished ticket is stored frozen: store the changed copy


# ---- appointments -----------------------------------------------------------

@handles("appointment.booked")
def _booked(s: State, e: Event) -> None:
    a = Appointment.from_dict(e["appointment"])
    s.appointments[a.code] = a


@handles("appointment.cancelled")
def _appt_cancelled(s: State, e: Event) -> None:
    s.appointments[e["code"]].state = "cancelled"


@handles("appointment.moved")
def _appt_moved(s: State, e: Event) -> None:
    s.appointments[e["code"]].at = e["to"]


@handles("appointment.expired")
def _appt_expired(s: State, e: Event) -> None:
    for code in e["codes"]:
        s.appointments.pop(code, None)


