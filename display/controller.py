"""The display's controller: bus messages in, a view model and announcements out. No Qt.

Inputs (paho's network thread; each hops to the UI thread through ``invoke``):

* ``event/call`` — a ticket called or recalled, live;
* retained ``state/calls`` (recent calls), ``state/queue``, ``state/services``,
  ``state/playlist`` — the catch-up after a (re)connect;
* ``device/hub/status`` and the broker connection — the offline mark.

A call may arrive twice (``event/call`` and then in ``state/calls``): it is the
same call when ticket and ``at`` match, and is shown and announced once. A
recall has a new ``at``, so it is announced again. A call is *fresh* — taken
full-screen and announced — when it is at most ``catchup_announce_s`` old; an
older one (queued in the broker while the display was away, or in the retained
list) only joins the recent calls. Ages use the hub's clock, estimated from the
``at`` of the messages themselves, so a display whose clock is off by minutes
still announces live calls.

Outputs: :class:`DisplayListener` (the Qt window, or a test double) and the
:class:`~display.audio.Announcer`.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from display.announcement import Announcement, build
from display.media import MediaCache, MediaSync
from display.model import CallView, DisplayState, QueueRow
from sorra.config.display import AudioSection, DisplaySection
from sorra.protocol.messages import (
    CallInfo,
    CallsState,
    PlaylistItem,
    PlaylistState,
    QueueState,
    ServicesState,
)
from sorra.protocol.names import HUB_STATUS

log = logging.getLogger(__name__)

__all__ = ["BusLike", "DisplayController", "DisplayListener"]

MAX_CALLS = 40  # kept in memory; the screen shows fewer
SEEN_KEYS = 2000


class DisplayListener(Protocol):
    def state_changed(self, state: DisplayState, changed: frozenset[str]) -> None:
        """``changed`` ⊆ {"calls", "queue", "office", "playlist", "online", "media"}."""

    def call_arrived(self, call: CallView) -> None:
        """A fresh call: take the screen, animate."""


class BusLike(Protocol):
    def subscribe_state(self, name: str, callback: Callable[[str, dict[str, Any] | None], None]) -> None: ...
    def subscribe_event(self, name: str, callback: Callable[[str, dict[str, Any] | None], None]) -> None: ...
    def subscribe_status(self, callback: Callable[[str, dict[str, Any] | None], None]) -> None: ...
    def on_connection(self, callback: Callable[[bool], None]) -> None: ...
    def publish_status(self, extra: dict[str, Any] | None = None) -> None: ...


class _HubClock:
    """Hub time ≈ local time + offset; the offset is the largest ``at − received`` seen lately.

    Every ``at`` was stamped by the hub before we received it, so each sample is
    a lower bound of the true offset; the latest live message gives a tight one.
    """

    def __init__(self, clock: Callable[[], float], window: int = 32) -> None:
        self._clock = clock
        self._samples: deque[float] = deque(maxlen=window)

    def observe(self, at: float | None) -> None:
        if isinstance(at, (int, float)) and at > 0:
            self._samples.append(float(at) - self._clock())

    def now(self) -> float:
        return self._clock() + (max(self._samples) if self._samples else 0.0)


def _direct(fn: Callable[[], None]) -> None:
    fn()


class DisplayController:
    def __init__(
        self,
        display: DisplaySection | None = None,
        audio: AudioSection | None = None,
        *,
        lang: str = "hu",
        announcer: Any | None = None,
        media: MediaCache | None = None,
        sync: MediaSync | None = None,
        invoke: Callable[[Callable[[], None]], None] = _direct,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.display = display or DisplaySection()
        self.audio = audio or AudioSection()
        self.announcer = announcer
        self.media = media
        self.sync = sync
        self.invoke = invoke
        self.state = DisplayState(lang=lang)
        self.listeners: list[DisplayListener] = []
        self._clock = clock
        self._hub_clock = _HubClock(clock)
        self._seen: OrderedDict[tuple[str, float], None] = OrderedDict()
        self._calls: list[CallView] = []  # newest first
        self._services: ServicesState | None = None
        self._queue: QueueState | None = None
        self._broker_up = False
        self._hub_up: bool | None = None
        self._bus: BusLike | None = None
        self.announced = 0
        self._playlist_ticker: list[str] = []
        self._tz: tzinfo | None = None
        if media is not None:
            restored = media.load_playlist()
            if restored is not None:
                self._apply_playlist(restored)

    # ---- wiring -----------------------------------------------------------------------

    def add_listener(self, listener: DisplayListener) -> None:
        self.listeners.append(listener)

    def attach(self, bus: BusLike) -> None:
        """Subscribe to everything the screen needs (before ``bus.start()``)."""
        self._bus = bus
        bus.on_connection(self.on_connection)
        bus.subscribe_event("call", self.on_call_event)
        bus.subscribe_state("calls", self.on_calls_state)
        bus.subscribe_state("queue", self.on_queue_state)
        bus.subscribe_state("services", self.on_services_state)
        bus.subscribe_state("playlist", self.on_playlist_state)
        bus.subscribe_status(self.on_status)

    def media_ready(self, item_id: str) -> None:
        """From :class:`MediaSync` (its thread): an item's file has arrived."""
        self.invoke(lambda: self._notify({"media"}))

    def media_path(self, item: PlaylistItem) -> str | None:
        if self.media is None:
            return None
        p = self.media.path_for(item)
        return str(p) if p is not None and p.is_file() else None

    def now(self) -> datetime:
        """The office's local time (its time zone from the hub; a fresh Pi may run on UTC)."""
        return datetime.now(self._tz) if self._tz is not None else datetime.now()

    def logo_path(self) -> str | None:
        if self.display.logo:
            return self.display.logo
        if self.media is None or not self.state.logo_url:
            return None
        p = self.media.url_path(self.state.logo_url)
        return str(p) if p.is_file() else None

    # ---- bus callbacks (network thread) ------------------------------------------------

    def on_connection(self, online: bool) -> None:
        self.invoke(lambda: self._set_online(broker=online))

    def on_status(self, suffix: str, payload: dict[str, Any] | None) -> None:
        if suffix != HUB_STATUS:
            return
        up = bool(payload and payload.get("online"))
        self.invoke(lambda: self._set_online(hub=up))

    def on_call_event(self, suffix: str, payload: dict[str, Any] | None) -> None:
        call = _parse(CallInfo, payload, suffix)
        if call is not None:
            self.invoke(lambda: self._on_call(CallView.from_info(call)))

    def on_calls_state(self, suffix: str, payload: dict[str, Any] | None) -> None:
        state = _parse(CallsState, payload, suffix)
        if state is not None:
            calls = [CallView.from_info(c) for c in state.calls]
            self.invoke(lambda: self._on_calls(calls, state.at))

    def on_queue_state(self, suffix: str, payload: dict[str, Any] | None) -> None:
        state = _parse(QueueState, payload, suffix)
        if state is not None:
            self.invoke(lambda: self._on_queue(state))

    def on_services_state(self, suffix: str, payload: dict[str, Any] | None) -> None:
        state = _parse(ServicesState, payload, suffix)
        if state is not None:
            self.invoke(lambda: self._on_services(state))

    def on_playlist_state(self, suffix: str, payload: dict[str, Any] | None) -> None:
        if payload is None:  # retained playlist cleared
            state = PlaylistState(items=[], at=time.time())
        else:
            state = _parse(PlaylistState, payload, suffix)
        if state is not None:
            self.invoke(lambda: self._on_playlist(state, payload))

    # ---- the model (UI thread) ---------------------------------------------------------

    def _wanted(self, call: CallView) -> bool:
        if self.display.counters and call.counter not in self.display.counters:
            return False
        return not (self.display.services and call.services
                    and not set(call.services) & set(self.display.services))

    def _remember(self, call: CallView) -> bool:
        """True the first time this call is seen."""
        if call.key in self._seen:
            return False
        self._seen[call.key] = None
        while len(self._seen) > SEEN_KEYS:
            self._seen.popitem(last=False)
        return True

    def _fresh(self, call: CallView) -> bool:
        """Young enough to call out, by the local clock or by the hub's (whichever is kinder)."""
        window = self.display.catchup_announce_s
        return (self._clock() - call.at <= window) or (self._hub_clock.now() - call.at <= window)

    def _on_call(self, call: CallView) -> None:
        fresh = self._fresh(call)  # judged before this call's own time teaches the hub clock
        self._hub_clock.observe(call.at)
        if not self._wanted(call) or not self._remember(call):
            return
        self._calls = sorted([call, *self._calls], key=lambda c: c.at, reverse=True)[:MAX_CALLS]
        self._publish_calls()
        if self._calls[0] is call and fresh:
            self._take_screen(call)

    def _on_calls(self, calls: list[CallView], at: float) -> None:
        wanted = [c for c in calls if self._wanted(c)]
        new = [c for c in wanted if self._remember(c)]
        # the hub's list is the truth (a new day empties it); keep only live calls newer than it
        keep = [c for c in self._calls if c.at > at]
        merged = {c.key: c for c in [*wanted, *keep]}
        self._calls = sorted(merged.values(), key=lambda c: c.at, reverse=True)[:MAX_CALLS]
        self._publish_calls()
        if new and self._calls and self._calls[0] in new and self._fresh(self._calls[0]):
            self._take_screen(self._calls[0])  # missed while offline, still worth calling out
        self._hub_clock.observe(at)

    def _take_screen(self, call: CallView) -> None:
        self._announce(call)  # first: the sound has the longer way to go
        for listener in self.listeners:
            try:
                listener.call_arrived(call)
            except Exception:
                log.exception("display listener failed")

    def _announce(self, call: CallView) -> None:
        if self.announcer is None or self.audio.mode == "silent":
            return
        self.announcer.announce(self.announcement_for(call))
        self.announced += 1

    def announcement_for(self, call: CallView) -> Announcement:
        if self.audio.lang == "ticket":
            lang = call.lang if call.lang in ("hu", "en") else self.state.lang
        else:
            lang = self.audio.lang
        word = self.audio.counter_word_hu if lang == "hu" else self.audio.counter_word_en
        return build(call.number, call.counter, lang, recall=call.recall, counter_word=word)

    def _publish_calls(self) -> None:
        # a ticket is listed once, at its latest call (a recall or a transfer moves it up)
        shown: list[CallView] = []
        tickets: set[str] = set()
        for c in self._calls:
            if c.ticket not in tickets:
                tickets.add(c.ticket)
                shown.append(c)
            if len(shown) > self.display.recent_calls:
                break
        self.state.current = shown[0] if shown else None
        self.state.recent = shown[1:]
        self._notify({"calls"})

    def _on_queue(self, q: QueueState) -> None:
        self._hub_clock.observe(q.at)
        self._queue = q
        self._rebuild_queue()
        self._notify({"queue"})

    def _on_services(self, s: ServicesState) -> None:
        self._hub_clock.observe(s.at)
        self._services = s
        office = s.office or {}
        names = office.get("name") or {}
        if isinstance(names, dict):
            self.state.office_name = str(names.get(self.state.lang) or next(iter(names.values()), ""))
        elif isinstance(names, str):
            self.state.office_name = names
        message = office.get("message") or ""
        if isinstance(message, dict):
            message = message.get(self.state.lang) or next(iter(message.values()), "")
        self.state.office_message = str(message)
        tz = office.get("tz")
        if isinstance(tz, str) and tz and (self._tz is None or str(self._tz) != tz):
            try:
                self._tz = ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                log.warning("unknown office time zone %r; using the system's", tz)
        logo = office.get("logo") or ""
        changed_logo = logo != self.state.logo_url
        self.state.logo_url = str(logo)
        if changed_logo and self.sync is not None:
            self.sync.update(self.state.playlist, extra_urls=[self.state.logo_url])
        self._rebuild_queue()
        self._rebuild_ticker()
        self._notify({"office", "queue", "playlist"})

    def _rebuild_queue(self) -> None:
        services = self._services.services if self._services else []
        entries = self._queue.services if self._queue else {}
        wanted = set(self.display.services)
        rows = []
        order = [s.id for s in services if s.enabled] or list(entries)
        info = {s.id: s for s in services}
        for sid in order:
            if wanted and sid not in wanted:
                continue
            svc = info.get(sid)
            entry = entries.get(sid)
            name = sid
            if svc is not None:
                name = svc.names.get(self.state.lang) or next(iter(svc.names.values()), sid)
            rows.append(QueueRow(
                service=sid,
                name=name,
                waiting=entry.waiting if entry else 0,
                est_wait_s=entry.est_wait_s if entry else 0,
                open=svc.open if svc is not None else True,
            ))
        self.state.queue = rows
        self.state.waiting_total = sum(r.waiting for r in rows)

    def _on_playlist(self, p: PlaylistState, raw: dict[str, Any] | None) -> None:
        self._apply_playlist(p)
        if self.media is not None:
            try:  # kept for a restart with the hub away (an emptied playlist too)
                self.media.save_playlist(raw if raw is not None else p.model_dump())
            except OSError as err:
                log.warning("cannot save the playlist for offline use: %s", err)
        self._notify({"playlist"})

    def _apply_playlist(self, p: PlaylistState) -> None:
        self.state.playlist = list(p.items)
        self.state.playlist_version = p.version
        self._playlist_ticker = list(p.ticker)
        self._rebuild_ticker()
        if self.sync is not None:
            self.sync.update(self.state.playlist, extra_urls=[self.state.logo_url])

    def _rebuild_ticker(self) -> None:
        items = list(self._playlist_ticker)
        if self.state.office_message:
            items.insert(0, self.state.office_message)
        self.state.ticker = items

    def _set_online(self, *, broker: bool | None = None, hub: bool | None = None) -> None:
        if broker is not None:
            self._broker_up = broker
            if not broker:
                self._hub_up = None  # unknown until the retained status arrives again
        if hub is not None:
            self._hub_up = hub
        online = self._broker_up and self._hub_up is not False
        if online and self.sync is not None:
            self.sync.retry_now()
        if online != self.state.online:
            self.state.online = online
            self.state.ever_online = self.state.ever_online or online
            log.info("display is %s", "online" if online else "OFFLINE (showing the last state)")
            self._notify({"online"})

    def _notify(self, changed: set[str]) -> None:
        frozen = frozenset(changed)
        for listener in self.listeners:
            try:
                listener.state_changed(self.state, frozen)
            except Exception:  # a view bug must not stop the calls
                log.exception("display listener failed")


def _parse(model: type, payload: dict[str, Any] | None, suffix: str) -> Any:
    if payload is None:
        return None
    try:
        return model.model_validate(payload)
    except ValidationError as err:
        log.warning("ignoring a malformed %s: %s", suffix, err.errors()[:2])
        return None
