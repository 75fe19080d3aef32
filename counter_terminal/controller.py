"""The counter terminal's flow: presses in, requests out, state in, LEDs/display/screen out.

No Qt, no GPIO, no serial here: buttons arrive as :class:`ButtonEvent`, the
screen calls methods, bus messages arrive through :meth:`CounterController.start`'s
subscriptions, and the controller drives a :class:`StatusLights`, a
:class:`NumberDisplay` and a listener that receives a :class:`ViewModel`.

**Presses and the network.** Every press is one ``client.request`` with its
own request id (a hold of Next is two, chained: finish, then call next, both
ids fixed at the moment of the press). The bus client holds a request while
the broker is away and re-sends the same id after reconnecting, so the hub
applies it exactly once; if it cannot be sent within
``offline_send_deadline_s`` it fails with ``offline`` and the press is shown
as refused: red LED blinking fast, a long beep, a screen message saying
nothing was done.

**One press at a time.** While a counter press is on its way (sent or held),
every further counter press is ignored with a visible signal (two short beeps
and a "still sending" message; the ready LED blinks fast meanwhile). A second
Next can therefore never queue up behind an unsent first one and call two
customers. Feedback buttons have their own slot, so a customer's rating does
not block the clerk.

Threads: bus callbacks and button events may come from any thread; they are
passed through ``invoke`` to the thread that owns the controller (the Qt GUI
thread, or the headless worker), so the controller's state has one owner.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from counter_terminal.actions import FEEDBACK_SCORES, KEYMAP, Action
from counter_terminal.hardware.buttons import ButtonEvent
from counter_terminal.hardware.lights import LedMode, NoLights, StatusLights
from counter_terminal.hardware.number_display import NumberDisplay
from counter_terminal.profile import sort_profile
from counter_terminal.viewmodel import (
    AlertView,
    Notice,
    Page,
    ProfileRow,
    Target,
    TicketView,
    ViewModel,
    WaitingRow,
)
from sorra.protocol.messages import (
    AlertEvent,
    ClerkInfo,
    CounterState,
    ServiceInfo,
    ServicesState,
    TicketInfo,
)

log = logging.getLogger(__name__)

Invoke = Callable[[Callable[[], None]], None]
MessageCallback = Callable[[str, dict[str, Any] | None], None]

PAUSED_TEXT = {"hu": "ZARVA", "en": "CLOSED"}
PICKER_TIMEOUT_S = 15.0
SLOW_REPLY_S = 5.0
AUTO_LOGIN_RETRY_S = 30.0
DISPLAY_RETRY_S = 5.0


class Bus(Protocol):
    """The part of :class:`sorra.bus.BusClient` the controller uses."""

    @property
    def connected(self) -> bool: ...

    def on_connection(self, callback: Callable[[bool], None]) -> None: ...

    def subscribe_state(self, name: str, callback: MessageCallback) -> None: ...

    def subscribe_event(self, name: str, callback: MessageCallback) -> None: ...

    def request(
        self, op: str, args: dict[str, Any] | None = None, *, req: str | None = None,
        send_deadline_s: float = 10.0,
    ) -> Future: ...


def _direct(fn: Callable[[], None]) -> None:
    fn()


@dataclass
class _Step:
    op: str
    args: dict[str, Any]
    req: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class _Press:
    action: str
    steps: list[_Step]
    started: float
    index: int = 0
    done_ops: list[str] = field(default_factory=list)


@dataclass
class _Picker:
    targets: list[Target]
    index: int
    until: float


@dataclass
class Settings:
    counter: int = 0
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
        self.listeners: list[Callable[[ViewModel], None]] = [listener] if listener else []
        self._invoke = invoke
        self._clock = clock
        self._wall = wall
        self._status = status
        self.counter = self.settings.counter
        self.online = False
        self.state: CounterState | None = None
        self.counters: dict[int, CounterState] = {}
        self.services: dict[str, ServiceInfo] = {}
        self.clerk: ClerkInfo | None = None
        self.alerts: dict[str, AlertEvent] = {}
        self.page: Page = "login"
        self._pending: dict[str, _Press] = {}
        self._notice: Notice | None = None
        self._notice_until = 0.0
        self._refused_until = 0.0
        self._picker: _Picker | None = None
        self._last_served: tuple[str, float] | None = None
        self._rated: set[str] = set()
        self._shown_text: str | None = None
        self._display_retry_at = 0.0
        self._display_healthy: bool | None = None
        self._auto_login_at = float("-inf")
        self._last_second = -1
        self.vm = ViewModel()

    # ---- wiring --------------------------------------------------------------

    def start(self) -> None:
        """Subscribe to the hub's state; call before ``bus.start()``."""
        self.bus.on_connection(lambda online: self._invoke(lambda: self._on_connection(online)))
        self.bus.subscribe_state("counters/+", self._threadsafe(self._on_counter))
        self.bus.subscribe_state("services", self._threadsafe(self._on_services))
        self.bus.subscribe_event("alert", self._threadsafe(self._on_alert))
        self.online = bool(self.bus.connected)
        self._refresh()

    def add_listener(self, listener: Callable[[ViewModel], None]) -> None:
        self.listeners.append(listener)
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
        if self._picker is not None and action not in (Action.TRANSFER, Action.TRANSFER_CONFIRM):
            self._picker = None
            return self._ignore("picker_cancelled")
        state = self._state_name()
        has_customer = self._ticket() is not None
        if action == Action.NEXT:
            if has_customer:
                return self._refuse_local("customer_at_desk")
            return self._submit(action, [_Step("counter.call_next", {})])
        if action == Action.FINISH_AND_NEXT:
            steps = [_Step("counter.call_next", {})]
            if has_customer:
                steps.insert(0, _Step("counter.finish", {}))
            return self._submit(action, steps)
        if action in (Action.RECALL, Action.START, Action.DONE, Action.PARK, Action.NO_SHOW):
            if not has_customer:
                return self._refuse_local("no_customer")
            op = {
                Action.RECALL: "counter.recall",
                Action.START: "counter.start",
                Action.DONE: "counter.finish",
                Action.PARK: "counter.park",
                Action.NO_SHOW: "counter.no_show",
            }[action]
            if action == Action.NO_SHOW and state == "serving":
                return self._refuse_local("already_serving")
            return self._submit(action, [_Step(op, {})])
        if action == Action.PAUSE_TOGGLE:
            if state == "paused":
                return self.resume()
            return self.pause("")
        if action in (Action.TRANSFER, Action.TRANSFER_CONFIRM):
            return self._transfer_button(action)
        raise AssertionError(action)  # pragma: no cover

    def login(self, clerk: str, pin: str) -> bool:
        return self._submit("login", [_Step("clerk.login", {"clerk": clerk, "pin": pin})])

    def logout(self) -> bool:
        return self._submit("logout", [_Step("clerk.logout", {})])

    def pause(self, reason: str = "") -> bool:
        if self._ticket() is not None:
            return self._refuse_local("customer_at_desk_pause")
        return self._submit("pause", [_Step("counter.pause", {"reason": reason})])

    def resume(self) -> bool:
        return self._submit("resume", [_Step("counter.resume", {})])

    def close_counter(self) -> bool:
        return self._submit("close", [_Step("counter.close", {})])

    def background_start(self, kind: str, note: str = "") -> bool:
        return self._submit("background_start", [_Step("background.start", {"kind": kind, "note": note})])

    def background_stop(self) -> bool:
        return self._submit("background_stop", [_Step("background.stop", {})])

    def transfer(self, *, service: str | None = None, counter: int | None = None,
                 position: str = "last") -> bool:
        if self._ticket() is None:
            return self._refuse_local("no_customer")
        args: dict[str, Any] = {"position": position}
        if service is not None:
            args["service"] = service
        else:
            args["counter"] = counter
        return self._submit("transfer", [_Step("counter.transfer", args)])

    def unpark(self, ticket_id: str) -> bool:
        if self._ticket() is not None:
            return self._refuse_local("customer_at_desk")
        return self._submit("unpark", [_Step("counter.unpark", {"ticket": ticket_id})])

    def save_profile(self, rows: list[ProfileRow] | list[dict[str, Any]]) -> bool:
        entries = [
            {"service": r.service, "weight": r.weight} if isinstance(r, ProfileRow) else
            {"service": r["service"], "weight": int(r["weight"])}
            for r in rows
        ]
        if self.clerk is None or not self.clerk.may_edit_profile:
            return self._refuse_local("profile_forbidden")
        return self._submit("profile", [_Step("clerk.profile_set", {"services": entries})])

    def show_page(self, page: Page) -> None:
        """Screen navigation (transfer picker, pause, background, profile, main)."""
        if page == "profile" and not (self.clerk and self.clerk.may_edit_profile):
            self._refuse_local("profile_forbidden")
            return
        if page == "transfer" and self._ticket() is None:
            self._refuse_local("no_customer")
            return
        self.page = page
        self._refresh()

    def dismiss_notice(self) -> None:
        self._notice = None
        self._refresh()

    def set_lang(self, lang: str) -> None:
        self.settings.lang = lang
        self._refresh()

    # ---- time ------------------------------------------------------------------

    def tick(self) -> None:
        """Expire signals and messages; retry the LED display. Call a few times a second."""
        now = self._clock()
        changed = False
        if self._notice is not None and now >= self._notice_until and self._notice.level != "error":
            self._notice = None
            changed = True
        if self._notice is not None and now >= self._notice_until + 3 * self.settings.notice_s:
            self._notice = None
            changed = True
        if self._refused_until and now >= self._refused_until:
            self._refused_until = 0.0
            changed = True
        if self._picker is not None and now >= self._picker.until:
            self._picker = None
            changed = True
        for press in self._pending.values():
            if now - press.started >= SLOW_REPLY_S and (
                self._notice is None or self._notice.code != "slow_reply"
            ) and self.online:
                self._set_notice("slow_reply", "warning")
                changed = True
        if self.display is not None and self._display_healthy is False and now >= self._display_retry_at:
            self._shown_text = None  # send again
            changed = True
        second = int(self._wall())
        if changed or second != self._last_second:
            self._last_second = second
            self._refresh()

    # ---- bus messages (already on the owner thread) ---------------------------------

    def _on_connection(self, online: bool) -> None:
        self.online = online
        self._refresh()

    def _on_counter(self, topic: str, payload: dict[str, Any] | None) -> None:
        try:
            number = int(topic.rsplit("/", 1)[1])
        except (IndexError, ValueError):
            return
        if payload is None:
            self.counters.pop(number, None)
            return
        try:
            cs = CounterState.model_validate(payload)
        except ValueError as err:
            log.warning("ignoring a bad counter state on %s: %s", topic, err)
            return
        self.counters[number] = cs
        if number == self.counter:
            self._set_state(cs)
        self._refresh()

    def _set_state(self, cs: CounterState) -> None:
        before = self.state
        self.state = cs
        if before is not None and before.ticket is not None and before.state == "serving" and (
            cs.ticket is None or cs.ticket.id != before.ticket.id
        ):  # finished (maybe by Next, or from the hub): feedback now goes to them
            self._last_served = (before.ticket.id, self._clock())
        if cs.clerk is None:
            self.clerk = None
        elif self.clerk is not None and self.clerk.id != cs.clerk:
            self.clerk = None  # someone else logged in here (from the hub's admin page)
        if cs.clerk is None and self.page != "login":
            self.page = "login"
        elif cs.clerk is not None and self.page == "login":
            self.page = "main"
        if self.page == "transfer" and cs.ticket is None:
            self.page = "main"
        self._maybe_auto_login()

    def _on_services(self, topic: str, payload: dict[str, Any] | None) -> None:
        if payload is None:
            return
        try:
            ss = ServicesState.model_validate(payload)
        except ValueError as err:
            log.warning("ignoring a bad services state: %s", err)
            return
        self.services = {s.id: s for s in ss.services}
        self._refresh()

    def _on_alert(self, topic: str, payload: dict[str, Any] | None) -> None:
        if payload is None:
            return
        try:
            alert = AlertEvent.model_validate(payload)
        except ValueError:
            return
        if alert.active:
            is_new = alert.code not in self.alerts
            self.alerts[alert.code] = alert
            if is_new and alert.level != "info":
                self.lights.beep("alert")
        else:
            self.alerts.pop(alert.code, None)
        self._refresh()

    # ---- requests --------------------------------------------------------------

    def _submit(self, action: str, steps: list[_Step], slot: str = "counter") -> bool:
        if slot in self._pending:
            return self._ignore("busy", pending=self._pending[slot].action)
        press = _Press(str(action), steps, self._clock())
        self._pending[slot] = press
        self.lights.beep("ack")
        if self._notice is not None and self._notice.level != "info":
            self._notice = None
        self._send_step(slot, press)
        self._refresh()
        return True

    def _send_step(self, slot: str, press: _Press) -> None:
        step = press.steps[press.index]
        try:
            fut = self.bus.request(step.op, step.args, req=step.req,
                                   send_deadline_s=self.settings.send_deadline_s)
        except Exception as err:  # the bus client itself failed: nothing was sent
            log.exception("request %s could not be queued", step.op)
            fut = Future()
            fut.set_exception(err)
        fut.add_done_callback(lambda f: self._invoke(lambda: self._on_reply(slot, press, f)))

    def _on_reply(self, slot: str, press: _Press, fut: Future) -> None:
        if self._pending.get(slot) is not press:
            return
        step = press.steps[press.index]
        try:
            result = fut.result()
        except Exception as err:
            code = getattr(err, "code", "internal")
            message = getattr(err, "message", str(err))
            del self._pending[slot]
            self._refused(press, step, code, message)
            self._refresh()
            return
        self._apply_result(press, step, result or {})
        press.done_ops.append(step.op)
        press.index += 1
        if press.index < len(press.steps):
            press.started = self._clock()
            self._send_step(slot, press)
        else:
            del self._pending[slot]
        self._refresh()

    def _refused(self, press: _Press, step: _Step, code: str, message: str) -> None:
        log.info("%s refused: %s %s", step.op, code, message)
        self._refused_until = self._clock() + self.settings.refused_signal_s
        self.lights.beep("refused")
        if press.done_ops:
            number = self._last_finished_number or ""
            self._set_notice("partly_done", "error", number=number, code=code)
        elif code == "offline":
            self._set_notice("refused_offline", "error")
        elif step.op == "clerk.login" and code == "forbidden":
            self._set_notice("login_failed", "error")
        else:
            self._set_notice("hub_refused", "error", code=code, message=message)

    _last_finished_number: str | None = None

    def _apply_result(self, press: _Press, step: _Step, result: dict[str, Any]) -> None:
        op = step.op
        if op == "clerk.login" or op == "clerk.profile_set":
            info = result.get("clerk")
            self.clerk = ClerkInfo.model_validate(info) if info else None
            if op == "clerk.login":
                self.page = "main"
            else:
                self.page = "main"
                self._set_notice("profile_saved", "info")
            return
        if op == "clerk.logout":
            self.clerk = None
            self.page = "login"
            return
        if op == "feedback.submit":
            self._set_notice("feedback_thanks", "info")
            return
        if op in ("counter.pause", "counter.resume", "background.start", "background.stop"):
            if self.page in ("pause", "background"):
                self.page = "main"
            return
        if "ticket" not in result:
            return
        raw = result.get("ticket")
        ticket = TicketInfo.model_validate(raw) if raw else None
        if ticket is not None and ticket.counter and not self.counter:
            self.counter = ticket.counter  # learned from the hub (pairing decides)
        if op in ("counter.call_next", "counter.unpark"):
            if ticket is None:
                self._set_notice("nobody_waiting", "info")
                self._patch_state(state="open", ticket=None)
            else:
                self._set_notice("called", "info", number=ticket.number)
                self._patch_state(state="called", ticket=ticket)
                self.lights.beep("call")
        elif op == "counter.recall" and ticket is not None:
            self._set_notice("recalled", "info", number=ticket.number)
        elif op == "counter.start" and ticket is not None:
            self._patch_state(state="serving", ticket=ticket)
        elif op in ("counter.finish", "counter.no_show", "counter.transfer", "counter.park"):
            if ticket is not None:
                self._last_finished_number = ticket.number
                if op == "counter.finish":
                    self._last_served = (ticket.id, self._clock())
                code = {
                    "counter.finish": "finished",
                    "counter.no_show": "no_show_done",
                    "counter.transfer": "transferred",
                    "counter.park": "parked",
                }[op]
                self._set_notice(code, "info", number=ticket.number)
            self._patch_state(state="open", ticket=None)
            if self.page == "transfer":
                self.page = "main"

    def _patch_state(self, *, state: str, ticket: TicketInfo | None) -> None:
        """Show a reply's outcome before the retained state confirms it."""
        if self.state is None:
            return
        if (self.state.ticket.id if self.state.ticket else None) == (ticket.id if ticket else None):
            if state == "called" and self.state.state in ("called", "serving"):
                return  # the state message was first and is at least as new
            if state == "open" and ticket is None:
                return
        self.state = self.state.model_copy(update={"state": state, "ticket": ticket})

    # ---- local refusals and signals ---------------------------------------------

    def _ignore(self, code: str, /, **params: Any) -> bool:
        """A press that was not acted on because of local state (busy, picker)."""
        self.lights.beep("busy")
        self._set_notice(code, "warning", **params)
        self._refresh()
        return False

    def _refuse_local(self, code: str, /, **params: Any) -> bool:
        self.lights.beep("busy")
        self._set_notice(code, "warning", **params)
        self._refresh()
        return False

    def _set_notice(self, code: str, level: str, /, **params: Any) -> None:
        self._notice = Notice(code, level, params)  # type: ignore[arg-type]
        self._notice_until = self._clock() + self.settings.notice_s

    # ---- feedback --------------------------------------------------------------

    def _feedback(self, score: str) -> bool:
        ticket = self._ticket()
        target = ticket.id if ticket is not None else None
        if target is None and self._last_served is not None:
            tid, at = self._last_served
            if self._clock() - at <= self.settings.feedback_window_s:
                target = tid
        if target is None:
            return self._refuse_local("no_customer_to_rate")
        if target in self._rated:
            return self._ignore("already_rated")
        self._rated.add(target)
        return self._submit(
            "feedback", [_Step("feedback.submit", {"score": score, "ticket": target})], slot="feedback"
        )

    # ---- transfer ----------------------------------------------------------------

    def transfer_targets(self) -> list[Target]:
        names = self._service_names()
        out = [
            Target("service", sid, names.get(sid, sid), f">{svc.prefix}")
            for sid, svc in sorted(self.services.items(), key=lambda kv: kv[1].prefix)
            if svc.enabled
        ]
        for number, cs in sorted(self.counters.items()):
            if number != self.counter:
                out.append(Target("counter", str(number), cs.name or str(number), f">{number}"))
        return out

    def _transfer_button(self, action: Action) -> bool:
        if not self.settings.headless:
            self.show_page("transfer")
            return True
        if self._ticket() is None:
            return self._refuse_local("no_customer")
        targets = self.transfer_targets()
        if not targets:
            return self._refuse_local("no_targets")
        now = self._clock()
        if self._picker is None:
            self._picker = _Picker(targets, 0, now + PICKER_TIMEOUT_S)
        elif action == Action.TRANSFER:
            self._picker.index = (self._picker.index + 1) % len(self._picker.targets)
            self._picker.until = now + PICKER_TIMEOUT_S
        else:
            target = self._picker.targets[self._picker.index]
            self._picker = None
            if target.kind == "service":
                return self.transfer(service=target.key)
            return self.transfer(counter=int(target.key))
        self._refresh()
        return True

    # ---- auto login (headless) ----------------------------------------------------

    def _maybe_auto_login(self) -> None:
        creds = self.settings.auto_login
        if creds is None or self.state is None or self.state.clerk is not None or not self.online:
            return
        now = self._clock()
        if now - self._auto_login_at < AUTO_LOGIN_RETRY_S or "counter" in self._pending:
            return
        self._auto_login_at = now
        self.login(*creds)

    # ---- derived state -----------------------------------------------------------

    def _ticket(self) -> TicketInfo | None:
        return self.state.ticket if self.state is not None else None

    def _state_name(self) -> str:
        return self.state.state if self.state is not None else "closed"

    def _service_names(self) -> dict[str, str]:
        lang = self.settings.lang
        return {
            sid: svc.names.get(lang) or svc.names.get("hu") or next(iter(svc.names.values()), sid)
            for sid, svc in self.services.items()
        }

    def _ticket_view(self, t: TicketInfo, names: dict[str, str]) -> TicketView:
        return TicketView(
            id=t.id,
            number=t.number,
            services=tuple(names.get(s, s) for s in t.services),
            note=t.note,
            priority=t.priority,
            issued_at=t.issued_at,
            called_at=t.called_at,
        )

    def led_modes(self) -> dict[str, LedMode]:
        """What each status LED shows now (the table in docs/hardware/counter-terminal.md)."""
        state = self._state_name()
        pending = "counter" in self._pending
        modes: dict[str, LedMode] = {
            "ready": "blink_fast" if pending else ("on" if state == "open" else "off"),
            "serving": {"called": "blink", "serving": "on"}.get(state, "off"),  # type: ignore[dict-item]
            "paused": {"paused": "on", "closed": "heartbeat"}.get(state, "off"),  # type: ignore[dict-item]
            "offline": "blink_fast" if self._refused_until else ("on" if not self.online else "off"),
        }
        return modes

    def display_text(self) -> str:
        """What the LED number display above the desk shows now."""
        if self._picker is not None:
            return self._picker.targets[self._picker.index].short
        state = self._state_name()
        ticket = self._ticket()
        if ticket is not None:
            return ticket.number
        if state == "paused":
            return self.settings.paused_text or PAUSED_TEXT.get(self.settings.lang, "CLOSED")
        return ""

    def _enabled(self) -> frozenset[str]:
        state = self._state_name()
        has = self._ticket() is not None
        out = set()
        if state != "closed":
            out |= {Action.FINISH_AND_NEXT, "logout"}
            if not has:
                out |= {Action.NEXT, "pause", "background"}
            if has:
                out |= {Action.RECALL, Action.DONE, Action.TRANSFER, Action.PARK}
                if state == "called":
                    out |= {Action.START, Action.NO_SHOW}
        if self.clerk is not None and self.clerk.may_edit_profile:
            out.add("profile")
        if self._pending.get("counter"):
            out = {a for a in out if a in ("profile",)}
        return frozenset(str(a) for a in out)

    def _build_vm(self) -> ViewModel:
        cs = self.state
        names = self._service_names()
        now = self._clock()
        pending = self._pending.get("counter")
        waiting = ()
        profile: tuple[ProfileRow, ...] = ()
        if cs is not None:
            waiting = tuple(
                WaitingRow(sid, names.get(sid, sid), n) for sid, n in cs.waiting.items()
            )
        if self.clerk is not None:
            profile = tuple(
                ProfileRow(e.service, names.get(e.service, e.service), e.weight)
                for e in sort_profile(self.clerk.profile)
            )
        bg = cs.background if cs is not None else None
        return ViewModel(
            page=self.page,
            lang=self.settings.lang,
            online=self.online,
            now=self._wall(),
            counter=self.counter,
            counter_name=(cs.name if cs is not None else "") or "",
            state=self._state_name(),
            clerk_id=cs.clerk if cs is not None else None,
            clerk_name=(cs.clerk_name if cs is not None else None)
            or (self.clerk.name if self.clerk else None),
            ticket=self._ticket_view(cs.ticket, names) if cs is not None and cs.ticket else None,
            since=cs.since if cs is not None else 0.0,
            reason=cs.reason if cs is not None else "",
            background_kind=bg.kind if bg is not None else None,
            background_note=bg.note if bg is not None else "",
            background_since=bg.started_at if bg is not None else None,
            parked=tuple(self._ticket_view(t, names) for t in cs.parked) if cs is not None else (),
            waiting=waiting,
            pending=pending.action if pending is not None else None,
            pending_for_s=now - pending.started if pending is not None else 0.0,
            refused=bool(self._refused_until),
            notice=self._notice,
            alerts=tuple(AlertView(a.code, a.level, a.message) for a in self.alerts.values()),
            may_edit_profile=bool(self.clerk and self.clerk.may_edit_profile),
            profile=profile,
            transfer_targets=tuple(self.transfer_targets()),
            picker=self._picker.targets[self._picker.index] if self._picker is not None else None,
            clerks=self.settings.clerks,
            pause_reasons=self.settings.pause_reasons,
            background_kinds=self.settings.background_kinds,
            enabled=self._enabled(),
        )

    def _refresh(self) -> None:
        """Push the current state to the LEDs, the LED display and the screen."""
        self.lights.show(self.led_modes())
        self._update_display()
        self.vm = self._build_vm()
        for listener in list(self.listeners):
            try:
                listener(self.vm)
            except Exception:  # a view's bug must not stop the buttons
                log.exception("view update failed")

    def _update_display(self) -> None:
        if self.display is None:
            return
        text = self.display_text()
        if text == self._shown_text:
            return
        self.display.show(text)
        self._shown_text = text
        healthy = self.display.healthy
        if not healthy:
            self._display_retry_at = self._clock() + DISPLAY_RETRY_S
        if healthy != self._display_healthy:
            self._display_healthy = healthy
            if self._status is not None:
                self._status({"led_display": "ok" if healthy else "error"})


def replace_vm(vm: ViewModel, **changes: Any) -> ViewModel:
    """A copy of a view model with some fields changed (screenshots, tests)."""
    return replace(vm, **changes)
