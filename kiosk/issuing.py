"""The kiosk's ticket attempts (:class:`Issuer`): requests to the hub, replies, print jobs and reprints."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

from kiosk.catalogue import Catalogue
from kiosk.model import PrintState, Problem, Screen, ServiceItem, TicketView, ViewState, ViewStore
from kiosk.ports import Bus, Invoke, PrinterPort
from kiosk.printing.report import PrinterReporter
from kiosk.printing.service import PrintResult
from kiosk.printing.status import PrinterStatus
from sorra.bus import RequestError
from sorra.config.kiosk import KioskSection
from sorra.protocol.messages import TicketInfo
from sorra.protocol.names import ErrorCode, Op
from sorra.protocol.request_ids import new_request_id
from sorra.ticket.data import TicketData

log = logging.getLogger("kiosk.controller")  # same logger name as before the split

LANGS = ("hu", "en")
RETRYABLE = (Problem.OFFLINE, Problem.NO_REPLY)
CHECK_IN_OPS = (Op.APPOINTMENT_CHECK_IN, Op.TICKET_CHECKIN)
CODE_PROBLEMS = (Problem.NOT_FOUND, Problem.BAD_CODE, Problem.CONFLICT, Problem.ALREADY_CHECKED_IN,
                 Problem.NOT_TODAY, Problem.CANCELLED)
"""Refusals of a check-in shown on the code screen, so the citizen can correct the code."""


@dataclass
class _Attempt:
    """One citizen's confirmed request: one request id, however often it is sent."""

    n: int
    op: str
    args: dict[str, Any]
    req: str
    touched_at: float
    sent_at: float = 0.0
    done: bool = False
    ticket: TicketInfo | None = None
    data: TicketData | None = None
    print_sent_at: float | None = None


