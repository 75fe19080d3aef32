"""What the clerk screen shows: plain data the controller builds and the views render."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Page = Literal["login", "main", "transfer", "pause", "background", "profile", "no_shows", "finish", "backlog"]
Level = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class TicketView:
    id: str
    number: str
    services: tuple[str, ...]
    """Service names in the screen's language."""
    note: str = ""
    priority: bool = False
    issued_at: float = 0.0
    called_at: float | None = None
    people: int = 1
    """How many people came on the ticket (a family)."""


@dataclass(frozen=True)
class OutcomeView:
    """An outcome (wrap-up) code the clerk may pick when finishing."""

    code: str
    label: str
    resolved: bool = True


@dataclass(frozen=True)
class BacklogView:
    """A background case waiting in the backlog that this counter may take."""

    id: str
    kind: str
    note: str = ""
    recorded_at: float = 0.0


@dataclass(frozen=True)
class WaitingRow:
    service: str
    name: str
    count: int


@dataclass(frozen=True)
class Notice:
    code: str
    level: Level = "info"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertView:
    code: str
    level: Level
    message: str
    """In English (logs); the screen words it from ``code`` (:meth:`Texts.alert`)."""
    source: str = ""


@dataclass(frozen=True)
class ProfileRow:
    service: str
    name: str
    weight: int


@dataclass(frozen=True)
class Target:
    """A transfer target: a service or a counter."""

    kind: Literal["service", "counter"]
    key: str
    label: str
    short: str
    """What the LED display shows while picking (ASCII-folded by the driver)."""


@dataclass(frozen=True)
class ViewModel:
    page: Page = "login"
    lang: str = "hu"
    online: bool = False
    now: float = 0.0
    counter: int = 0
    counter_name: str = ""
    state: str = "closed"
    clerk_id: str | None = None
    clerk_name: str | None = None
    ticket: TicketView | None = None
    since: float = 0.0
    reason: str = ""
    background_kind: str | None = None
    background_note: str = ""
    background_since: float | None = None
    parked: tuple[TicketView, ...] = ()
    waiting: tuple[WaitingRow, ...] = ()
    pending: str | None = None
    """The action whose request is on its way (buttons wait until it is answered)."""
    pending_for_s: float = 0.0
    refused: bool = False
    notice: Notice | None = None
    alerts: tuple[AlertView, ...] = ()
    may_edit_profile: bool = False
    profile: tuple[ProfileRow, ...] = ()
    transfer_targets: tuple[Target, ...] = ()
    picker: Target | None = None
    """Headless transfer picker: the target shown on the LED display now."""
    clerks: tuple[str, ...] = ()
    clerk_names: tuple[tuple[str, str], ...] = ()
    """(id, name): the sign-in screen shows a clerk's name, not the id."""
    pause_reasons: tuple[str, ...] = ()
    background_kinds: tuple[str, ...] = ()
    enabled: frozenset[str] = frozenset()
    """Actions that make sense now (the screen greys out the rest)."""
    no_shows: tuple[TicketView, ...] = ()
    """Today's no-shows a clerk may take back (``counter.return``), latest first."""
    outcomes: tuple[OutcomeView, ...] = ()
    backlog: tuple[BacklogView, ...] = ()
    next_finishes: bool = False
    """The office's setting: a tap of Next finishes the customer at the desk and calls the next."""
