"""The engine's state: plain dataclasses, serialisable to JSON rows."""

from __future__ import annotations

import copy
import marshal
import zlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from operator import attrgetter
from typing import Any

from hub.engine import holidays_hu

# Ticket states. A ticket is in exactly one of them.
WAITING = "waiting"  # in a queue (possibly targeted at one counter)
CALLED = "called"  # called to a counter, customer on the way
SERVING = "serving"  # service started at a counter
PARKED = "parked"  # set aside at a counter (customer fetching a document)
DONE = "done"  # all its services finished
NO_SHOW = "no_show"  # did not come when called; may return within the window
NOT_ARRIVED = "not_arrived"  # taken remotely, holds its place, not callable until checked in
CLOSED = "closed"  # closed by end of day while still open
CANCELLED = "cancelled"
FINAL_STATES = frozenset({DONE, CLOSED, CANCELLED})
OPEN_STATES = frozenset({WAITING, CALLED, SERVING, PARKED, NO_SHOW, NOT_ARRIVED})

# Counter states.
C_CLOSED = "closed"
C_OPEN = "open"  # ready for the next customer
C_PAUSED = "paused"
C_CALLED = "called"
C_SERVING = "serving"


class Row:
    """Mixin: JSON-friendly dict round trip (nested lists of lists become tuples on purpose never)."""

    __slots__ = ()  # lets a subclass use slots (Ticket: a busy day holds tens of thousands)

    def to_dict(self) -> dict[str, Any]:
        # What dataclasses.asdict gives (field order, containers copied), without its generic recursion:
        # a counter's row is written at every call.
        names = _FIELD_ORDER.get(type(self))
        if names is None:
            names = _FIELD_ORDER[type(self)] = tuple(f.name for f in fields(self))  # type: ignore[arg-type]
        return {n: _plain(getattr(self, n)) for n in names}

    @classmethod
    def from_dict(cls, data: dict[str, Any]):  # type: ignore[no-untyped-def]
        names = _FIELD_NAMES.get(cls)
        if names is None:
            names = _FIELD_NAMES[cls] = frozenset(f.name for f in fields(cls))  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


_FIELD_NAMES: dict[type, frozenset[str]] = {}
_FIELD_ORDER: dict[type, tuple[str, ...]] = {}


def _plain(v: Any) -> Any:
    """A copy of a field's value as :func:`dataclasses.asdict` makes it."""
    if v is None or isinstance(v, (str, int, float)):
        return v
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    return asdict(v) if is_dataclass(v) and not isinstance(v, type) else copy.deepcopy(v)


@dataclass
class Service(Row):
    id: str
    names: dict[str, str]
    prefix: str
    info: dict[str, str] = field(default_factory=dict)
    group: str = ""
    sla_s: int = 900
    """Target: a customer of this service is called within this many seconds."""
    mean_service_s: float = 300.0
    """Prior for the estimated wait; replaced by measured times as the day goes."""
    hours: dict[str, list[list[str]]] = field(default_factory=dict)
    """Weekday ("0" = Monday) → [["08:00", "12:00"], …]; empty means the office's hours."""
    enabled: bool = True
    order: int = 0
    remote: bool = False
    """Citizens may take a ticket for it from the public pages (see hub/engine/remote.py)."""
    default_outcome: str = ""
    """Outcome code recorded when a case of this service is finished without one (a hardware Done)."""


@dataclass
class ProfileEntry(Row):
    service: str
    weight: int = 1


@dataclass
class Counter(Row):
    number: int
    name: str = ""
    state: str = C_CLOSED
    since: float = 0.0
    reason: str = ""
    clerk: str | None = None
    ticket: str | None = None
    last_ticket: str | None = None
    """The customer served last, for feedback buttons pressed after Done."""
    background: str | None = None
    profile: list[dict[str, Any]] = field(default_factory=list)
    """[{"service": id, "weight": n}, …]; empty serves every service."""
    enabled: bool = True