class Issuer:
    """One citizen's ticket at a time: the request to the hub, its reply, the print job and reprints.

    Made by :class:`kiosk.controller.KioskController`, which hands it what it
    uses: the bus and the printer, the printer status reporter, the shared
    :class:`~kiosk.model.ViewStore`, the current catalogue (``catalogue()``:
    the controller replaces it when the hub's state changes), and
    ``on_activity()`` to call when the citizen's screen changed because of it
    (the inactivity timer restarts).
    """

    def __init__(self, bus: Bus, printer: PrinterPort, reporter: PrinterReporter, view: ViewStore,
                 catalogue: Callable[[], Catalogue], *, settings: KioskSection, device_name: str,
                 invoke: Invoke, clock: Callable[[], float], on_activity: Callable[[], None]) -> None:
        self.bus = bus
        self.printer = printer
        self.settings = settings
        self.device_name = device_name
        self._reporter = reporter
        self._view = view
        self._catalogue = catalogue
        self._invoke = invoke
        self._clock = clock
        self._activity = on_activity
        self._attempts = 0
        self.attempt: _Attempt | None = None
        """The current attempt (None: no citizen is waiting for a ticket)."""
        self.last_touch_to_print_s: float | None = None
        """Confirm tap → print job handed to the printer, for the last printed ticket (benchmark)."""
        self.last_print_sent_at: float | None = None
        """The printer clock when the last ticket's job was handed to the printer."""

    def _set(self, **changes: Any) -> None:
        self._view.set(**changes)

    @property
    def _state(self) -> ViewState:
        return self._view.state

    # ---- attempts --------------------------------------------------------------------

    def begin(self, op: str, args: dict[str, Any]) -> None:
        """A new attempt (a new request id) for ``op``; the screen shows it is on its way."""
        self._attempts += 1
        a = _Attempt(self._attempts, op, args, new_request_id(), touched_at=self._clock())
        self.attempt = a
        log.info("%s %s (req %s)", op, args, a.req)
        self._set(screen=Screen.ISSUING, problem=None, ticket=None, idle_warning_s=None)
        self.send(a)

    def send(self, a: _Attempt) -> None:
        """Send ``a`` (again: the same request id, so the hub answers it once)."""
        a.sent_at = self._clock()
        future = self.bus.request(a.op, a.args, req=a.req, send_deadline_s=self.settings.issue_timeout_s)
        future.add_done_callback(lambda f: self._invoke(lambda: self._on_reply(a, f)))

    def _on_reply(self, a: _Attempt, future: Future) -> None:
        if a.done:
            return  # the same future seen twice (a retry while it was still pending)
        if a is not self.attempt:
            try:
                result = future.result()
                log.warning("late reply for an abandoned attempt (req %s): %s", a.req, result)
            except Exception as err:
                log.info("abandoned attempt %s ended: %s", a.req, err)
            return
        try:
            result = future.result()
        except RequestError as err:
            self._on_refused(a, err)
            return
        except Exception as err:  # the bus stopped, or a bug
            log.exception("request %s failed", a.req)
            self._on_refused(a, RequestError("internal", str(err)))
            return
        a.done = True
        try:
            ticket = TicketInfo.model_validate(result.get("ticket") or {})
        except ValueError:
            log.error("the hub answered %s without a ticket: %s", a.op, result)
            self._set(screen=Screen.ERROR, problem=Problem.FAILED)
            return
        a.ticket = ticket
        a.data = self._ticket_data(ticket)
        view = TicketView(
            number=ticket.number,
            services=tuple(self._catalogue().item(sid, self._state.lang) or ServiceItem(sid, sid) for sid in ticket.services),
            ahead=ticket.ahead,
            est_wait_s=ticket.est_wait_s,
            status_url=ticket.status_url,
            priority=ticket.priority,
            appointment=ticket.appointment or "",
            checked_in=a.op == Op.TICKET_CHECKIN,
            front=ticket.front,
            print_state=PrintState.PRINTING,
            printer_state=self._reporter.status.state.value,
        )
        self._activity()
        self._set(screen=Screen.TICKET, ticket=view, problem=None, code="", idle_warning_s=None)
        self.print_ticket(a)

    def _on_refused(self, a: _Attempt, err: RequestError) -> None:
        problem = {
            ErrorCode.OFFLINE: Problem.OFFLINE,
            ErrorCode.TIMEOUT: Problem.NO_REPLY,
            ErrorCode.CLOSED: Problem.CLOSED,
            ErrorCode.NOT_FOUND: Problem.NOT_FOUND,
            ErrorCode.CONFLICT: Problem.CONFLICT,
            ErrorCode.ALREADY_CHECKED_IN: Problem.ALREADY_CHECKED_IN,
            ErrorCode.NOT_TODAY: Problem.NOT_TODAY,
            ErrorCode.CANCELLED: Problem.CANCELLED,
            ErrorCode.BAD_ARGS: Problem.BAD_CODE if a.op in CHECK_IN_OPS else Problem.FAILED,
        }.get(err.code, Problem.FAILED)
        if problem not in RETRYABLE:
            a.done = True
        log.warning("%s refused (req %s): %s", a.op, a.req, err)
        self._activity()
        if a.op in CHECK_IN_OPS and problem in CODE_PROBLEMS:
            self._set(screen=Screen.CHECK_IN, problem=problem, code=str(a.args.get("code", "")))
        else:
            self._set(screen=Screen.ERROR, problem=problem)

    # ---- printing ----------------------------------------------------------------------

    def print_ticket(self, a: _Attempt) -> None:
        """Hand ``a``'s ticket to the printer (the first print, or "print again")."""
        assert a.data is not None
        self.printer.submit(a.data, lambda result: self._invoke(lambda: self._on_printed(a, result)))

    def _on_printed(self, a: _Attempt, result: PrintResult) -> None:
        if result.sent_at is not None and a.print_sent_at is None:
            a.print_sent_at = result.sent_at
            self.last_print_sent_at = result.sent_at
            self.last_touch_to_print_s = result.sent_at - a.touched_at
        self.on_printer_status(result.status)
        t = self._state.ticket
        if a is not self.attempt or t is None or self._state.screen is not Screen.TICKET:
            return
        if result.ok:
            log.info("printed ticket %s", t.number)
            self._activity()
            self._set(ticket=replace(t, print_state=PrintState.PRINTED, printer_state=result.status.state.value))
        else:
            log.warning("ticket %s not printed: %s", t.number, result.error)
            self._activity()
            self._set(ticket=replace(t, print_state=PrintState.FAILED, printer_state=result.status.state.value))

    def on_printer_status(self, status: PrinterStatus) -> None:
        if self._reporter.report(status):
            self._set(printer=status.state.value)

    def ticket_data(self, t: TicketInfo) -> TicketData:
        """What the printer prints for ``t`` (also for tickets the front desk sends here)."""
        return self._ticket_data(t)

    def _ticket_data(self, t: TicketInfo) -> TicketData:
        lang = t.lang if t.lang in LANGS else self._state.lang
        cat = self._catalogue()
        return TicketData(
            number=t.number,
            office=cat.office_name(lang, self.device_name),
            services=cat.ticket_lines(t.services, lang),
            ahead=t.ahead,
            est_wait_s=t.est_wait_s,
            status_url=t.status_url,
            issued_at=cat.local_time(t.issued_at),
            lang=lang,
            priority=t.priority,
            note=t.note,
            appointment=t.appointment or "",
            ticket_id=t.id,
        )
