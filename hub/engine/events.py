"""The engine's events: one frozen dataclass per event type.

Each class names its type (``TYPE``, the ``type`` of the stored JSON), carries
the values the change needs, and declares what the change touches, so the
places that react to events read the declaration instead of guessing:

* :meth:`EngineEvent.rows` — the state rows (kind, key) the store rewrites;
  every ``("counter", n)`` row also means the retained ``counters/{n}`` topic;
* ``TOPICS`` — the other retained state topics the hub republishes
  (:data:`QUEUE`, :data:`SERVICES`, :data:`CALLS`);
* ``STATS`` — whether the statistics projector counts it (``on_<type>``).

The stored form is the plain dict of :meth:`EngineEvent.to_dict` (``type``,
``at`` and the fields), exactly the JSON the event log has always held, so old
databases replay unchanged. Adding an event is one class here, one
``@handles`` function in :mod:`hub.engine.reducer` (a test checks both sides)
and the command that emits it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal

Topic = Literal["queue", "services", "calls"]
QUEUE: Topic = "queue"
SERVICES: Topic = "services"
CALLS: Topic = "calls"
Row = tuple[str, str]

REGISTRY: dict[str, type[EngineEvent]] = {}
"""Type name → event class (filled as the classes are defined)."""

_OMIT_IF_NONE = "omit_if_none"
"""Field metadata: the stored dict leaves the key out when the value is None."""


@dataclass(frozen=True, kw_only=True)
class EngineEvent:
    """One change of the engine's state; ``at`` is set by the engine when emitted."""

    TYPE: ClassVar[str] = ""
    TOPICS: ClassVar[frozenset[Topic]] = frozenset()
    STATS: ClassVar[bool] = False
    at: float = 0.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.TYPE or cls.TYPE in REGISTRY:
            raise TypeError(f"{cls.__name__}: TYPE missing or already taken ({cls.TYPE!r})")
        REGISTRY[cls.TYPE] = cls

    def rows(self) -> set[Row]:
        """The state rows this event changes, as (kind, key)."""
        return set()

    def desks(self) -> set[int]:
        """Counters whose state this event changes (their ``counters/{n}`` topics)."""
        return {int(key) for kind, key in self.rows() if kind == "counter"}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.TYPE, "at": self.at}
        for name, omit_if_none in _layout(type(self))[0]:
            value = getattr(self, name)
            if not (value is None and omit_if_none):
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EngineEvent:
        """The event of a stored dict, of the class its ``type`` names."""
        kind = REGISTRY[data["type"]]
        names = _layout(kind)[1]
        return kind(**{k: v for k, v in data.items() if k in names})


_LAYOUTS: dict[type, tuple[tuple[tuple[str, bool], ...], frozenset[str]]] = {}
"""Event class → (its fields but ``at``, with omit-if-None; every field name): read once per class,
as every event of every request is converted both ways."""


def _layout(kind: type[EngineEvent]) -> tuple[tuple[tuple[str, bool], ...], frozenset[str]]:
    layout = _LAYOUTS.get(kind)
    if layout is None:
        fs = fields(kind)
        layout = _LAYOUTS[kind] = (tuple((f.name, bool(f.metadata.get(_OMIT_IF_NONE))) for f in fs
                                         if f.name != "at"), frozenset(f.name for f in fs))
    return layout


def from_dict(data: dict[str, Any]) -> EngineEvent:
    return EngineEvent.from_dict(data)


def _desk(counter: int | None, clerk: str | None) -> set[Row]:
    out: set[Row] = set()
    if counter is not None:
        out.add(("counter", str(counter)))
    if clerk is not None:
        out.add(("clerk", clerk))
    return out


# ---- configuration -----------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class SettingsUpdated(EngineEvent):
    TYPE = "settings.updated"
    TOPICS = frozenset({SERVICES, QUEUE})
    STATS = True
    settings: dict[str, Any]

    def rows(self) -> set[Row]:
        return {("settings", "office")}


@dataclass(frozen=True, kw_only=True)
class ServiceUpserted(EngineEvent):
    TYPE = "service.upserted"
    TOPICS = frozenset({SERVICES, QUEUE})
    service: dict[str, Any]

    def rows(self) -> set[Row]:
        return {("service", self.service["id"])}


@dataclass(frozen=True, kw_only=True)
class CounterUpserted(EngineEvent):
    TYPE = "counter.upserted"
    TOPICS = frozenset({QUEUE})
    counter: dict[str, Any]
    """``number`` and only the keys that change (name, profile, enabled)."""

    def rows(self) -> set[Row]:
        return {("counter", str(self.counter["number"]))}


@dataclass(frozen=True, kw_only=True)
class ClerkUpserted(EngineEvent):
    TYPE = "clerk.upserted"
    TOPICS = frozenset({QUEUE})
    clerk: dict[str, Any]

    def rows(self) -> set[Row]:
        return {("clerk", self.clerk["id"])}