@dataclass
class Clerk(Row):
    id: str
    name: str
    pin_hash: str = ""
    profile: list[dict[str, Any]] = field(default_factory=list)
    may_edit_profile: bool = False
    counter: int | None = None
    enabled: bool = True


@dataclass(slots=True)
class Ticket(Row):
    id: str
    day: str
    number: str
    prefix: str
    services: list[str]
    pending: list[str]
    """Services not yet finished; the ticket queues for these."""
    priority: bool = False
    note: str = ""
    channel: str = "kiosk"
    lang: str = "hu"
    token: str = ""
    state: str = WAITING
    issued_at: float = 0.0
    queued_at: float = 0.0
    """When it (re)entered its current queue."""
    queue_seq: int = 0
    """Order of entering the queue; lower is earlier."""
    front: bool = False
    """Transferred "first in line" or returning: served before the normal queue."""
    target_counter: int | None = None
    counter: int | None = None
    clerk: str | None = None
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    no_show_at: float | None = None
    recalls: int = 0
    transfers: int = 0
    returns: int = 0
    marks: list[str] = field(default_factory=list)
    appointment: str | None = None
    due_at: float | None = None
    # Remote tickets (channel "remote", see hub/engine/remote.py); new fields go last so
    # that frozen tickets (positional values) of older versions still thaw.
    code: str = ""
    """Check-in code (digits) typed or scanned at the kiosk."""
    contact: str = ""
    """Phone or e-mail given when joining, for the limits and the messages; never shown publicly."""
    origin: str = ""
    """A digest of the client address it was taken from (the per-address limit)."""
    arrived_at: float | None = None
    """When the citizen checked in at the kiosk; waiting time is counted from here."""
    passed: int = 0
    """How many calls passed over it while the citizen was not there yet."""
    people: int = 1
    """How many people came on this ticket (a family); each listed service is one case."""
    nps: int | None = None
    """The visit's answer to the NPS survey (0–10), once given (``feedback.nps``)."""

    def to_dict(self) -> dict[str, Any]:
        # asdict() deep-copies field by field through generic code; a ticket's fields are
        # plain values and lists of strings, so a shallow copy of each list is a deep copy.
        out = {}
        for name in _TICKET_FIELDS:
            v = getattr(self, name)
            out[name] = list(v) if type(v) is list else v
        return out


_TICKET_FIELDS = tuple(f.name for f in fields(Ticket))
_TICKET_VALUES = attrgetter(*_TICKET_FIELDS)
_TICKET_POS = {name: i for i, name in enumerate(_TICKET_FIELDS)}
_FINAL_CODE = {DONE: b"d", CLOSED: b"c", CANCELLED: b"x"}
_CODE_FINAL = {code[0]: state for state, code in _FINAL_CODE.items()}


def freeze(t: Ticket) -> bytes:
    """A finished ticket as compact bytes: its final state's code, then its fields (marshal)."""
    return _FINAL_CODE[t.state] + marshal.dumps(_TICKET_VALUES(t))


def thaw(blob: bytes) -> Ticket:
    return Ticket(*marshal.loads(memoryview(blob)[1:]))


