"""The counter terminal's flow: presses in, requests out, state in, what to show out.

No Qt, no GPIO, no serial here: buttons arrive as :class:`ButtonEvent`, the
screen calls methods, bus messages arrive through :meth:`CounterController.start`'s
subscriptions. What a press sends and how it is seen through is in
:mod:`counter_terminal.presses`; what the LEDs, the LED display and the screen
show is in :mod:`counter_terminal.presentation`. The controller holds what the
hub publishes in a :class:`~counter_terminal.hubview.HubView`, its messages'
lifetimes in :class:`~counter_terminal.signals.Signals` and whom the feedback
buttons rate in a :class:`~counter_terminal.feedback.FeedbackTarget`.

**Presses and the network.** Every press is one ``client.request`` with its
own request id (a hold of Next is two, chained: finish, then call next, both
ids fixed at the moment of the press). If a press cannot be sent within
``send_deadline_s`` it is shown as refused: red LED blinking fast, a long
beep, a screen message saying nothing was done.

**One press at a time.** While a counter press is on its way (sent or held),
every further counter press is ignored with a visible signal (two short beeps
and a "still sending" message; the ready LED blinks fast meanwhile). A second
Next can therefore never queue up behind an unsent first one and call two
customers. Feedback buttons have their own slot.

**Which counter.** ``Settings.counter`` (``[counter] number``) says which
``state/counters/{n}`` this terminal shows. The hub decides which counter the
terminal's requests act on, from the device's pairing; the two must match (the
setup menu sets the number when it pairs). A reply about a ticket at another
counter reveals a mismatch: it is logged, reported in the device status and
shown on the screen.

Threads: bus callbacks and button events may come from any thread; they are
passed through ``invoke`` to the thread that owns the controller (the Qt GUI
thread, or the headless worker), so the controller's state has one owner.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from counter_terminal import presentation
from counter_terminal.actions import FEEDBACK_SCORES, KEYMAP, Action
from counter_terminal.feedback import FeedbackTarget
from counter_terminal.hardware.buttons import ButtonEvent
from counter_terminal.hardware.lights import LedMode, NoLights, StatusLights
from counter_terminal.hardware.number_display import NumberDisplay
from counter_terminal.hubview import HubView, anticipate
from counter_terminal.picker import TransferPicker
from counter_terminal.presses import (
    COUNTER,
    FEEDBACK,
    Bus,
    InFlight,
    Invoke,
    MessageCallback,
    Press,
    Step,
    counter_steps,
)
from counter_terminal.signals import Signals
from counter_terminal.viewmodel import Page, ProfileRow, Target, ViewModel
from sorra.protocol.messages import (
    AlertEvent,
    ClerkInfo,
    CounterState,
    OutcomeInfo,
    ServiceInfo,
    TicketInfo,
)
from sorra.protocol.names import ErrorCode, Op, State

__all__ = ["Bus", "CounterController", "Invoke", "Settings"]

log = logging.getLogger(__name__)

SLOW_REPLY_S = 5.0
AUTO_LOGIN_RETRY_S = 30.0

FINISHING_OPS = {
    Op.COUNTER_FINISH: "finished",
    Op.COUNTER_NO_SHOW: "no_show_done",
    Op.COUNTER_TRANSFER: "transferred",
    Op.COUNTER_PARK: "parked",
}
"""Ops that end the customer's visit, with the notice each shows."""


def _direct(fn: Callable[[], None]) -> None:
    fn()


@dataclass
class Settings:
    counter: int = 0
    """This terminal's counter; must match the hub's pairing of the device."""
    lang: str = "hu"
    headless: bool = False
    send_deadline_s: float = 10.0
    refused_signal_s: float = 4.0
    notice_s: float = 6.0
    feedback_window_s: float = 120.0
    paused_text: str = ""
    clerks: tuple[str, ...] = ()
    pause_reasons: tuple[str, ...] = ()
    background_kinds: tuple[str, ...] = ()
    auto_login: tuple[str, str] | None = None
    """(clerk, pin) to log in when the counter is closed (headless terminals)."""


