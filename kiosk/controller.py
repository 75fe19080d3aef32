"""The kiosk's flow: touches in, requests out, hub state in, view state and print jobs out.

No Qt and no printer I/O here. The views call methods (``choose_service``,
``confirm``, …), bus messages arrive through the subscriptions made in
:meth:`KioskController.start`, the printer is a :class:`PrinterPort` (the
:class:`kiosk.printing.PrinterService` worker), and listeners receive a new
:class:`kiosk.model.ViewState` after every change.

**One ticket per attempt.** Confirming creates an *attempt* with one request
id, fixed at that moment. A second tap while it is on its way does nothing;
"try again" after a lost or late reply re-sends the same id (the bus client
also re-sends it after every reconnect), and the hub answers a repeated id
with the ticket it already issued. A reply that arrives for an attempt the
citizen abandoned (went back, timed out) is logged and not printed.

**Printing never blocks the ticket.** The ticket screen shows the number and
the QR code as soon as the hub replies; the print job runs on the printer's
thread. If it fails (paper out, cover open, printer away) the screen says so
and keeps the QR code; "print again" re-prints the same ticket.

Threads: bus callbacks and printer results arrive on other threads and are
passed through ``invoke`` to the thread that owns the controller (the Qt GUI
thread in the app). Timers (inactivity, late replies, offline grace) advance
in :meth:`tick`, which the app calls a few times a second.

The controller is made of parts, each handed what it uses in its
constructor: the view state and its listeners (:class:`kiosk.model.ViewStore`),
the attempt and its printing (:class:`kiosk.issuing.Issuer`), the printer's
alerts to the hub (:class:`kiosk.printing.report.PrinterReporter`). The bus and
printer protocols are in :mod:`kiosk.ports` (re-exported here).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kiosk.booking import Booker
from kiosk.catalogue import Catalogue
from kiosk.desk_print import DeskPrints
from kiosk.following import Follower
from kiosk.issuing import LANGS, RETRYABLE, Issuer
from kiosk.model import MAX_PEOPLE, PrintState, Problem, Screen, ViewState, ViewStore
from kiosk.ports import Bus, Invoke, Listener, MessageCallback, PrinterPort
from kiosk.printing.report import PrinterReporter
from kiosk.scanner import check_in_request, parse_scanned_code
from sorra.config.kiosk import KioskSection
from sorra.protocol.messages import QueueState, ServicesState
from sorra.protocol.names import HUB_STATUS, Op, State

log = logging.getLogger(__name__)

FLOW_SCREENS = (Screen.CATALOGUE, Screen.REVIEW, Screen.CHECK_IN, Screen.ERROR, Screen.TICKET, Screen.FOLLOW,
                Screen.BOOKING)
"""Screens a citizen is in the middle of: inactivity takes them back to the start."""


class KioskController:
    """The kiosk's flow; its parts: a :class:`~kiosk.model.ViewStore` (what the screen shows), an
    :class:`~kiosk.issuing.Issuer` (the ticket being issued and printed) and a
    :class:`~kiosk.printing.report.PrinterReporter` (printer alerts to the hub)."""

    def __init__(
        self,
        bus: Bus,
        printer: PrinterPort,
        settings: KioskSection | None = None,
        *,
        lang: str = "hu",
        device_name: str = "",
        device: str = "",
        invoke: Invoke | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.printer = printer
        self.settings = settings or KioskSection()
        self.default_lang = lang if lang in LANGS else "hu"
        self.device_name = device_name
        self._invoke: Invoke = invoke or (lambda fn: fn())
        self._clock = clock
        self._catalogue = Catalogue()
        self._broker_up = False
        self._hub_up: bool | None = None
        self._offline_since: float | None = clock()
        self._out_of_service = True
        self._last_activity = clock()
        self._selected: list[str] = []
        self._reporter = PrinterReporter(bus)
        self.view = ViewStore(ViewState(
            lang=self.default_lang,
            max_services=self.settings.max_services_per_ticket,
            allow_priority=self.settings.allow_priority,
            printer=printer.status.state.value,
        ))
        self.issuer = Issuer(bus, printer, self._reporter, self.view, lambda: self._catalogue,
                             settings=self.settings, device_name=device_name, invoke=self._invoke, clock=clock,
                             on_activity=self._mark_activity)
        self.device = device
        """This kiosk's device id: the front desk's print requests for it arrive on ``event/print/{device}``."""
        self.desk_prints = DeskPrints(self.issuer, printer, self._invoke)
        self.follower = Follower(bus, self.view, self._invoke, self._ticket_token, self.settings.issue_timeout_s)
        self.booker = Booker(bus, printer, self.view, self._invoke, lambda: self._catalogue,
                             self.settings.issue_timeout_s, device_name, on_done=self.reset,
                             on_activity=self._mark_activity)

    # ---- wiring ------------------------------------------------------------------

    @property
    def state(self) -> ViewState:
        return self.view.state

    @property
    def _state(self) -> ViewState:
        return self.view.state

    def _set(self, **changes: Any) -> None:
        self.view.set(**changes)

    def _mark_activity(self) -> None:
        self._last_activity = self._clock()

    @property
    def last_touch_to_print_s(self) -> float | None:
        """Confirm tap → print job handed to the printer, for the last printed ticket (benchmark)."""
        return self.issuer.last_touch_to_print_s

    @property
    def last_print_sent_at(self) -> float | None:
        """The printer clock when the last ticket's job was handed to the printer."""
        return self.issuer.last_print_sent_at

    def on_change(self, listener: Listener) -> None:
        self.view.listen(listener)

    def start(self) -> None:
        """Subscribe to the hub's state and the printer's status (call before ``bus.start()``)."""
        self.printer.on_status = lambda st: self._invoke(lambda: self.issuer.on_printer_status(st))
        self.bus.on_connection(lambda up: self._invoke(lambda: self._on_connection(up)))
        self.bus.subscribe_state(State.SERVICES, lambda _t, p: self._invoke(lambda: self._on_services(p)))
        self.bus.subscribe_state(State.QUEUE, lambda _t, p: self._invoke(lambda: self._on_queue(p)))
        self.bus.subscribe_status(lambda t, p: self._invoke(lambda: self._on_presence(t, p)))
        if self.device:
            self.bus.subscribe_event(f"print/{self.device}",
                                     lambda _t, p: self._invoke(lambda: self.desk_prints.on_request(p)))
        self._broker_up = self.bus.connected
        self._reporter.start()
        self._refresh()

    # ---- touches (GUI thread) ---------------------------------------------------

    def touch(self) -> None:
        """Any touch or key: the citizen is still here."""
        self._last_activity = self._clock()
        if self._state.idle_warning_s is not None:
            self._set(idle_warning_s=None)

    def set_lang(self, lang: str) -> None:
        if lang in LANGS and lang != self._state.lang:
            self.touch()
            self._set(lang=lang)
            self._refresh()

    def get_ticket(self) -> None:
        """Start screen → catalogue (groups, or the services when there is one group)."""
        if self._state.screen is not Screen.START:
            return
        self.touch()
        self._selected = []
        self._set(screen=Screen.CATALOGUE, group=None, priority=False, people=1, problem=None)
        self._refresh()

    def open_group(self, group: str) -> None:
        if self._state.screen is Screen.CATALOGUE:
            self.touch()
            self._set(group=group)
            self._refresh()

    def back(self) -> None:
        self.touch()
        s = self._state
        if s.screen is Screen.CATALOGUE and s.group is not None and len(s.groups) > 1:
            self._set(group=None)
            self._refresh()
        elif s.screen is Screen.CATALOGUE and self._selected:
            self._set(screen=Screen.REVIEW)
            self._refresh()
        elif s.screen in (Screen.CATALOGUE, Screen.REVIEW, Screen.CHECK_IN, Screen.ERROR):
            self.reset()

    def choose_service(self, service_id: str) -> None:
        """A service tapped on the catalogue: add it to the ticket and show the summary."""
        if self._state.screen is not Screen.CATALOGUE:
            return
        self.touch()
        item = self._catalogue.item(service_id, self._state.lang)
        if item is None or not item.open:
            return
        if service_id not in self._selected and len(self._selected) < self.settings.max_services_per_ticket:
            self._selected.append(service_id)
        self._set(screen=Screen.REVIEW, problem=None)
        self._refresh()

    def show_review(self) -> None:
        """Catalogue → the summary of the services already chosen."""
        if self._state.screen is Screen.CATALOGUE and self._selected:
            self.touch()
            self._set(screen=Screen.REVIEW)
            self._refresh()

    def remove_service(self, service_id: str) -> None:
        if self._state.screen is not Screen.REVIEW:
            return
        self.touch()
        if service_id in self._selected:
            self._selected.remove(service_id)
        if not self._selected:
            self._set(screen=Screen.CATALOGUE)
        self._refresh()

    def add_another(self) -> None:
        if self._state.screen is Screen.REVIEW and self._state.can_add_more:
            self.touch()
            self._set(screen=Screen.CATALOGUE, group=None if len(self._state.groups) > 1 else self._state.group)
            self._refresh()

    def set_priority(self, on: bool) -> None:
        if self._state.screen is Screen.REVIEW and self.settings.allow_priority:
            self.touch()
            self._set(priority=bool(on))

    def set_people(self, n: int) -> None:
        """How many people come on this ticket (the review screen's − / + buttons): 1–9."""
        if self._state.screen is Screen.REVIEW:
            self.touch()
            self._set(people=max(1, min(MAX_PEOPLE, int(n))))

    def confirm(self) -> None:
        """"Print my ticket": one new attempt (a second tap while it runs does nothing)."""
        if self._state.screen is not Screen.REVIEW or not self._selected:
            return
        self.touch()
        args: dict[str, Any] = {"services": list(self._selected), "lang": self._state.lang}
        if self._state.priority:
            args["priority"] = True
        if self._state.people > 1:
            args["people"] = self._state.people
        self.issuer.begin(Op.TICKET_ISSUE, args)

    def start_check_in(self) -> None:
        if self._state.screen in (Screen.START, Screen.CATALOGUE, Screen.REVIEW):
            self.touch()
            self._set(screen=Screen.CHECK_IN, code="", problem=None)

    def key(self, char: str) -> None:
        """On-screen keypad: one character of the appointment or check-in code."""
        if self._state.screen is Screen.CHECK_IN and len(char) == 1 and char.isalnum() and len(self._state.code) < 32:
            self.touch()
            self._set(code=self._state.code + char.upper(), problem=None)

    def backspace(self) -> None:
        if self._state.screen is Screen.CHECK_IN:
            self.touch()
            self._set(code=self._state.code[:-1], problem=None)

    def submit_code(self) -> None:
        if self._state.screen is not Screen.CHECK_IN:
            return
        self.touch()
        code = parse_scanned_code(self._state.code)
        if code is None:
            self._set(problem=Problem.BAD_CODE)
            return
        self.issuer.begin(*check_in_request(code, self._state.lang))

    def scanned(self, raw: str) -> None:
        """A scanner read a code (keyboard wedge or serial): check in at once."""
        if self._state.screen not in (Screen.START, Screen.CATALOGUE, Screen.REVIEW, Screen.CHECK_IN, Screen.ERROR, Screen.TICKET):
            return
        if self._state.screen is Screen.TICKET and self._state.ticket and self._state.ticket.print_state is PrintState.PRINTING:
            return
        code = parse_scanned_code(raw)
        self.touch()
        if code is None:
            self._set(screen=Screen.CHECK_IN, code="", problem=Problem.BAD_CODE, ticket=None)
            return
        self._set(screen=Screen.CHECK_IN, code=code, problem=None, ticket=None)
        self.issuer.begin(*check_in_request(code, self._state.lang))

    def retry(self) -> None:
        """"Try again" on the error screen: the same request id when the first may have arrived."""
        a = self.issuer.attempt
        if self._state.screen is not Screen.ERROR or a is None:
            return
        self.touch()
        if self._state.problem in RETRYABLE and not a.done:
            self._set(screen=Screen.ISSUING, problem=None)
            self.issuer.send(a)
        else:  # the hub refused it: asking again with the same id would get the same answer
            self.issuer.begin(a.op, a.args)

    def reprint(self) -> None:
        """"Print again" after a failed print: the same ticket, never a new one."""
        a = self.issuer.attempt
        t = self._state.ticket
        if self._state.screen is not Screen.TICKET or a is None or a.data is None or t is None:
            return
        if t.print_state is not PrintState.FAILED:
            return
        self.touch()
        self._set(ticket=replace(t, print_state=PrintState.PRINTING))
        self.issuer.print_ticket(a)

    # ---- following the ticket by SMS (kiosk.following) ------------------------------------

    def _ticket_token(self) -> str | None:
        a = self.issuer.attempt
        return a.ticket.token if a is not None and a.ticket is not None and a.ticket.token else None

    def follow_start(self) -> None:
        self.touch()
        self.follower.start()

    def phone_key(self, char: str) -> None:
        self.touch()
        self.follower.key(char)

    def phone_backspace(self) -> None:
        self.touch()
        self.follower.backspace()

    def follow_submit(self) -> None:
        self.touch()
        self.follower.submit()

    def follow_back(self) -> None:
        self.touch()
        self.follower.back()

    # ---- booking an appointment (kiosk.booking) ----------------------------------------------

    def book_start(self) -> None:
        self.touch()
        self.booker.start()

    def book_service(self, sid: str) -> None:
        self.touch()
        self.booker.pick_service(sid)

    def book_day(self, day: str) -> None:
        self.touch()
        self.booker.pick_day(day)

    def book_slot(self, at: str) -> None:
        self.touch()
        self.booker.pick_slot(at)

    def book_confirm(self) -> None:
        self.touch()
        self.booker.confirm()

    def book_back(self) -> None:
        self.touch()
        self.booker.back()

    def book_retry(self) -> None:
        self.touch()
        self.booker.retry()

    def book_reprint(self) -> None:
        self.touch()
        self.booker.reprint()

    def keep_alive(self) -> None:
        """"I need more time" on the inactivity warning."""
        self.touch()

    def done(self) -> None:
        """"Done" / "Cancel": back to the start screen for the next citizen."""
        self.reset()

    def reset(self) -> None:
        self.issuer.attempt = None
        self._selected = []
        self._last_activity = self._clock()
        self._set(
            screen=Screen.OUT_OF_SERVICE if self._out_of_service else Screen.START,
            lang=self.default_lang, group=None, priority=False, people=1, code="",
            problem=None, ticket=None, follow=None, booking=None, idle_warning_s=None,
        )
        self._refresh()

    # ---- timers (GUI thread) -------------------------------------------------------

    def tick(self) -> None:
        now = self._clock()
        self._refresh_online(now)
        s = self._state  # after the online check, which may have changed the screen
        a = self.issuer.attempt
        if s.screen is Screen.ISSUING and a is not None and now - a.sent_at >= self.settings.issue_timeout_s:
            log.warning("no reply to %s (req %s) after %.0f s", a.op, a.req, now - a.sent_at)
            self._set(screen=Screen.ERROR, problem=Problem.NO_REPLY)
            self._last_activity = now
            return
        if s.screen not in FLOW_SCREENS:
            return
        idle = now - self._last_activity
        if s.screen is Screen.TICKET and s.ticket is not None and s.ticket.print_state is PrintState.PRINTED:
            if idle >= self.settings.ticket_screen_s:
                self.reset()
            return
        if s.screen is Screen.TICKET and s.ticket is not None and s.ticket.print_state is PrintState.PRINTING:
            return
        if s.screen is Screen.BOOKING and s.booking is not None and self.booker.busy_or_printed(now - self._last_activity,
                                                                                       self.settings.ticket_screen_s):
            return  # a booking on its way or printing is never left unseen; a printed one goes like a ticket
        timeout = self.settings.idle_timeout_s
        if idle >= timeout:
            log.info("inactivity: back to the start screen")
            self.reset()
            return
        warn = self.settings.idle_warning_s
        left = int(timeout - idle + 0.999)
        if idle >= timeout - warn:
            if s.idle_warning_s != left:
                self._set(idle_warning_s=left)
        elif s.idle_warning_s is not None:
            self._set(idle_warning_s=None)

    # ---- hub state (GUI thread via invoke) ------------------------------------------------

    def _on_connection(self, up: bool) -> None:
        self._broker_up = up
        self._refresh_online(self._clock())

    def _on_presence(self, topic: str, payload: dict[str, Any] | None) -> None:
        if topic != HUB_STATUS or payload is None:
            return
        self._hub_up = bool(payload.get("online"))
        self._refresh_online(self._clock())

    def _on_services(self, payload: dict[str, Any] | None) -> None:
        if payload is None:
            return
        try:
            self._catalogue = replace(self._catalogue, services=ServicesState.model_validate(payload))
        except ValueError as err:
            log.warning("ignoring bad state/services: %s", err)
            return
        self._refresh_online(self._clock())
        self._refresh()

    def _on_queue(self, payload: dict[str, Any] | None) -> None:
        if payload is None:
            return
        try:
            self._catalogue = replace(self._catalogue, queue=QueueState.model_validate(payload))
        except ValueError as err:
            log.warning("ignoring bad state/queue: %s", err)
            return
        self._refresh()

    @property
    def online(self) -> bool:
        return self._broker_up and self._hub_up is not False and self._catalogue.known

    def _refresh_online(self, now: float) -> None:
        if self.online:
            self._offline_since = None
            if self._out_of_service:
                self._out_of_service = False
                log.info("hub reachable: in service")
                self._leave_out_of_service()
            return
        if self._offline_since is None:
            self._offline_since = now
            log.warning("hub unreachable (broker %s, hub %s)", "up" if self._broker_up else "down", self._hub_up)
        if not self._out_of_service and now - self._offline_since >= self.settings.offline_grace_s:
            self._out_of_service = True
            if self._state.screen not in (Screen.TICKET, Screen.ISSUING):
                self._selected = []
                self._set(screen=Screen.OUT_OF_SERVICE, idle_warning_s=None, problem=None)
        if self._out_of_service and self._state.screen is Screen.ERROR:
            self._set(screen=Screen.OUT_OF_SERVICE, idle_warning_s=None)

    def _leave_out_of_service(self) -> None:
        a = self.issuer.attempt
        if self._state.screen is not Screen.OUT_OF_SERVICE:
            self._set(connecting=False)
            return
        if a is not None and not a.done:
            # The citizen's request is answered now that the hub is back: the same id again
            # (still pending in the bus client: the same future; dropped unsent: sent now).
            self._set(screen=Screen.ISSUING, connecting=False, problem=None)
            self.issuer.send(a)
            return
        self._last_activity = self._clock()
        self._set(screen=Screen.START, connecting=False, ticket=None, problem=None, lang=self.default_lang)
        self._refresh()

    # ---- view state -----------------------------------------------------------------------

    def _refresh(self) -> None:
        """Rebuild the catalogue parts of the view state and apply the office's open/closed state."""
        s = self._state
        lang = s.lang
        cat = self._catalogue
        items = cat.items(lang)
        groups = cat.groups(items, lang)
        group = s.group
        if len(groups) <= 1:
            group = groups[0].id if groups else None
            shown = tuple(items)
        else:
            shown = tuple(i for i in items if i.group == group) if group is not None else ()
        by_id = {i.id: i for i in items}
        ticket = s.ticket
        if ticket is not None:  # the language may have changed on the ticket screen
            ticket = replace(ticket, services=tuple(by_id.get(i.id, i) for i in ticket.services))
        selected = tuple(by_id[sid] for sid in self._selected if sid in by_id)
        can_add = len(selected) < self.settings.max_services_per_ticket and any(
            i.open and i.id not in self._selected for i in items
        )
        screen = s.screen
        if cat.closed and screen in (Screen.START, Screen.CATALOGUE, Screen.REVIEW, Screen.CHECK_IN):
            screen = Screen.CLOSED
            self._selected = []
            selected = ()
        elif not cat.closed and screen is Screen.CLOSED:
            screen = Screen.START
        office = cat.office
        self._set(
            screen=screen,
            office_name=cat.office_name(lang, self.device_name),
            office_message=cat.office_message(lang),
            hours_today=str(office.get("hours_today") or ""),
            next_open=office.get("next_open"),
            groups=groups,
            group=group,
            services=shown,
            selected=selected,
            can_add_more=can_add,
            ticket=ticket,
        )


__all__ = ["Bus", "Invoke", "KioskController", "Listener", "MessageCallback", "PrinterPort"]