class FrozenTicket:
    """A read-only view of a finished ticket, handed out while iterating a :class:`TicketBook`.

    ``state`` costs nothing; reading a field decodes the ticket's values once (for this
    view); a method (``to_dict`` …) works on a :class:`Ticket` made from them.
    """

    __slots__ = ("state", "_blob", "_block", "_ticket", "_values")

    def __init__(self, blob: bytes | None, block: tuple[_Block, int, dict[Any, Any]] | None = None) -> None:
        self._blob = blob
        self._block = block
        self._ticket: Ticket | None = None
        self._values: tuple[Any, ...] | None = None
        if blob is not None:
            self.state = _CODE_FINAL[blob[0]]
        else:
            assert block is not None
            self.state = _CODE_FINAL[block[0].states[block[1]]]

    def blob(self) -> bytes:
        if self._blob is None:
            assert self._block is not None
            block, i, cache = self._block
            blobs = cache.get(block)
            if blobs is None:
                blobs = cache[block] = block.blobs()
            self._blob = blobs[i]
        return self._blob

    def thaw(self) -> Ticket:
        if self._ticket is None:
            self._ticket = Ticket(*self.values())
        return self._ticket

    def values(self) -> tuple[Any, ...]:
        if self._values is None:
            self._values = marshal.loads(memoryview(self.blob())[1:])
        assert self._values is not None
        return self._values

    def __getattr__(self, name: str) -> Any:
        pos = _TICKET_POS.get(name)
        if pos is not None:
            v = self.values()[pos]
            return list(v) if type(v) is list else v  # a copy: a view is read-only
        return getattr(self.thaw(), name)

    def __repr__(self) -> str:
        return f"FrozenTicket({self.thaw()!r})"


class _Block:
    """Frozen tickets compressed together (similar records compress well; one alone does not)."""

    __slots__ = ("ids", "states", "_z")

    def __init__(self, items: list[tuple[str, bytes]]) -> None:
        self.ids = tuple(tid for tid, _ in items)
        self.states = bytes(blob[0] for _, blob in items)
        self._z = zlib.compress(marshal.dumps([blob for _, blob in items]), 6)

    def blobs(self) -> list[bytes]:
        out: list[bytes] = marshal.loads(zlib.decompress(self._z))
        return out

    def blob(self, tid: str) -> bytes:
        return self.blobs()[self.ids.index(tid)]

    def state(self, tid: str) -> str:
        return _CODE_FINAL[self.states[self.ids.index(tid)]]


class TicketBook(MutableMapping[str, Ticket]):
    """Today's tickets by id, in issue order: open ones as :class:`Ticket` objects, finished ones frozen.

    A busy day has tens of thousands of finished tickets that nothing changes
    any more (done, closed, cancelled); kept as objects they would be most of
    the hub's memory (~1 KB each, and work for the garbage collector). Here a
    finished ticket becomes :func:`freeze` bytes (~170), and every
    :attr:`BLOCK` of them are compressed together (~30 bytes a ticket):
    ``book[id]`` and ``get`` return a fresh :class:`Ticket` decoded from them,
    iteration yields :class:`FrozenTicket` views whose ``state`` is free. The
    reducer calls :meth:`settle` after each change, which freezes a ticket
    that has just finished; a finished ticket is never changed again, so
    nothing is lost.
    """

    __slots__ = ("_d", "_loose")
    BLOCK = 64

    def __init__(self, items: Any = ()) -> None:
        self._d: dict[str, Ticket | bytes | _Block] = {}
        self._loose: list[str] = []
        """Frozen, not yet in a block."""
        for k, v in (items.items() if hasattr(items, "items") else items):
            self[k] = v

    def __getitem__(self, tid: str) -> Ticket:
        v = self._d[tid]
        if isinstance(v, Ticket):
            return v
        return thaw(v if isinstance(v, bytes) else v.blob(tid))

    def get(self, tid: str, default: Any = None) -> Any:
        if tid in self._d:
            return self[tid]
        return default

    def __setitem__(self, tid: str, t: Ticket | FrozenTicket) -> None:
        if isinstance(t, FrozenTicket):
            self._freeze(tid, t.blob())
        elif t.state in FINAL_STATES:
            self._freeze(tid, freeze(t))
        else:
            self._d[tid] = t

    def _freeze(self, tid: str, blob: bytes) -> None:
        self._d[tid] = blob
        self._loose.append(tid)
        if len(self._loose) >= self.BLOCK:
            d = self._d
            items: list[tuple[str, bytes]] = []
            for x in dict.fromkeys(self._loose):
                v = d.get(x)
                if isinstance(v, bytes):
                    items.append((x, v))
            self._loose = []
            if items:
                block = _Block(items)
                for x, _ in items:
                    d[x] = block

    def __delitem__(self, tid: str) -> None:
        del self._d[tid]

    def __contains__(self, tid: object) -> bool:
        return tid in self._d

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def _view(self, tid: str, v: Any, cache: dict[Any, Any]) -> Any:
        if type(v) is Ticket:
            return v
        if type(v) is bytes:
            return FrozenTicket(v)
        places = cache.get(id(v))  # this pass's map of the block's ids to their places
        if places is None:
            places = cache[id(v)] = {x: i for i, x in enumerate(v.ids)}
        return FrozenTicket(None, (v, places[tid], cache))

    def values(self) -> Iterator[Ticket]:  # type: ignore[override]
        cache: dict[Any, Any] = {}  # blocks decoded during this pass, each once
        for k, v in self._d.items():
            if isinstance(v, Ticket):
                yield v
            elif isinstance(v, bytes):
                yield FrozenTicket(v)  # type: ignore[misc]  # a read-only view with a Ticket's fields
            else:
                yield self._view(k, v, cache)

    def items(self) -> Iterator[tuple[str, Ticket]]:  # type: ignore[override]
        cache: dict[Any, Any] = {}
        for k, v in self._d.items():
            yield k, self._view(k, v, cache)

    def state_of(self, tid: str) -> str | None:
        v = self._d.get(tid)
        if v is None:
            return None
        if isinstance(v, Ticket):
            return v.state
        if isinstance(v, bytes):
            return _CODE_FINAL[v[0]]
        return v.state(tid)

    def settle(self, tid: str) -> None:
        """Freeze the ticket if it has just finished (the reducer calls this after every change)."""
        v = self._d.get(tid)
        if isinstance(v, Ticket) and v.state in FINAL_STATES:
            self._freeze(tid, freeze(v))

    def live(self) -> int:
        """How many tickets are held as objects (open ones)."""
        return sum(1 for v in self._d.values() if isinstance(v, Ticket))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return len(self) == len(other) and all(
            k in other and self[k].to_dict() == other[k].to_dict() for k in self)

    def __repr__(self) -> str:
        return f"TicketBook({len(self)} tickets, {self.live()} open)"