@dataclass(frozen=True, kw_only=True)
class ProfileSet(EngineEvent):
    """A counter's profile, or a clerk's own when ``clerk`` is given."""

    TYPE = "profile.set"
    TOPICS = frozenset({QUEUE})
    counter: int | None = None
    clerk: str | None = None
    profile: list[dict[str, Any]]

    def rows(self) -> set[Row]:
        return _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class RuleUpserted(EngineEvent):
    TYPE = "rule.upserted"
    rule: dict[str, Any]

    def rows(self) -> set[Row]:
        return {("rule", self.rule["id"])}


@dataclass(frozen=True, kw_only=True)
class RuleRemoved(EngineEvent):
    TYPE = "rule.removed"
    id: str

    def rows(self) -> set[Row]:
        return {("rule", self.id)}


@dataclass(frozen=True, kw_only=True)
class OutcomeUpserted(EngineEvent):
    TYPE = "outcome.upserted"
    TOPICS = frozenset({SERVICES, QUEUE})
    outcome: dict[str, Any]

    def rows(self) -> set[Row]:
        return {("outcome", self.outcome["code"])}


# ---- day -----------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class DayClosed(EngineEvent):
    """The day's end: open tickets closed, counters closed, every clerk logged out."""

    TYPE = "day.closed"
    TOPICS = frozenset({SERVICES, QUEUE})
    STATS = True
    day: str
    tickets: list[str]
    counters: list[int]
    backgrounds: list[str] = field(default_factory=list)

    def rows(self) -> set[Row]:
        return ({("ticket", t) for t in self.tickets} | {("counter", str(n)) for n in self.counters}
                | {("clerk", "*")})


@dataclass(frozen=True, kw_only=True)
class DayOpened(EngineEvent):
    TYPE = "day.opened"
    TOPICS = frozenset({SERVICES, QUEUE})
    STATS = True
    day: str

    def rows(self) -> set[Row]:
        return {("day", "*")}


# ---- tickets -----------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class TicketIssued(EngineEvent):
    TYPE = "ticket.issued"
    TOPICS = frozenset({QUEUE})
    STATS = True
    ticket: dict[str, Any]
    """The whole new ticket (``Ticket.to_dict``)."""

    def rows(self) -> set[Row]:
        out: set[Row] = {("ticket", self.ticket["id"])}
        if self.ticket.get("appointment"):  # checking in marks the appointment
            out.add(("appointment", self.ticket["appointment"]))
        return out


@dataclass(frozen=True, kw_only=True)
class TicketCalled(EngineEvent):
    """A call (Next, or a parked ticket called back with ``tier`` -1)."""

    TYPE = "ticket.called"
    TOPICS = frozenset({QUEUE, CALLS})
    STATS = True
    ticket: str
    counter: int
    clerk: str | None
    service: str | None
    tier: int
    waited_s: float

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)} | _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class TicketRecalled(EngineEvent):
    TYPE = "ticket.recalled"
    TOPICS = frozenset({QUEUE, CALLS})
    STATS = True
    ticket: str
    counter: int

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket), ("counter", str(self.counter))}


@dataclass(frozen=True, kw_only=True)
class TicketStarted(EngineEvent):
    TYPE = "ticket.started"
    TOPICS = frozenset({QUEUE})
    STATS = True
    ticket: str
    counter: int
    clerk: str | None

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)} | _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class TicketFinished(EngineEvent):
    """Served; ``remaining`` cases (other counters') send it back first in line."""

    TYPE = "ticket.finished"
    TOPICS = frozenset({QUEUE})
    STATS = True
    ticket: str
    counter: int
    clerk: str | None
    marks: list[str] = field(default_factory=list)
    services: list[str]
    remaining: list[str]
    implicit: bool
    queue_seq: int
    started: bool

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)} | _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class TicketNoShow(EngineEvent):
    TYPE = "ticket.no_show"
    TOPICS = frozenset({QUEUE})
    STATS = True
    ticket: str
    counter: int
    clerk: str | None

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)} | _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class TicketReturned(EngineEvent):
    """A no-show came back within the window: first in line again."""

    TYPE = "ticket.returned"
    TOPICS = frozenset({QUEUE})
    STATS = True
    ticket: str
    queue_seq: int
    service: str | None

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)}


@dataclass(frozen=True, kw_only=True)
class TicketTransferred(EngineEvent):
    TYPE = "ticket.transferred"
    TOPICS = frozenset({QUEUE})
    STATS = True
    ticket: str
    counter: int
    clerk: str | None
    service: str | None = None
    to_counter: int | None = None
    position: str
    """``first`` or ``last`` in line."""
    queue_seq: int

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)} | _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class TicketParked(EngineEvent):
    TYPE = "ticket.parked"
    TOPICS = frozenset({QUEUE})
    STATS = True
    ticket: str
    counter: int
    clerk: str | None

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)} | _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class TicketPassedOver(EngineEvent):
    """Remote tickets not yet checked in whose turn came (``by`` was called past them)."""

    TYPE = "ticket.passed_over"
    TOPICS = frozenset({QUEUE})
    tickets: list[str]
    counter: int
    by: str

    def rows(self) -> set[Row]:
        return {("ticket", t) for t in self.tickets} | {("counter", str(self.counter))}


