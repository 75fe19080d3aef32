"""Booking an appointment at the kiosk: a service, a day, a slot, confirm, a printed confirmation.

The hub serves the lists and the booking with the web's rules
(``booking.services``, ``booking.days``, ``booking.slots``, ``booking.book``;
hub/booking_kiosk.py). Each list request is a plain read; a reply that comes
after the citizen moved on (went back, picked another) is dropped.

**One appointment per confirm.** The request id of ``booking.book`` is fixed
when the slot is picked: "try again" after a lost reply sends the same id and
the hub answers it with the appointment it already booked. A slot taken in the
meantime (``conflict``) takes the citizen back to the day's slots, fresh.

The confirmation is printed with its own layout
(``kiosk/printing/booking_confirmation.toml``): the code large, the service
with what to bring, the date and time, and the QR code of the manage link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from kiosk.catalogue import Catalogue, pick
from kiosk.model import (
    BookingView,
    BookOption,
    BookStep,
    PrintState,
    Problem,
    Screen,
    ViewState,
    ViewStore,
)
from kiosk.ports import Bus, Invoke, PrinterPort
from kiosk.printing import PrintResult
from sorra.bus import RequestError
from sorra.protocol import messages as m
from sorra.protocol.names import ErrorCode, Op
from sorra.protocol.request_ids import new_request_id
from sorra.ticket.data import TicketData, TicketLine
from sorra.ticket.template import Template, load_template

log = logging.getLogger(__name__)

LAYOUT = Path(__file__).resolve().parent / "printing" / "booking_confirmation.toml"
WEEKDAYS = {
    "hu": ("hétfő", "kedd", "szerda", "csütörtök", "péntek", "szombat", "vasárnap"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
PROBLEMS = {
    ErrorCode.UNAVAILABLE: Problem.UNAVAILABLE,
    ErrorCode.OFFLINE: Problem.OFFLINE,
    ErrorCode.TIMEOUT: Problem.NO_REPLY,
    ErrorCode.NOT_FOUND: Problem.NOT_FOUND,
    ErrorCode.CONFLICT: Problem.CONFLICT,
    ErrorCode.BAD_ARGS: Problem.CONFLICT,  # the slot became too soon while the citizen read the screen
}
BACK = {BookStep.DAY: BookStep.SERVICE, BookStep.SLOT: BookStep.DAY, BookStep.CONFIRM: BookStep.SLOT}


@cache
def confirmation_layout() -> Template:
    return load_template(LAYOUT)


class Booker:
    """The booking screen's flow; the controller forwards the touches to it."""

    def __init__(self, bus: Bus, printer: PrinterPort, view: ViewStore, invoke: Invoke,
                 catalogue: Callable[[], Catalogue], timeout_s: float, device_name: str = "",
                 on_done: Callable[[], None] | None = None, on_activity: Callable[[], None] | None = None) -> None:
        self.bus = bus
        self.printer = printer
        self._view = view
        self._invoke = invoke
        self._catalogue = catalogue
        self._timeout_s = timeout_s
        self._device_name = device_name
        self._on_done = on_done or (lambda: None)
        self._activity = on_activity or (lambda: None)
        """The inactivity timer starts again when the booking is answered and printed."""
        self._seq = 0
        """Bumped on every step: a reply for an older one is dropped."""
        self._book_req = ""
        self._data: TicketData | None = None
        self._keep_problem = False
        """The slots are reloaded after a "just taken": keep saying so on the fresh list."""

    @property
    def _state(self) -> ViewState:
        return self._view.state

    @property
    def _b(self) -> BookingView:
        return self._state.booking or BookingView()

    def _active(self) -> bool:
        return self._state.screen is Screen.BOOKING and self._state.booking is not None

    # ---- touches -------------------------------------------------------------------------

    def start(self) -> None:
        if self._state.screen is not Screen.START:
            return
        self._view.set(screen=Screen.BOOKING, booking=BookingView(loading=True), problem=None)
        self._load_services()

    def pick_service(self, sid: str) -> None:
        b = self._b
        chosen = next((s for s in b.services if s.id == sid), None)
        if not self._active() or b.step is not BookStep.SERVICE or b.loading or chosen is None:
            return
        self._view.set(booking=replace(b, step=BookStep.DAY, service=chosen, days=(), loading=True), problem=None)
        self._load_days()

    def pick_day(self, day: str) -> None:
        b = self._b
        chosen = next((d for d in b.days if d.id == day and d.free > 0), None)
        if not self._active() or b.step is not BookStep.DAY or b.loading or chosen is None:
            return
        self._view.set(booking=replace(b, step=BookStep.SLOT, day=chosen, slots=(), loading=True), problem=None)
        self._load_slots()

    def pick_slot(self, at: str) -> None:
        b = self._b
        chosen = next((s for s in b.slots if s.id == at and s.free > 0), None)
        if not self._active() or b.step is not BookStep.SLOT or b.loading or chosen is None:
            return
        self._book_req = new_request_id()  # one appointment for this choice, however often it is sent
        self._view.set(booking=replace(b, step=BookStep.CONFIRM, slot=chosen), problem=None)

    def confirm(self) -> None:
        b = self._b
        if not self._active() or b.step is not BookStep.CONFIRM or b.loading or b.service is None or b.slot is None:
            return
        self._view.set(booking=replace(b, loading=True), problem=None)
        args = {"service": b.service.id, "at": float(b.slot.id), "lang": self._state.lang}
        log.info("booking.book %s (req %s)", args, self._book_req)
        self._send(Op.BOOKING_BOOK, args, self._on_booked, req=self._book_req)

    def back(self) -> None:
        b = self._b
        if not self._active() or (b.loading and b.step is BookStep.CONFIRM):
            return
        if b.step in BACK:
            self._seq += 1
            self._view.set(booking=replace(b, step=BACK[b.step], loading=False), problem=None)
        else:
            self._on_done()

    def retry(self) -> None:
        """"Try again" after a refusal or a lost reply: the step's request again (the same booking id)."""
        b = self._b
        if not self._active() or b.loading:
            return
        if b.step is BookStep.CONFIRM:
            self.confirm()
            return
        self._view.set(booking=replace(b, loading=True), problem=None)
        {BookStep.SERVICE: self._load_services, BookStep.DAY: self._load_days,
         BookStep.SLOT: self._load_slots}.get(b.step, lambda: None)()

    def reprint(self) -> None:
        b = self._b
        if self._active() and b.step is BookStep.DONE and b.print_state is PrintState.FAILED and self._data:
            self._view.set(booking=replace(b, print_state=PrintState.PRINTING))
            self._print(self._data)

    def busy_or_printed(self, idle_s: float, done_after_s: float) -> bool:
        """For the inactivity timer: True keeps the screen (the booking is on its way or printing);
        a printed confirmation goes back to the start after ``done_after_s``, like a ticket."""
        b = self._b
        if b.step is BookStep.CONFIRM and b.loading:
            return True
        if b.step is BookStep.DONE and b.print_state is PrintState.PRINTING:
            return True
        if b.step is BookStep.DONE and b.print_state is PrintState.PRINTED:
            if idle_s >= done_after_s:
                self._on_done()
            return True
        return False

    # ---- requests ------------------------------------------------------------------------

    def _send(self, op: str, args: dict[str, Any], on_result: Callable[[dict[str, Any]], None],
              req: str | None = None) -> None:
        self._seq += 1
        seq = self._seq
        future = self.bus.request(op, args, req=req or new_request_id(), send_deadline_s=self._timeout_s,
                                  reply_timeout_s=self._timeout_s)
        future.add_done_callback(lambda f: self._invoke(lambda: self._on_reply(seq, op, f, on_result)))

    def _on_reply(self, seq: int, op: str, future: Future, on_result: Callable[[dict[str, Any]], None]) -> None:
        if seq != self._seq or not self._active():
            log.info("dropped a late reply to %s", op)
            return
        try:
            result = future.result()
        except RequestError as err:
            log.warning("%s refused: %s", op, err)
            self._refused(op, PROBLEMS.get(err.code, Problem.FAILED))
            return
        except Exception:
            log.exception("%s failed", op)
            self._refused(op, Problem.FAILED)
            return
        try:
            on_result(result)
        except ValueError as err:
            log.error("bad reply to %s: %s", op, err)
            self._refused(op, Problem.FAILED)

    def _refused(self, op: str, problem: Problem) -> None:
        b = self._b
        if op == Op.BOOKING_BOOK and problem is Problem.CONFLICT:
            # Taken meanwhile: the day's slots again, fresh; the next choice is a new booking.
            self._view.set(booking=replace(b, step=BookStep.SLOT, slot=None, loading=True), problem=problem)
            self._load_slots(keep_problem=True)
            return
        self._view.set(booking=replace(b, loading=False), problem=problem)

    def _load_services(self) -> None:
        self._send(Op.BOOKING_SERVICES, {}, self._on_services)

    def _load_days(self) -> None:
        assert self._b.service is not None
        self._send(Op.BOOKING_DAYS, {"service": self._b.service.id}, self._on_days)

    def _load_slots(self, keep_problem: bool = False) -> None:
        b = self._b
        assert b.service is not None and b.day is not None
        self._keep_problem = keep_problem
        self._send(Op.BOOKING_SLOTS, {"service": b.service.id, "day": b.day.id}, self._on_slots)

    def _on_services(self, result: dict[str, Any]) -> None:
        r = m.BookingServicesResult.model_validate(result)
        lang = self._state.lang
        options = tuple(BookOption(s.id, pick(s.names, lang, s.id), info=pick(s.info, lang, "")) for s in r.services)
        self._view.set(booking=replace(self._b, services=options, loading=False), problem=None)

    def _on_days(self, result: dict[str, Any]) -> None:
        r = m.BookingDaysResult.model_validate(result)
        options = tuple(BookOption(d.day, free=d.free, weekday=d.weekday) for d in r.days)
        self._view.set(booking=replace(self._b, days=options, loading=False), problem=None)

    def _on_slots(self, result: dict[str, Any]) -> None:
        r = m.BookingSlotsResult.model_validate(result)
        options = tuple(BookOption(repr(s.at), s.time, free=s.free) for s in r.slots)
        problem = self._state.problem if self._keep_problem else None
        self._keep_problem = False
        self._view.set(booking=replace(self._b, slots=options, loading=False), problem=problem)

    def _on_booked(self, result: dict[str, Any]) -> None:
        appt = m.BookingResult.model_validate(result).appointment
        b = replace(self._b, step=BookStep.DONE, loading=False, code=appt.code, manage_url=appt.manage_url,
                    print_state=PrintState.PRINTING)
        self._activity()
        self._view.set(booking=b, problem=None)
        self._data = self._confirmation(appt, b)
        self._print(self._data)

    # ---- printing ------------------------------------------------------------------------

    def _confirmation(self, appt: m.BookedAppointment, b: BookingView) -> TicketData:
        lang = self._state.lang
        cat = self._catalogue()
        when: datetime = cat.local_time(appt.at)
        info = b.service.info if b.service else ""
        name = b.service.name if b.service else appt.service
        return TicketData(
            number=appt.code, office=cat.office_name(lang, self._device_name),
            services=(TicketLine(name, info),), ahead=0, est_wait_s=0, status_url=appt.manage_url,
            issued_at=when, lang=lang, appointment=appt.code, ticket_id=f"booking:{appt.code}",
            extra={"weekday": WEEKDAYS.get(lang, WEEKDAYS["en"])[when.weekday()]},
            layout=confirmation_layout(),
        )

    def _print(self, data: TicketData) -> None:
        code = data.number
        self.printer.submit(data, lambda result: self._invoke(lambda: self._on_printed(code, result)))

    def _on_printed(self, code: str, result: PrintResult) -> None:
        b = self._state.booking
        if not self._active() or b is None or b.code != code:
            return
        state = PrintState.PRINTED if result.ok else PrintState.FAILED
        if not result.ok:
            log.warning("booking confirmation %s not printed: %s", code, result.error)
        self._activity()
        self._view.set(booking=replace(b, print_state=state, printer_state=result.status.state.value))