@dataclass
class Appointment(Row):
    code: str
    service: str
    at: float
    """Booked time (epoch seconds)."""
    name: str = ""
    contact: str = ""
    lang: str = "hu"
    state: str = "booked"  # booked | checked_in | cancelled | done
    ticket: str | None = None
    booked_at: float = 0.0
    channel: str = "web"


@dataclass
class Background(Row):
    id: str
    counter: int
    clerk: str | None
    kind: str
    note: str
    started_at: float
    stopped_at: float | None = None
    backlog: str | None = None
    """The backlog case being worked on (``background.take``), if any."""


@dataclass
class BacklogItem(Row):
    """Work left to be done without the customer (a car dealer's files): waits until a clerk takes it."""

    id: str
    kind: str
    note: str
    recorded_at: float
    services: list[str] = field(default_factory=list)
    """Who may take it: clerks serving one of these (empty: anyone)."""
    recorded_by: str = ""
    taken_by: str | None = None
    """The background work on it now (its id), or None while it waits."""


@dataclass
class Outcome(Row):
    """A wrap-up code the clerk picks when finishing (``counter.finish {"marks": [...]}``)."""

    code: str
    names: dict[str, str]
    resolved: bool = True
    """The customer's matter was settled (first-contact resolution counts these)."""
    enabled: bool = True


@dataclass
class Rule(Row):
    """Automatic priority rule: when a service's queue passes a threshold, its weight rises."""

    id: str
    service: str
    min_waiting: int = 0
    """Trigger when at least this many wait (0: not used)."""
    min_wait_s: int = 0
    """Trigger when the longest wait reaches this (0: not used)."""
    boost: int = 2
    """Multiply the service's weight by this while the rule is active."""
    warn: bool = True