@dataclass(frozen=True, kw_only=True)
class TicketCheckedIn(EngineEvent):
    TYPE = "ticket.checked_in"
    TOPICS = frozenset({QUEUE})
    ticket: str
    front: bool
    passed: int
    service: str | None

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)}


@dataclass(frozen=True, kw_only=True)
class TicketCancelled(EngineEvent):
    TYPE = "ticket.cancelled"
    TOPICS = frozenset({QUEUE})
    STATS = True
    ticket: str

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)}


# ---- counters and clerks -----------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class CounterOpened(EngineEvent):
    TYPE = "counter.opened"
    TOPICS = frozenset({QUEUE})
    STATS = True
    counter: int
    clerk: str | None = field(default=None, metadata={_OMIT_IF_NONE: True})

    def rows(self) -> set[Row]:
        return _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class CounterPaused(EngineEvent):
    TYPE = "counter.paused"
    TOPICS = frozenset({QUEUE})
    STATS = True
    counter: int
    clerk: str | None
    reason: str = ""

    def rows(self) -> set[Row]:
        return _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class CounterClosed(EngineEvent):
    TYPE = "counter.closed"
    TOPICS = frozenset({QUEUE})
    STATS = True
    counter: int
    clerk: str | None

    def rows(self) -> set[Row]:
        return _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class ClerkLoggedIn(EngineEvent):
    TYPE = "clerk.logged_in"
    TOPICS = frozenset({QUEUE})
    STATS = True
    clerk: str
    counter: int

    def rows(self) -> set[Row]:
        return _desk(self.counter, self.clerk)


@dataclass(frozen=True, kw_only=True)
class ClerkLoggedOut(EngineEvent):
    TYPE = "clerk.logged_out"
    TOPICS = frozenset({QUEUE})
    STATS = True
    clerk: str
    counter: int

    def rows(self) -> set[Row]:
        return _desk(self.counter, self.clerk)


# ---- background work ---------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class BackgroundStarted(EngineEvent):
    TYPE = "background.started"
    TOPICS = frozenset({QUEUE})
    STATS = True
    counter: int
    clerk: str | None
    background: dict[str, Any]
    """The whole new background (``Background.to_dict``); ``backlog`` names a case taken."""

    def rows(self) -> set[Row]:
        # taking a case changes the backlog (the event names the background only)
        return _desk(self.counter, self.clerk) | {("background", self.background["id"]), ("backlog", "*")}


@dataclass(frozen=True, kw_only=True)
class BackgroundStopped(EngineEvent):
    """``reason``: stop (done: its backlog case goes), call, close, logout, end_of_day."""

    TYPE = "background.stopped"
    TOPICS = frozenset({QUEUE})
    STATS = True
    id: str
    counter: int
    clerk: str | None
    reason: str = ""

    def rows(self) -> set[Row]:
        return _desk(self.counter, self.clerk) | {("background", self.id), ("backlog", "*")}


@dataclass(frozen=True, kw_only=True)
class BacklogRecorded(EngineEvent):
    TYPE = "backlog.recorded"
    TOPICS = frozenset({QUEUE})
    STATS = True
    item: dict[str, Any]

    def rows(self) -> set[Row]:
        return {("backlog", self.item["id"])}


@dataclass(frozen=True, kw_only=True)
class FeedbackSubmitted(EngineEvent):
    TYPE = "feedback.submitted"
    STATS = True
    counter: int
    clerk: str | None
    ticket: str
    score: str

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)} | _desk(self.counter, self.clerk)


# ---- appointments ------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class AppointmentBooked(EngineEvent):
    TYPE = "appointment.booked"
    appointment: dict[str, Any]

    def rows(self) -> set[Row]:
        return {("appointment", self.appointment["code"])}


@dataclass(frozen=True, kw_only=True)
class AppointmentCancelled(EngineEvent):
    TYPE = "appointment.cancelled"
    code: str

    def rows(self) -> set[Row]:
        return {("appointment", self.code)}


@dataclass(frozen=True, kw_only=True)
class AppointmentMoved(EngineEvent):
    TYPE = "appointment.moved"
    code: str
    to: float

    def rows(self) -> set[Row]:
        return {("appointment", self.code)}


@dataclass(frozen=True, kw_only=True)
class AppointmentExpired(EngineEvent):
    TYPE = "appointment.expired"
    codes: list[str]

    def rows(self) -> set[Row]:
        return {("appointment", c) for c in self.codes}


# ---- survey ------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class FeedbackNps(EngineEvent):
    """The one-page survey's answer (0–10) for a finished visit, once per ticket.

    Carries the visit's day, first service, clerk and token, so the statistics
    (``nps_answer``) need nothing else, also for a ticket of an earlier day."""

    TYPE = "feedback.nps"
    STATS = True
    ticket: str
    score: int
    day: str
    token: str = ""
    service: str | None = None
    clerk: str | None = None

    def rows(self) -> set[Row]:
        return {("ticket", self.ticket)}
