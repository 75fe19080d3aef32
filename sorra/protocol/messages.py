"""Wire messages of protocol v1 as pydantic models.

These models are the single source of the JSON Schemas in
``docs/protocol/schemas/`` (``python -m sorra.protocol.schema`` writes them)
and of the AsyncAPI document. Times are Unix epoch seconds (float, UTC);
durations are whole seconds. Unknown fields are allowed in results and state
(a newer hub may add fields; an older device ignores them) but refused in
request arguments (a typo must not be silently ignored).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sorra.protocol.names import ErrorCode, Op

ServiceId = str
DeviceId = str

ERROR_CODES: tuple[str, ...] = tuple(ErrorCode)  # see sorra.protocol.names for what each means


class Open(BaseModel):
    """Payloads from the hub: extra fields are kept, so newer hubs stay compatible."""

    model_config = ConfigDict(extra="allow")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- envelope -------------------------------------------------------------

class Request(Strict):
    req: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    op: str = Field(min_length=1, max_length=64)
    args: dict[str, Any] = Field(default_factory=dict)


class ErrorInfo(Open):
    code: str
    message: str


class Reply(Open):
    req: str
    ok: bool
    result: dict[str, Any] | None = None
    error: ErrorInfo | None = None


# ---- shared shapes -------------------------------------------------------

class TicketInfo(Open):
    id: str
    number: str
    services: list[ServiceId]
    state: str
    priority: bool = False
    note: str = ""
    channel: str = "kiosk"
    lang: str = "hu"
    issued_at: float
    called_at: float | None = None
    counter: int | None = None
    ahead: int = 0
    """People the counters that could call this ticket are expected to call before it (0 unless waiting)."""
    est_wait_s: int = 0
    token: str = ""
    status_url: str = ""
    """The public ticket status page (the printed QR code links here)."""
    appointment: str | None = None
    pending: list[ServiceId] = Field(default_factory=list)
    """Services of the ticket not yet finished."""
    recalls: int = 0
    counter_name: str | None = None
    front: bool = False
    """Goes first in line (a remote ticket whose turn passed before it checked in, a returning no-show …)."""
    passed: int = 0
    """Remote ticket: how many calls passed it over before its citizen checked in."""
    people: int = 1
    """How many people came on this ticket (a family)."""


# ---- request arguments (one model per op) ----------------------------------

class NoArgs(Strict):
    pass


class TicketIssueArgs(Strict):
    services: list[ServiceId] = Field(min_length=1, max_length=10)
    """In order; a service listed more than once is that many cases (a family's three passports)."""
    people: int = Field(1, ge=1, le=9)
    """How many people come on this ticket."""
    priority: bool = False
    note: str = Field("", max_length=500)
    lang: Literal["hu", "en"] = "hu"


class AppointmentCheckInArgs(Strict):
    code: str = Field(min_length=3, max_length=32)
    lang: Literal["hu", "en"] = "hu"


class TicketCheckInArgs(Strict):
    """A remote ticket's citizen is at the kiosk: its six-digit check-in code (typed or from its QR code)."""

    code: str = Field(pattern=r"^[0-9]{6}$")


class TicketFollowArgs(Strict):
    """A citizen at the kiosk asks for an SMS when their turn is near (and when called)."""

    ticket: str = Field(min_length=1, max_length=64)
    """The ticket's status token (``TicketInfo.token``, the one in its QR code)."""
    phone: str = Field(min_length=1, max_length=40)
    """A Hungarian mobile number: ``+36…`` or ``06…`` (spaces allowed)."""


class BookingDaysArgs(Strict):
    service: ServiceId = Field(min_length=1, max_length=32)


class BookingSlotsArgs(Strict):
    service: ServiceId = Field(min_length=1, max_length=32)
    day: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    """The office's local date, ``YYYY-MM-DD``."""


class BookingBookArgs(Strict):
    """Book one slot at the kiosk; idempotent by request id (a repeated ``req`` gets the same appointment)."""

    service: ServiceId = Field(min_length=1, max_length=32)
    at: float = Field(ge=946_684_800, le=4_102_444_800, allow_inf_nan=False)
    """The slot's start, exactly as ``booking.slots`` gave it."""
    lang: Literal["hu", "en"] = "hu"


class FinishArgs(Strict):
    marks: list[str] = Field(default_factory=list, max_length=20)


class TransferArgs(Strict):
    service: ServiceId | None = None
    counter: int | None = Field(None, ge=1, le=999)
    position: Literal["first", "last"] = "last"


class PauseArgs(Strict):
    reason: str = Field("", max_length=200)


class UnparkArgs(Strict):
    ticket: str = Field(min_length=1, max_length=64)


class ReturnArgs(Strict):
    ticket: str = Field(min_length=1, max_length=64)
    """A no-show of today: its number (``A012``) or its id."""


class ClerkLoginArgs(Strict):
    clerk: str = Field(min_length=1, max_length=64)
    pin: str = Field(min_length=1, max_length=32)


class BackgroundStartArgs(Strict):
    kind: str = Field("", max_length=64)
    note: str = Field("", max_length=500)


class BackgroundRecordArgs(Strict):
    kind: str = Field(min_length=1, max_length=64)
    note: str = Field("", max_length=500)
    services: list[ServiceId] = Field(default_factory=list, max_length=10)
    """Clerks serving one of these may take it (empty: anyone)."""


class BackgroundTakeArgs(Strict):
    id: str | None = Field(None, min_length=1, max_length=64)
    """A backlog case to take; none: the oldest this counter may do."""


class FeedbackArgs(Strict):
    score: Literal["good", "neutral", "bad"]
    ticket: str | None = Field(None, max_length=64)


class ProfileEntry(Strict):
    service: ServiceId
    weight: int = Field(1, ge=1, le=100)


class ProfileSetArgs(Strict):
    services: list[ProfileEntry] = Field(min_length=1, max_length=50)


class AlertRaiseArgs(Strict):
    code: str = Field(min_length=1, max_length=64)
    level: Literal["info", "warning", "error"] = "warning"
    message: str = Field("", max_length=500)
    active: bool = True


OP_ARGS: dict[str, type[Strict]] = {
    Op.TICKET_ISSUE: TicketIssueArgs,
    Op.APPOINTMENT_CHECK_IN: AppointmentCheckInArgs,
    Op.TICKET_CHECKIN: TicketCheckInArgs,
    Op.TICKET_FOLLOW: TicketFollowArgs,
    Op.BOOKING_SERVICES: NoArgs,
    Op.BOOKING_DAYS: BookingDaysArgs,
    Op.BOOKING_SLOTS: BookingSlotsArgs,
    Op.BOOKING_BOOK: BookingBookArgs,
    Op.COUNTER_CALL_NEXT: NoArgs,
    Op.COUNTER_RECALL: NoArgs,
    Op.COUNTER_START: NoArgs,
    Op.COUNTER_FINISH: FinishArgs,
    Op.COUNTER_NO_SHOW: NoArgs,
    Op.COUNTER_TRANSFER: TransferArgs,
    Op.COUNTER_PARK: NoArgs,
    Op.COUNTER_UNPARK: UnparkArgs,
    Op.COUNTER_PAUSE: PauseArgs,
    Op.COUNTER_RESUME: NoArgs,
    Op.COUNTER_CLOSE: NoArgs,
    Op.COUNTER_RETURN: ReturnArgs,
    Op.CLERK_LOGIN: ClerkLoginArgs,
    Op.CLERK_LOGOUT: NoArgs,
    Op.CLERK_ROSTER: NoArgs,
    Op.CLERK_PROFILE_SET: ProfileSetArgs,
    Op.BACKGROUND_START: BackgroundStartArgs,
    Op.BACKGROUND_STOP: NoArgs,
    Op.BACKGROUND_RECORD: BackgroundRecordArgs,
    Op.BACKGROUND_TAKE: BackgroundTakeArgs,
    Op.FEEDBACK_SUBMIT: FeedbackArgs,
    Op.DEVICE_ALERT: AlertRaiseArgs,
}

# Which device roles may use which ops (the hub enforces it).
OP_ROLES: dict[str, frozenset[str]] = {
    Op.TICKET_ISSUE: frozenset({"kiosk"}),
    Op.APPOINTMENT_CHECK_IN: frozenset({"kiosk"}),
    Op.TICKET_CHECKIN: frozenset({"kiosk"}),
    Op.TICKET_FOLLOW: frozenset({"kiosk"}),
    **{op: frozenset({"kiosk"}) for op in (Op.BOOKING_SERVICES, Op.BOOKING_DAYS, Op.BOOKING_SLOTS, Op.BOOKING_BOOK)},
    Op.DEVICE_ALERT: frozenset({"kiosk", "counter", "display"}),
    **{op: frozenset({"counter"}) for op in OP_ARGS if op.split(".")[0] in {"counter", "clerk", "background", "feedback"}},
}


# ---- results ---------------------------------------------------------------

class TicketResult(Open):
    ticket: TicketInfo | None


class ClerkInfo(Open):
    id: str
    name: str
    may_edit_profile: bool = False
    profile: list[ProfileEntry] = Field(default_factory=list)


class ClerkResult(Open):
    clerk: ClerkInfo | None


class ClerkName(Open):
    id: str
    name: str


class ClerkRosterResult(Open):
    """The office's clerks by name (the terminal's sign-in screen shows names, not ids)."""

    clerks: list[ClerkName]


class BackgroundInfo(Open):
    id: str
    kind: str
    note: str
    started_at: float
    stopped_at: float | None = None
    backlog: str | None = None
    """The backlog case being worked on (``background.take``), if any."""


class BacklogInfo(Open):
    """A case of background work waiting in the backlog (``background.record``)."""

    id: str
    kind: str
    note: str = ""
    recorded_at: float
    services: list[ServiceId] = Field(default_factory=list)
    taken_by: str | None = None


class BacklogResult(Open):
    item: BacklogInfo


class BackgroundResult(Open):
    background: BackgroundInfo


class FollowResult(Open):
    """``ticket.follow``: the number is kept; "almost your turn" goes out when at most ``ahead_limit`` are ahead."""

    following: bool
    channel: str
    """``sms`` (the office's modem) or ``gateway``."""
    ahead_limit: int


class BookableService(Open):
    id: ServiceId
    names: dict[str, str]
    info: dict[str, str] = Field(default_factory=dict)


class BookingServicesResult(Open):
    """The services open for booking (the office's booking rules, as on the web)."""

    services: list[BookableService]
    days_ahead: int
    min_lead_min: int


class BookingDay(Open):
    day: str
    weekday: int
    """0 = Monday."""
    free: int
    """Free places that day (0: full, closed or a holiday)."""
    holiday: bool = False


class BookingDaysResult(Open):
    service: ServiceId
    days: list[BookingDay]


class BookingSlot(Open):
    at: float
    time: str
    """``HH:MM``, office time."""
    free: int


class BookingSlotsResult(Open):
    service: ServiceId
    day: str
    slots: list[BookingSlot]


class BookedAppointment(Open):
    code: str
    """Typed or scanned at the kiosk on the day to check in (``appointment.check_in``)."""
    service: ServiceId
    at: float
    day: str
    time: str
    state: str
    manage_url: str
    """The signed page to cancel or move it (the printed QR code)."""


class BookingResult(Open):
    appointment: BookedAppointment


class EmptyResult(Open):
    pass


# ---- state (retained) and events --------------------------------------------

class ServiceInfo(Open):
    id: ServiceId
    names: dict[str, str]
    prefix: str
    info: dict[str, str] = Field(default_factory=dict)
    group: str = ""
    sla_s: int = 0
    open: bool = True
    enabled: bool = True
    order: int = 0
    default_outcome: str = ""
    """Outcome code recorded when a case of it is finished without one (a hardware Done)."""


class OutcomeInfo(Open):
    """A wrap-up code a clerk may pick when finishing (``counter.finish`` ``marks``)."""

    code: str
    names: dict[str, str]
    resolved: bool = True


class ServicesState(Open):
    services: list[ServiceInfo]
    office: dict[str, Any] = Field(default_factory=dict)
    """Name, hours, message; ``next_finishes``: a tap of Next finishes the customer at the desk."""
    outcomes: list[OutcomeInfo] = Field(default_factory=list)
    at: float


class QueueEntry(Open):
    waiting: int
    longest_wait_s: int
    est_wait_s: int
    """Expected wait for a ticket issued now (simulated, see hub/engine/estimate.py)."""
    sla_s: int = 0


class QueueState(Open):
    services: dict[ServiceId, QueueEntry]
    waiting: int
    open_counters: int
    backlog: int = 0
    """Background cases waiting in the backlog for a clerk (``background.record``)."""
    at: float


class CounterState(Open):
    counter: int
    name: str
    state: Literal["closed", "open", "paused", "called", "serving"]
    clerk: str | None = None
    clerk_name: str | None = None
    ticket: TicketInfo | None = None
    since: float
    reason: str = ""
    background: BackgroundInfo | None = None
    parked: list[TicketInfo] = Field(default_factory=list)
    waiting: dict[ServiceId, int] = Field(default_factory=dict)
    """Waiting count per service of this counter's profile."""
    waiting_here: int = 0
    """Tickets transferred to this counter itself."""
    profile: list[ProfileEntry] = Field(default_factory=list)
    last_ticket: str | None = None
    no_shows: list[TicketInfo] = Field(default_factory=list)
    """Today's no-shows still inside the return window, latest first (``counter.return``)."""
    backlog: list[BacklogInfo] = Field(default_factory=list)
    """Background cases this counter may take, oldest first (``background.take``)."""


class CallInfo(Open):
    ticket: str
    number: str
    counter: int
    counter_name: str = ""
    services: list[ServiceId] = Field(default_factory=list)
    recall: bool = False
    at: float
    lang: str = "hu"


class CallsState(Open):
    calls: list[CallInfo]
    at: float


class PrintRequest(Open):
    """``event/print/{device}``: the front desk asks this kiosk to print a ticket it did not issue itself."""

    id: str
    """Printed once per id (the event may arrive twice)."""
    ticket: TicketInfo
    at: float


class AlertEvent(Open):
    code: str
    level: Literal["info", "warning", "error"]
    message: str
    """In English, for logs; pages word the alert from ``code`` and ``params`` in their language."""
    params: dict[str, Any] = Field(default_factory=dict)
    source: str = "hub"
    active: bool = True
    at: float


class AlertsState(Open):
    alerts: list[AlertEvent]
    at: float


class DeviceStatus(Open):
    device: DeviceId
    role: str
    online: bool
    version: str = ""
    at: float | None = None


class PlaylistItem(Open):
    id: str
    kind: Literal["image", "video", "text"]
    url: str = ""
    sha256: str = ""
    text: str = ""
    duration_s: float = 10
    days: list[int] = Field(default_factory=list)
    start: str = ""
    end: str = ""


class PlaylistState(Open):
    items: list[PlaylistItem]
    ticker: list[str] = Field(default_factory=list)
    version: str = ""
    at: float


STATE_MODELS: dict[str, type[Open]] = {
    "services": ServicesState,
    "queue": QueueState,
    "counters/{n}": CounterState,
    "calls": CallsState,
    "playlist": PlaylistState,
    "alerts": AlertsState,
}
EVENT_MODELS: dict[str, type[Open]] = {"call": CallInfo, "alert": AlertEvent, "print/{device}": PrintRequest}
RESULT_MODELS: dict[str, type[Open]] = {
    "ticket.issue": TicketResult,
    "appointment.check_in": TicketResult,
    "ticket.checkin": TicketResult,
    "ticket.follow": FollowResult,
    "booking.services": BookingServicesResult,
    "booking.days": BookingDaysResult,
    "booking.slots": BookingSlotsResult,
    "booking.book": BookingResult,
    "counter.call_next": TicketResult,
    "counter.recall": TicketResult,
    "counter.start": TicketResult,
    "counter.finish": TicketResult,
    "counter.no_show": TicketResult,
    "counter.transfer": TicketResult,
    "counter.park": TicketResult,
    "counter.unpark": TicketResult,
    "counter.pause": EmptyResult,
    "counter.resume": EmptyResult,
    "counter.close": EmptyResult,
    "counter.return": TicketResult,
    "clerk.login": ClerkResult,
    "clerk.logout": EmptyResult,
    "clerk.profile_set": ClerkResult,
    "clerk.roster": ClerkRosterResult,
    "background.start": BackgroundResult,
    "background.stop": BackgroundResult,
    "background.record": BacklogResult,
    "background.take": BackgroundResult,
    "feedback.submit": EmptyResult,
    "device.alert": EmptyResult,
}