@dataclass
class Settings(Row):
    office_names: dict[str, str] = field(default_factory=lambda: {"hu": "Ügyfélszolgálat", "en": "Customer service"})
    tz: str = "Europe/Budapest"
    hours: dict[str, list[list[str]]] = field(default_factory=dict)
    """Weekday ("0" = Monday) → [["08:00", "18:00"]]; empty means always open."""
    holidays: list[str] = field(default_factory=holidays_hu.default_holidays)
    """Dates ("2026-12-24") the office is closed; a new office starts with Hungary's (holidays_hu)."""
    workdays: list[str] = field(default_factory=holidays_hu.default_workdays)
    """Weekend dates the office works (decreed moved working days), with a weekday's hours."""
    no_show_return_s: int = 900
    """A no-show customer may return within this many seconds."""
    appointment_lead_s: int = 300
    """An appointment becomes due this long before its booked time."""
    slot_minutes: int = 15
    slot_capacity: dict[str, int] = field(default_factory=dict)
    """Appointments per slot, per service (default 1)."""
    message: dict[str, str] = field(default_factory=dict)
    remote_max_waiting: int = 20
    """At most this many remote tickets not yet checked in, office-wide (0: remote joining off)."""
    remote_per_contact: int = 1
    """Open remote tickets one phone number or e-mail address may hold at a time (0: no limit)."""
    remote_per_origin_day: int = 3
    """Remote tickets one client address may take per day (0: no limit)."""
    next_finishes: bool = True
    """A tap of Next with a customer at the desk finishes them and calls the next (else refused)."""
    call_guard_s: int = 3
    """Next within this many seconds of a call is refused (``too_soon``): a double tap calls nobody."""


@dataclass
class State:
    day: str = ""
    settings: Settings = field(default_factory=Settings)
    services: dict[str, Service] = field(default_factory=dict)
    counters: dict[int, Counter] = field(default_factory=dict)
    clerks: dict[str, Clerk] = field(default_factory=dict)
    tickets: TicketBook = field(default_factory=TicketBook)
    """Today's tickets (all states; finished ones frozen); earlier days live only in the store."""
    numbering: dict[str, int] = field(default_factory=dict)
    """Last number issued today per prefix."""
    queue_seq: int = 0
    appointments: dict[str, Appointment] = field(default_factory=dict)
    backgrounds: dict[str, Background] = field(default_factory=dict)
    """Background work in progress."""
    background_seq: int = 0
    backlog: dict[str, BacklogItem] = field(default_factory=dict)
    """Background cases waiting or being worked on; a finished one leaves (the statistics keep it)."""
    backlog_seq: int = 0
    rules: dict[str, Rule] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    index: Any = field(default=None, compare=False, repr=False)
    """Derived: :class:`hub.engine.queueindex.QueueIndex`, kept up to date by the reducer (never stored)."""

    def snapshot(self) -> dict[str, Any]:
        """Everything, as plain data (tests compare live, reloaded and replayed state)."""
        return {
            "day": self.day,
            "settings": self.settings.to_dict(),
            "services": {k: v.to_dict() for k, v in sorted(self.services.items())},
            "counters": {k: v.to_dict() for k, v in sorted(self.counters.items())},
            "clerks": {k: v.to_dict() for k, v in sorted(self.clerks.items())},
            "tickets": {k: v.to_dict() for k, v in sorted(self.tickets.items())},
            "numbering": dict(sorted(self.numbering.items())),
            "queue_seq": self.queue_seq,
            "appointments": {k: v.to_dict() for k, v in sorted(self.appointments.items())},
            "backgrounds": {k: v.to_dict() for k, v in sorted(self.backgrounds.items())},
            "background_seq": self.background_seq,
            "backlog": {k: v.to_dict() for k, v in sorted(self.backlog.items())},
            "backlog_seq": self.backlog_seq,
            "rules": {k: v.to_dict() for k, v in sorted(self.rules.items())},
            "outcomes": {k: v.to_dict() for k, v in sorted(self.outcomes.items())},
        }
