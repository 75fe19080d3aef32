"""The engine's state: plain dataclasses, serialisable to JSON rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Ticket states. A ticket is in exactly one of them.
WAITING = "waiting"  # in a queue (possibly targeted at one counter)
CALLED = "called"  # called to a counter, customer on the way
SERVING = "serving"  # service started at a counter
PARKED = "parked"  # set aside at a counter (customer fetching a document)
DONE = "done"  # all its services finished
NO_SHOW = "no_show"  # did not come when called; may return within the window
CLOSED = "closed"  # closed by end of day while still open
CANCELLED = "cancelled"
FINAL_STATES = frozenset({DONE, CLOSED, CANCELLED})
OPEN_STATES = frozenset({WAITING, CALLED, SERVING, PARKED, NO_SHOW})

# Counter states.
C_CLOSED = "closed"
C_OPEN = "open"  # ready for the next customer
C_PAUSED = "paused"
C_CALLED = "called"
C_SERVING = "serving"


class Row:
    """Mixin: JSON-friendly dict round trip (nested lists of lists become tuples on purpose never)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):  # type: ignore[no-untyped-def]
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


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


@dataclass
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
    holidays: list[str] = field(default_factory=list)
    """Dates ("2026-12-24") the office is closed."""
    no_show_return_s: int = 900
    """A no-show customer may return within this many seconds."""
    appointment_lead_s: int = 300
    """An appointment becomes due this long before its booked time."""
    slot_minutes: int = 15
    slot_capacity: dict[str, int] = field(default_factory=dict)
    """Appointments per slot, per service (default 1)."""
    message: dict[str, str] = field(default_factory=dict)


@dataclass
class State:
    day: str = ""
    settings: Settings = field(default_factory=Settings)
    services: dict[str, Service] = field(default_factory=dict)
    counters: dict[int, Counter] = field(default_factory=dict)
    clerks: dict[str, Clerk] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    """Today's tickets (all states); earlier days live only in the store."""
    numbering: dict[str, int] = field(default_factory=dict)
    """Last number issued today per prefix."""
    queue_seq: int = 0
    appointments: dict[str, Appointment] = field(default_factory=dict)
    backgrounds: dict[str, Background] = field(default_factory=dict)
    """Background work in progress."""
    background_seq: int = 0
    rules: dict[str, Rule] = field(default_factory=dict)

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
            "rules": {k: v.to_dict() for k, v in sorted(self.rules.items())},
        }
