"""The kiosk's view state: what the screen shows, as plain frozen dataclasses.

The controller builds a new :class:`ViewState` on every change and hands it to
its listeners; the Qt views render it and nothing else. Words are not in
here: the view translates :class:`Screen`, :class:`Problem` and
:class:`PrintState` with the kiosk's gettext catalogue. Names and "what to
bring" texts come from the hub, already in the chosen language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

log = logging.getLogger("kiosk.controller")  # view listener failures, as before the split


class Screen(StrEnum):
    START = "start"
    CATALOGUE = "catalogue"
    REVIEW = "review"
    CHECK_IN = "check_in"
    ISSUING = "issuing"
    TICKET = "ticket"
    ERROR = "error"
    CLOSED = "closed"
    OUT_OF_SERVICE = "out_of_service"
    FOLLOW = "follow"
    """After the ticket: a phone number for "almost your turn" (kiosk.following)."""
    BOOKING = "booking"
    """Booking an appointment: service, day, slot, confirm, printed confirmation (kiosk.booking)."""


class Problem(StrEnum):
    OFFLINE = "offline"
    """The request could not be sent: nothing was issued."""
    NO_REPLY = "no_reply"
    """Sent, no answer yet: retrying is safe (same request id, the hub answers it once)."""
    CLOSED = "closed"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    BAD_CODE = "bad_code"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_TODAY = "not_today"
    CANCELLED = "cancelled"
    FAILED = "failed"
    BAD_NUMBER = "bad_number"
    """Not a Hungarian mobile number (+36… or 06…)."""
    UNAVAILABLE = "unavailable"
    """The office does not offer it (no SMS channel configured)."""


class PrintState(StrEnum):
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


@dataclass(frozen=True)
class ServiceItem:
    id: str
    name: str
    info: str = ""
    group: str = ""
    open: bool = True
    waiting: int = 0
    est_wait_s: int = 0


@dataclass(frozen=True)
class GroupItem:
    id: str
    name: str
    services: int
    open: bool = True


@dataclass(frozen=True)
class TicketView:
    number: str
    services: tuple[ServiceItem, ...]
    ahead: int
    est_wait_s: int
    status_url: str
    priority: bool = False
    appointment: str = ""
    checked_in: bool = False
    """A ticket taken from afar, checked in here just now."""
    front: bool = False
    """Its turn came before its holder arrived: called first."""
    print_state: PrintState = PrintState.PRINTING
    printer_state: str = "ok"
    """Why printing failed (a :class:`kiosk.printing.PrinterState` value)."""


@dataclass(frozen=True)
class FollowView:
    """The phone number being typed for the ticket on screen, and how sending it went."""

    phone: str = ""
    sending: bool = False
    done: bool = False
    ahead_limit: int = 0
    """Once done: the SMS comes when at most this many people are ahead."""


class BookStep(StrEnum):
    SERVICE = "service"
    DAY = "day"
    SLOT = "slot"
    CONFIRM = "confirm"
    DONE = "done"


@dataclass(frozen=True)
class BookOption:
    """A service, a day (``id`` = ``YYYY-MM-DD``, ``weekday`` 0 = Monday) or a slot (``id`` = its epoch)."""

    id: str
    name: str = ""
    free: int = 0
    weekday: int = 0
    info: str = ""


@dataclass(frozen=True)
class BookingView:
    step: BookStep = BookStep.SERVICE
    loading: bool = False
    """Waiting for the hub (the list of this step, or the booking itself)."""
    services: tuple[BookOption, ...] = ()
    days: tuple[BookOption, ...] = ()
    slots: tuple[BookOption, ...] = ()
    service: BookOption | None = None
    day: BookOption | None = None
    slot: BookOption | None = None
    code: str = ""
    manage_url: str = ""
    print_state: PrintState = PrintState.PRINTING
    printer_state: str = "ok"


MAX_PEOPLE = 9
"""The most people one ticket may carry (the protocol's ``people``)."""


@dataclass(frozen=True)
class ViewState:
    screen: Screen = Screen.OUT_OF_SERVICE
    lang: str = "hu"
    office_name: str = ""
    office_message: str = ""
    hours_today: str = ""
    next_open: float | None = None
    groups: tuple[GroupItem, ...] = ()
    group: str | None = None
    """The open group on the catalogue screen; None shows the groups (or all services if there is one group)."""
    services: tuple[ServiceItem, ...] = ()
    """The services the catalogue screen shows now."""
    selected: tuple[ServiceItem, ...] = ()
    max_services: int = 3
    can_add_more: bool = False
    priority: bool = False
    allow_priority: bool = True
    people: int = 1
    """How many people come on the ticket (a family): 1–9."""
    code: str = ""
    problem: Problem | None = None
    ticket: TicketView | None = None
    follow: FollowView | None = None
    booking: BookingView | None = None
    """The booking in progress on the booking screen."""
    """Following the ticket on screen by SMS (the follow screen; "done" shows on the ticket screen)."""
    idle_warning_s: int | None = None
    """Seconds left before going back to the start screen; None when no warning is due."""
    printer: str = "ok"
    connecting: bool = True
    """No contact with the hub yet since start (the out-of-service screen says "starting")."""


class ViewStore:
    """The current :class:`ViewState` and who listens to it; shared by the controller's parts.

    ``set(**changes)`` makes a new state and tells every listener, unless
    nothing changed. A listener that raises is logged and skipped.
    """

    def __init__(self, initial: ViewState) -> None:
        self._state = initial
        self._listeners: list[Callable[[ViewState], None]] = []

    @property
    def state(self) -> ViewState:
        return self._state

    def listen(self, listener: Callable[[ViewState], None]) -> None:
        """Add ``listener`` and call it at once with the current state."""
        self._listeners.append(listener)
        listener(self._state)

    def set(self, **changes: Any) -> None:
        new = replace(self._state, **changes)
        if new == self._state:
            return
        self._state = new
        for listener in list(self._listeners):
            try:
                listener(new)
            except Exception:
                log.exception("view listener failed")
