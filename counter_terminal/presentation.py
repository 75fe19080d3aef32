"""What the terminal shows: status LEDs, the LED number display, the clerk screen's view model.

Pure functions of the controller's knowledge (the tables in
docs/hardware/counter-terminal.md and serial-display.md), plus
:class:`Outputs`, which pushes their results to the hardware and the screen.
No Qt and no GPIO here: the adapters are passed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from counter_terminal.actions import Action
from counter_terminal.hardware.lights import LedMode, StatusLights
from counter_terminal.hardware.number_display import NumberDisplay
from counter_terminal.profile import sort_profile
from counter_terminal.viewmodel import (
    AlertView,
    BacklogView,
    Notice,
    OutcomeView,
    Page,
    ProfileRow,
    Target,
    TicketView,
    ViewModel,
    WaitingRow,
)
from sorra.naming import counter_label
from sorra.protocol.messages import (
    AlertEvent,
    ClerkInfo,
    CounterState,
    OutcomeInfo,
    ServiceInfo,
    TicketInfo,
)

log = logging.getLogger(__name__)

PAUSED_TEXT = {"hu": "ZARVA", "en": "CLOSED"}
DISPLAY_RETRY_S = 5.0


def led_modes(state: str, *, sending: bool, refused: bool, online: bool) -> dict[str, LedMode]:
    """What each status LED shows (``state`` is the counter's state, "closed" if unknown)."""
    serving: dict[str, LedMode] = {"called": "blink", "serving": "on"}
    paused: dict[str, LedMode] = {"paused": "on", "closed": "heartbeat"}
    return {
        "ready": "blink_fast" if sending else ("on" if state == "open" else "off"),
        "serving": serving.get(state, "off"),
        "paused": paused.get(state, "off"),
        "offline": "blink_fast" if refused else ("on" if not online else "off"),
    }


def display_text(state: str, ticket: TicketInfo | None, *, picker: Target | None,
                 paused_text: str, lang: str) -> str:
    """What the LED number display above the desk shows."""
    if picker is not None:
        return picker.short
    if ticket is not None:
        return ticket.number
    if state == "paused":
        return paused_text or PAUSED_TEXT.get(lang, "CLOSED")
    return ""


def enabled_actions(state: str, *, has_customer: bool, may_edit_profile: bool,
                    sending: bool, next_finishes: bool = False) -> frozenset[str]:
    """Screen buttons that make sense now (the rest are greyed out)."""
    out: set[str] = set()
    if state != "closed":
        out |= {Action.FINISH_AND_NEXT, "logout"}
        if not has_customer:
            out |= {Action.NEXT, "pause", "background", "no_shows"}
        else:
            out |= {Action.RECALL, Action.DONE, Action.TRANSFER, Action.PARK}
            if next_finishes:
                out.add(Action.NEXT)
            if state == "called":
                out |= {Action.START, Action.NO_SHOW}
    if sending:  # one press at a time
        out = set()
    if may_edit_profile:
        out.add("profile")
    return frozenset(str(a) for a in out)


def service_names(services: Mapping[str, ServiceInfo], lang: str) -> dict[str, str]:
    return {
        sid: svc.names.get(lang) or svc.names.get("hu") or next(iter(svc.names.values()), sid)
        for sid, svc in services.items()
    }


def counter_title(number: int, name: str | None, lang: str) -> str:
    """The counter as the web and the display name it (the hub sends the bare number when it has no name)."""
    return counter_label(number, "" if name == str(number) else name, lang)


def transfer_targets(services: Mapping[str, ServiceInfo], counters: Mapping[int, CounterState],
                     own: int, lang: str) -> list[Target]:
    """Services (by prefix), then the other counters."""
    names = service_names(services, lang)
    out = [
        Target("service", sid, names.get(sid, sid), f">{svc.prefix}")
        for sid, svc in sorted(services.items(), key=lambda kv: kv[1].prefix)
        if svc.enabled
    ]
    for number, cs in sorted(counters.items()):
        if number != own:
            out.append(Target("counter", str(number), counter_title(number, cs.name, lang), f">{number}"))
    return out


def ticket_view(t: TicketInfo, names: Mapping[str, str]) -> TicketView:
    counts = {s: t.services.count(s) for s in t.services}  # a service listed n times: n cases
    return TicketView(
        id=t.id,
        number=t.number,
        services=tuple(names.get(s, s) + (f" ×{n}" if n > 1 else "") for s, n in counts.items()),
        people=t.people,
        note=t.note,
        priority=t.priority,
        issued_at=t.issued_at,
        called_at=t.called_at,
    )


@dataclass(frozen=True)
class ScreenOptions:
    """What the configuration offers on the screen."""

    clerks: tuple[str, ...] = ()
    pause_reasons: tuple[str, ...] = ()
    background_kinds: tuple[str, ...] = ()
    clerk_names: tuple[tuple[str, str], ...] = ()
    """(id, name) of the office's clerks, from the hub (``clerk.roster``)."""
    outcomes: tuple[OutcomeInfo, ...] = ()
    """The office's outcome codes (``state/services``)."""
    next_finishes: bool = False


def name_in(names: Mapping[str, str], lang: str, default: str) -> str:
    return names.get(lang) or names.get("hu") or next(iter(names.values()), default)


def view_model(
    *,
    page: Page,
    lang: str,
    online: bool,
    now: float,
    counter: int,
    cs: CounterState | None,
    clerk: ClerkInfo | None,
    services: Mapping[str, ServiceInfo],
    counters: Mapping[int, CounterState],
    alerts: Iterable[AlertEvent],
    pending: str | None,
    pending_for_s: float,
    refused: bool,
    notice: Notice | None,
    picker: Target | None,
    options: ScreenOptions,
) -> ViewModel:
    """The clerk screen's view model (``cs`` is this counter's retained state, if known)."""
    names = service_names(services, lang)
    state = cs.state if cs is not None else "closed"
    ticket = cs.ticket if cs is not None else None
    may_edit = bool(clerk and clerk.may_edit_profile)
    bg = cs.background if cs is not None else None
    return ViewModel(
        page=page,
        lang=lang,
        online=online,
        now=now,
        counter=counter,
        counter_name=counter_title(counter, cs.name if cs is not None else "", lang) if counter else "",
        state=state,
        clerk_id=cs.clerk if cs is not None else None,
        clerk_name=(cs.clerk_name if cs is not None else None) or (clerk.name if clerk else None),
        ticket=ticket_view(ticket, names) if ticket is not None else None,
        since=cs.since if cs is not None else 0.0,
        reason=cs.reason if cs is not None else "",
        background_kind=bg.kind if bg is not None else None,
        background_note=bg.note if bg is not None else "",
        background_since=bg.started_at if bg is not None else None,
        parked=tuple(ticket_view(t, names) for t in cs.parked) if cs is not None else (),
        waiting=tuple(WaitingRow(sid, names.get(sid, sid), n) for sid, n in cs.waiting.items())
        if cs is not None else (),
        pending=pending,
        pending_for_s=pending_for_s,
        refused=refused,
        notice=notice,
        alerts=tuple(AlertView(a.code, a.level, a.message, a.source) for a in alerts),
        may_edit_profile=may_edit,
        profile=tuple(
            ProfileRow(e.service, names.get(e.service, e.service), e.weight)
            for e in sort_profile(clerk.profile)
        ) if clerk is not None else (),
        transfer_targets=tuple(transfer_targets(services, counters, counter, lang)),
        picker=picker,
        clerks=options.clerks,
        clerk_names=options.clerk_names,
        pause_reasons=options.pause_reasons,
        background_kinds=options.background_kinds,
        enabled=enabled_actions(state, has_customer=ticket is not None, may_edit_profile=may_edit,
                                sending=pending is not None, next_finishes=options.next_finishes),
        no_shows=tuple(ticket_view(t, names) for t in cs.no_shows) if cs is not None else (),
        outcomes=tuple(OutcomeView(o.code, name_in(o.names, lang, o.code), o.resolved) for o in options.outcomes),
        next_finishes=options.next_finishes,
        backlog=tuple(BacklogView(b.id, b.kind, b.note, b.recorded_at) for b in cs.backlog) if cs is not None else (),
    )


class Outputs:
    """Pushes what the terminal shows to the LEDs, the LED display and the screen's listeners.

    The LED display is written only when its text changes; when a write fails
    (cable pulled, port gone) it is tried again every ``DISPLAY_RETRY_S``, and
    the display's health goes to ``status`` (the device's retained status).
    """

    def __init__(self, lights: StatusLights, display: NumberDisplay | None,
                 clock: Callable[[], float],
                 status: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.lights = lights
        self.display = display
        self.listeners: list[Callable[[ViewModel], None]] = []
        self.status = status
        self._clock = clock
        self._shown_text: str | None = None
        self._display_healthy: bool | None = None
        self._display_retry_at = 0.0

    def show(self, modes: Mapping[str, LedMode], text: str, vm: ViewModel) -> None:
        self.lights.show(modes)
        self._write_display(text)
        for listener in list(self.listeners):
            try:
                listener(vm)
            except Exception:  # a view's bug must not stop the buttons
                log.exception("view update failed")

    def display_retry_due(self) -> bool:
        """The last display write failed and it is time to try again."""
        if self.display is None or self._display_healthy is not False:
            return False
        if self._clock() < self._display_retry_at:
            return False
        self._shown_text = None  # write again on the next show()
        return True

    def _write_display(self, text: str) -> None:
        if self.display is None or text == self._shown_text:
            return
        self.display.show(text)
        self._shown_text = text
        healthy = self.display.healthy
        if not healthy:
            self._display_retry_at = self._clock() + DISPLAY_RETRY_S
        if healthy != self._display_healthy:
            self._display_healthy = healthy
            if self.status is not None:
                self.status({"led_display": "ok" if healthy else "error"})