class CounterController:
    def __init__(
        self,
        bus: Bus,
        settings: Settings | None = None,
        *,
        lights: StatusLights | None = None,
        display: NumberDisplay | None = None,
        listener: Callable[[ViewModel], None] | None = None,
        invoke: Invoke = _direct,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        status: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.bus = bus
        self.settings = settings or Settings()
        self.lights = lights or NoLights()
        self.display = display
        self.outputs = presentation.Outputs(self.lights, display, clock, status)
        if listener is not None:
            self.outputs.listeners.append(listener)
        self._invoke = invoke
        self._clock = clock
        self._wall = wall
        self._status = status
        self.counter = self.settings.counter
        self.online = False
        self.state: CounterState | None = None
        self.hub_view = HubView()
        self.clerk: ClerkInfo | None = None
        self.page: Page = "login"
        self.inflight = InFlight(bus, invoke, clock, applied=self._applied, refused=self._refused,
                                 settled=self._refresh)
        self.signals = Signals(clock, lambda: self.settings.notice_s, lambda: self.settings.refused_signal_s)
        self.picker = TransferPicker()
        self.feedback = FeedbackTarget(clock, lambda: self.settings.feedback_window_s)
        self._last_finished_number: str | None = None
        self._auto_login_at = float("-inf")
        self._mismatch: int | None = None
        self._last_second = -1
        self.vm = ViewModel()

    # what the hub published, still readable as the controller's attributes (views, tests, tools use them)
    @property
    def counters(self) -> dict[int, CounterState]:
        return self.hub_view.counters

    @property
    def services(self) -> dict[str, ServiceInfo]:
        return self.hub_view.services

    @property
    def outcomes(self) -> tuple[OutcomeInfo, ...]:
        return self.hub_view.outcomes

    @property
    def next_finishes(self) -> bool:
        return self.hub_view.next_finishes

    @property
    def alerts(self) -> dict[tuple[str, str], AlertEvent]:
        return self.hub_view.alerts

    @property
    def clerk_names(self) -> dict[str, str]:
        return self.hub_view.clerk_names

    # ---- wiring --------------------------------------------------------------

    def start(self) -> None:
        """Subscribe to the hub's state (before or after ``bus.start()``)."""
        self.bus.on_connection(lambda online: self._invoke(lambda: self._on_connection(online)))
        self.bus.subscribe_state("counters/+", self._threadsafe(self._on_counter))
        self.bus.subscribe_state(State.SERVICES, self._threadsafe(self._on_services))
        self.bus.subscribe_event("alert", self._threadsafe(self._on_alert))
        self.online = bool(self.bus.connected)
        if self.online:
            self._fetch_roster()
        self._refresh()

    @property
    def listeners(self) -> list[Callable[[ViewModel], None]]:
        return self.outputs.listeners

    def add_listener(self, listener: Callable[[ViewModel], None]) -> None:
        self.outputs.listeners.append(listener)
        listener(self.vm)

    def _threadsafe(self, fn: MessageCallback) -> MessageCallback:
        return lambda topic, payload: self._invoke(lambda: fn(topic, payload))

    # ---- inputs: hardware ------------------------------------------------------

    def on_button(self, event: ButtonEvent) -> None:
        """A debounced button event (any thread)."""
        action = KEYMAP.get((event.button, event.kind))
        if action is not None:
            self._invoke(lambda: self.press(action))

    # ---- inputs: presses (buttons and the screen) --------------------------------

    def press(self, action: Action | str) -> bool:
        """Do what a button or touch button means now; False if refused or ignored."""
        action = Action(action)
        if action in FEEDBACK_SCORES:
            return self._feedback(FEEDBACK_SCORES[action])
        if self.picker.open and action not in (Action.TRANSFER, Action.TRANSFER_CONFIRM):
            self.picker.close()
            return self._ignore("picker_cancelled")
        if action == Action.PAUSE_TOGGLE:
            return self.resume() if self._state_name() == "paused" else self.pause("")
        if action in (Action.TRANSFER, Action.TRANSFER_CONFIRM):
            return self._transfer_button(action)
        busy = self.inflight.get(COUNTER)
        if busy is not None:  # "busy" before any reason that depends on a state about to change
            return self._ignore("busy", pending=busy.action)
        plan = counter_steps(action, self._state_name(), self._ticket() is not None, self.next_finishes)
        if isinstance(plan, str):
            return self._refuse_local(plan)
        return self._submit(action, plan)

    def login(self, clerk: str, pin: str) -> bool:
        return self._submit("login", [Step(Op.CLERK_LOGIN, {"clerk": clerk, "pin": pin})])

    def logout(self) -> bool:
        return self._submit("logout", [Step(Op.CLERK_LOGOUT)])

    def pause(self, reason: str = "") -> bool:
        if self._ticket() is not None:
            return self._refuse_local("customer_at_desk_pause")
        return self._submit("pause", [Step(Op.COUNTER_PAUSE, {"reason": reason})])

    def resume(self) -> bool:
        return self._submit("resume", [Step(Op.COUNTER_RESUME)])

    def close_counter(self) -> bool:
        return self._submit("close", [Step(Op.COUNTER_CLOSE)])

    def background_start(self, kind: str, note: str = "") -> bool:
        return self._submit("background_start", [Step(Op.BACKGROUND_START, {"kind": kind, "note": note})])

    def background_stop(self) -> bool:
        return self._submit("background_stop", [Step(Op.BACKGROUND_STOP)])

    def background_take(self, case: str | None = None) -> bool:
        """Work on a backlog case (the oldest this counter may do, or the one tapped)."""
        return self._submit("background_start", [Step(Op.BACKGROUND_TAKE, {"id": case} if case else {})])

    def background_record(self, kind: str, note: str = "") -> bool:
        """Leave a case in the backlog, to be done later by whoever is free."""
        return self._submit("background_record", [Step(Op.BACKGROUND_RECORD, {"kind": kind, "note": note})])

    def transfer(self, *, service: str | None = None, counter: int | None = None,
                 position: str = "last") -> bool:
        if self._ticket() is None:
            return self._refuse_local("no_customer")
        args: dict[str, Any] = {"position": position}
        if service is not None:
            args["service"] = service
        else:
            args["counter"] = counter
        return self._submit("transfer", [Step(Op.COUNTER_TRANSFER, args)])

    def finish(self, marks: list[str]) -> bool:
        """Done with the outcome codes picked on the screen (a hardware Done sends none)."""
        if self._ticket() is None:
            return self._refuse_local("no_customer")
        return self._submit(Action.DONE, [Step(Op.COUNTER_FINISH, {"marks": list(marks)})])

    def return_ticket(self, ticket: str) -> bool:
        """Take a no-show of today back: first in line for its service (``counter.return``)."""
        return self._submit("return", [Step(Op.COUNTER_RETURN, {"ticket": ticket})])

    def unpark(self, ticket_id: str) -> bool:
        if self._ticket() is not None:
            return self._refuse_local("customer_at_desk")
        return self._submit("unpark", [Step(Op.COUNTER_UNPARK, {"ticket": ticket_id})])

    def save_profile(self, rows: list[ProfileRow] | list[dict[str, Any]]) -> bool:
        entries = [
            {"service": r.service, "weight": r.weight} if isinstance(r, ProfileRow) else
            {"service": r["service"], "weight": int(r["weight"])}
            for r in rows
        ]
        if self.clerk is None or not self.clerk.may_edit_profile:
            return self._refuse_local("profile_forbidden")
        return self._submit("profile", [Step(Op.CLERK_PROFILE_SET, {"services": entries})])

    def show_page(self, page: Page) -> None:
        """Screen navigation (transfer picker, pause, background, profile, main)."""
        if page == "profile" and not (self.clerk and self.clerk.may_edit_profile):
            self._refuse_local("profile_forbidden")
            return
        if page in ("transfer", "finish") and self._ticket() is None:
            self._refuse_local("no_customer")
            return
        self.page = page
        self._refresh()

    def dismiss_notice(self) -> None:
        self.signals.clear_notice()
        self._refresh()

    def set_lang(self, lang: str) -> None:
        self.settings.lang = lang
        self._refresh()

    # ---- time ------------------------------------------------------------------

    def tick(self) -> None:
        """Expire signals and messages; retry the LED display. Call a few times a second."""
        now = self._clock()
        changed = self.signals.expire(now)
        if self.picker.expire(now):
            changed = True
        slow = any(now - p.started >= SLOW_REPLY_S for p in self.inflight.presses())
        notice = self.signals.notice
        if slow and self.online and (notice is None or notice.code != "slow_reply"):
            self._set_notice("slow_reply", "warning")
            changed = True
        if self.outputs.display_retry_due():
            changed = True
        second = int(self._wall())
        if changed or second != self._last_second:
            self._last_second = second
            self._refresh()

    # ---- bus messages (already on the owner thread) ---------------------------------

    def _on_connection(self, online: bool) -> None:
        self.online = online
        if online:
            self._fetch_roster()
        self._refresh()

    def _fetch_roster(self) -> None:
        """The clerks' names for the sign-in screen (ids are what the config lists)."""
        future = self.bus.request(Op.CLERK_ROSTER, {}, send_deadline_s=self.settings.send_deadline_s)
        future.add_done_callback(lambda f: self._invoke(lambda: self._roster(f)))

    def _roster(self, future: Any) -> None:
        if self.hub_view.roster(future.result):
            self._refresh()

    def _on_counter(self, topic: str, payload: dict[str, Any] | None) -> None:
        got = self.hub_view.counter(topic, payload)
        if got is None:
            return
        number, cs = got
        if number == self.counter:
            self._set_state(cs)
        self._refresh()

    def _set_state(self, cs: CounterState) -> None:
        before = self.state
        self.state = cs
        if before is not None and before.ticket is not None and before.state == "serving" and (
            cs.ticket is None or cs.ticket.id != before.ticket.id
        ):  # finished (maybe by Next, or from the hub): feedback now goes to them
            self.feedback.served(before.ticket.id)
        if cs.clerk is None:
            self.clerk = None
        elif self.clerk is not None and self.clerk.id != cs.clerk:
            self.clerk = None  # someone else logged in here (from the hub's admin page)
        if cs.clerk is None and self.page != "login":
            self.page = "login"
        elif cs.clerk is not None and self.page == "login":
            self.page = "main"
        if self.page in ("transfer", "finish") and cs.ticket is None:
            self.page = "main"
        self._maybe_auto_login()

    def _on_services(self, topic: str, payload: dict[str, Any] | None) -> None:
        if self.hub_view.services_state(payload):
            self._refresh()

    def _on_alert(self, topic: str, payload: dict[str, Any] | None) -> None:
        new = self.hub_view.alert(payload)
        if new is not None and new.level != "info":
            self.lights.beep("alert")
        self._refresh()

    # ---- requests --------------------------------------------------------------

    def _submit(self, action: str, steps: list[Step], slot: str = COUNTER) -> bool:
        busy = self.inflight.get(slot)
        if busy is not None:
            return self._ignore("busy", pending=busy.action)
        self.lights.beep("ack")
        self.signals.clear_notice(keep_info=True)
        self.inflight.start(slot, str(action), steps, self.settings.send_deadline_s)
        self._refresh()
        return True

    def _refused(self, press: Press, step: Step, code: str, message: str) -> None:
        log.info("%s refused: %s %s", step.op, code, message)
        self.signals.refuse()
        self.lights.beep("refused")
        if press.done_ops:
            self._set_notice("partly_done", "error", number=self._last_finished_number or "", code=code)
        elif code == ErrorCode.OFFLINE:
            self._set_notice("refused_offline", "error")
        elif step.op == Op.CLERK_LOGIN and code == ErrorCode.FORBIDDEN:
            self._set_notice("login_failed", "error")
        elif code == ErrorCode.TOO_SOON:
            self._set_notice("too_soon", "warning")
        else:
            self._set_notice("hub_refused", "error", code=code, message=message)

    def _applied(self, press: Press, step: Step, result: dict[str, Any]) -> None:
        op = step.op
        if op in (Op.CLERK_LOGIN, Op.CLERK_PROFILE_SET):
            info = result.get("clerk")
            self.clerk = ClerkInfo.model_validate(info) if info else None
            self.page = "main"
            if op == Op.CLERK_PROFILE_SET:
                self._set_notice("profile_saved", "info")
            return
        if op == Op.CLERK_LOGOUT:
            self.clerk = None
            self.page = "login"
            return
        if op == Op.FEEDBACK_SUBMIT:
            self._set_notice("feedback_thanks", "info")
            return
        if op == Op.BACKGROUND_RECORD:
            self._set_notice("backlog_recorded", "info")
        if op in (Op.COUNTER_PAUSE, Op.COUNTER_RESUME, Op.BACKGROUND_START, Op.BACKGROUND_STOP, Op.BACKGROUND_TAKE,
                  Op.BACKGROUND_RECORD):
            if self.page in ("pause", "background", "backlog"):
                self.page = "main"
            return
        if "ticket" not in result:
            return
        raw = result.get("ticket")
        ticket = TicketInfo.model_validate(raw) if raw else None
        if ticket is not None and not self._paired_here(ticket):
            return  # the hub acted on another counter: none of it belongs on this one's display
        if op in (Op.COUNTER_CALL_NEXT, Op.COUNTER_UNPARK):
            if ticket is None:
                self._set_notice("nobody_waiting", "info")
                self.state = anticipate(self.state, state="open", ticket=None)
            else:
                self._set_notice("called", "info", number=ticket.number)
                self.state = anticipate(self.state, state="called", ticket=ticket)
                self.lights.beep("call")
        elif op == Op.COUNTER_RETURN and ticket is not None:
            self._set_notice("returned", "info", number=ticket.number)
            self.page = "main"
        elif op == Op.COUNTER_RECALL and ticket is not None:
            self._set_notice("recalled", "info", number=ticket.number)
        elif op == Op.COUNTER_START and ticket is not None:
            self.state = anticipate(self.state, state="serving", ticket=ticket)
        elif op in FINISHING_OPS:
            if ticket is not None:
                self._last_finished_number = ticket.number
                if op == Op.COUNTER_FINISH:
                    self.feedback.served(ticket.id)
                self._set_notice(FINISHING_OPS[op], "info", number=ticket.number)
            self.state = anticipate(self.state, state="open", ticket=None)
            if self.page in ("transfer", "finish"):
                self.page = "main"

    def _paired_here(self, ticket: TicketInfo) -> bool:
        """A reply's ticket is at the counter the hub paired this device with: is that ours?"""
        paired = ticket.counter
        if paired is None or paired == self.counter:
            return True
        if paired == self._mismatch:
            return False
        self._mismatch = paired
        log.error("this terminal shows counter %s, but the hub has it paired with counter %s: "
                  "set [counter] number = %s (sorra setup)", self.counter, paired, paired)
        if self._status is not None:
            self._status({"counter_mismatch": {"configured": self.counter, "paired": paired}})
        self._set_notice("counter_mismatch", "error", number=str(self.counter), paired=str(paired))
        return False

    # ---- local refusals and signals ---------------------------------------------

    def _ignore(self, code: str, /, **params: Any) -> bool:
        """A press that was not acted on because of local state (busy, picker)."""
        self.lights.beep("busy")
        self._set_notice(code, "warning", **params)
        self._refresh()
        return False

    def _refuse_local(self, code: str, /, **params: Any) -> bool:
        """A press that makes no sense now (no customer, not allowed): nothing is sent."""
        return self._ignore(code, **params)

    def _set_notice(self, code: str, level: str, /, **params: Any) -> None:
        self.signals.set_notice(code, level, params)

    # ---- feedback --------------------------------------------------------------

    def _feedback(self, score: str) -> bool:
        ticket = self._ticket()
        target = self.feedback.target(ticket.id if ticket is not None else None)
        if target is None:
            return self._refuse_local("no_customer_to_rate")
        if not self.feedback.rate(target):
            return self._ignore("already_rated")
        return self._submit(
            "feedback", [Step(Op.FEEDBACK_SUBMIT, {"score": score, "ticket": target})], slot=FEEDBACK
        )

    # ---- transfer ----------------------------------------------------------------

    def transfer_targets(self) -> list[Target]:
        return presentation.transfer_targets(self.services, self.counters, self.counter, self.settings.lang)

    def _transfer_button(self, action: Action) -> bool:
        if not self.settings.headless:
            self.show_page("transfer")
            return True
        if self._ticket() is None:
            return self._refuse_local("no_customer")
        targets = self.transfer_targets()
        if not targets:
            return self._refuse_local("no_targets")
        if action == Action.TRANSFER or not self.picker.open:
            self.picker.tap(targets, self._clock())
            self._refresh()
            return True
        target = self.picker.choose()
        assert target is not None
        if target.kind == "service":
            return self.transfer(service=target.key)
        return self.transfer(counter=int(target.key))

    # ---- auto login (headless) ----------------------------------------------------

    def _maybe_auto_login(self) -> None:
        creds = self.settings.auto_login
        if creds is None or self.state is None or self.state.clerk is not None or not self.online:
            return
        now = self._clock()
        if now - self._auto_login_at < AUTO_LOGIN_RETRY_S or COUNTER in self.inflight:
            return
        self._auto_login_at = now
        self.login(*creds)

    # ---- what to show --------------------------------------------------------------

    def _ticket(self) -> TicketInfo | None:
        return self.state.ticket if self.state is not None else None

    def _state_name(self) -> str:
        return self.state.state if self.state is not None else "closed"

    def led_modes(self) -> dict[str, LedMode]:
        """What each status LED shows now (the table in docs/hardware/counter-terminal.md)."""
        return presentation.led_modes(self._state_name(), sending=COUNTER in self.inflight,
                                      refused=self.signals.refused, online=self.online)

    def display_text(self) -> str:
        """What the LED number display above the desk shows now."""
        return presentation.display_text(self._state_name(), self._ticket(), picker=self.picker.shown,
                                         paused_text=self.settings.paused_text, lang=self.settings.lang)

    def _build_vm(self) -> ViewModel:
        pending = self.inflight.get(COUNTER)
        s = self.settings
        return presentation.view_model(
            page=self.page, lang=s.lang, online=self.online, now=self._wall(), counter=self.counter,
            cs=self.state, clerk=self.clerk, services=self.services, counters=self.counters,
            alerts=self.alerts.values(),
            pending=pending.action if pending is not None else None,
            pending_for_s=self._clock() - pending.started if pending is not None else 0.0,
            refused=self.signals.refused, notice=self.signals.notice, picker=self.picker.shown,
            options=presentation.ScreenOptions(s.clerks, s.pause_reasons, s.background_kinds,
                                               clerk_names=tuple(self.clerk_names.items()),
                                               outcomes=self.outcomes, next_finishes=self.next_finishes),
        )

    def _refresh(self) -> None:
        """Push the current state to the LEDs, the LED display and the screen."""
        self.vm = self._build_vm()
        self.outputs.show(self.led_modes(), self.display_text(), self.vm)
