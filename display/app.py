"""``sorra display``: wires config, bus, controller, media sync, announcer and the window.

The screen comes up first, with whatever was cached (the last playlist, the
office logo) and the offline mark; the hub is found and connected in the
background, so a display with no network still shows something useful and
never a blank or frozen screen.

Start-up (in that background thread, :func:`find_hub`): a display whose
``[hub].username`` is empty pairs first and shows the code full screen
(:class:`display.views.startup.StartupOverlay`); then the hub is found (mDNS,
or ``[hub].host``) and must prove the key the display paired with, or it is
refused on screen. Credentials set by hand with no pinned key (the demo,
tests) connect to ``[hub].host`` as they are.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from functools import partial
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QWidget

from display.audio import announcer_from_config
from display.controller import DisplayController
from display.media import MediaCache, MediaSync
from display.sizing import parse_resolution
from display.views.startup import StartupOverlay
from display.views.window import DisplayWindow
from sorra import discovery, pairing, startup
from sorra.bus import BusClient
from sorra.config import DeviceConfig
from sorra.startup import FROM_CONFIG, OnGui, SetupError, StartupView, uses_fixed_address  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

ROLE = "display"


bus_settings = partial(startup.bus_settings, role=ROLE)
"""How this device logs in to the broker (see :func:`sorra.startup.bus_settings`)."""


def find_hub(config: DeviceConfig, config_path: str | Path | None, view: StartupView, stop: threading.Event,
             **kwargs: Any) -> tuple[DeviceConfig, str, int]:
    """Pair if needed, find the hub and prove its key: the (new) config and where the hub is."""
    kwargs.setdefault("first_delay_s", 2.0)
    config, host, port = startup.locate_hub(config, config_path, view, stop, **kwargs)
    return config, host or config.hub.host, port or config.hub.mqtt_port


start_advertising = partial(startup.start_advertising, role=ROLE)
"""Announce this device on mDNS (see :func:`sorra.startup.start_advertising`)."""


__all__ = ["DisplayApp", "bus_settings", "find_hub", "open_cache", "run"]



def open_cache(path: str) -> MediaCache:
    """The configured media cache, or one in the user's cache dir if that is not writable."""
    try:
        return MediaCache(path)
    except OSError as err:
        fallback = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sorra" / "media"
        log.warning("media cache %s is not usable (%s); using %s", path, err, fallback)
        return MediaCache(fallback)


# ---- start-up: pairing and finding the hub ------------------------------------------------


class DisplayApp:
    """Everything of one running display; ``start()`` after the QApplication exists."""

    def __init__(self, config: DeviceConfig, *, config_path: str | Path | None = None,
                 interfaces: Any = FROM_CONFIG, resolve_timeout_s: float = 6.0, settle_s: float = 1.0,
                 **bus_options: Any) -> None:
        """``config_path``: where pairing writes the credentials; ``bus_options``: extra
        :class:`BusSettings` fields (tests shorten the reconnect delay); the others are for tests."""
        from sorra.qt import main_thread_invoker

        self.config = config
        self.config_path = config_path
        self.interfaces = discovery.device_interfaces(config) if interfaces is FROM_CONFIG else interfaces
        self.resolve_timeout_s, self.settle_s = resolve_timeout_s, settle_s
        self.bus_options = bus_options
        self.invoke = main_thread_invoker()
        self.cache = open_cache(config.display.media_cache)
        self.announcer = announcer_from_config(config.audio)
        self.controller = DisplayController(
            config.display, config.audio, lang=config.device.lang, announcer=self.announcer,
            media=self.cache, invoke=self.invoke,
        )
        self.announcer.now_fn = self.controller.now  # quiet hours in the office's time
        self.announcer.start()
        self.sync = MediaSync(self.cache, on_ready=self.controller.media_ready,
                              on_status=self._media_status)
        self.controller.sync = self.sync
        self.window = DisplayWindow(self.controller, lang=config.device.lang)
        self.startup = StartupOverlay(self.window, config.device.lang)
        self.bus: BusClient | None = None
        self.advertiser: Any = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._missing = 0

    def start(self) -> None:
        threading.Thread(target=self._verify_cache, name="media-verify", daemon=True).start()
        self.sync.start()
        # the cached playlist plays at once; the sync also fetches anything missing
        self.sync.update(self.controller.state.playlist, extra_urls=None)
        self.advertiser = start_advertising(self.config, self.interfaces)
        if not uses_fixed_address(self.config) and not self.config.hub.username:
            self.startup.show_searching()  # a new display: nothing cached to show, it pairs first
        threading.Thread(target=self._connect, name="hub-connect", daemon=True).start()

    def _verify_cache(self) -> None:
        bad = self.cache.verify()
        if bad:
            self.sync.retry_now()

    def _media_status(self, missing: int) -> None:
        self._missing = missing
        if self.bus is not None:
            self.bus.publish_status({"media_missing": missing})

    def _connect(self) -> None:
        host, port = self.config.hub.host, self.config.hub.mqtt_port
        if uses_fixed_address(self.config):
            if not self.config.device.id or not host:
                log.error("[device] id or [hub] host is empty: pair this display with the hub (sorra setup); "
                          "showing cached content")
                return
        else:
            try:
                self.config, host, port = find_hub(
                    self.config, self.config_path, OnGui(self.startup, self.invoke), self._stop,
                    interfaces=self.interfaces, advertiser=self.advertiser,
                    resolve_timeout_s=self.resolve_timeout_s, settle_s=self.settle_s)
            except pairing.PairingCancelled:
                return
            self.invoke(self.startup.done)
        bus = BusClient(bus_settings(self.config, host, port, **self.bus_options))
        self.controller.attach(bus)
        w, h = parse_resolution(self.config.display.resolution)
        bus.publish_status({"screen": f"{w}x{h}", "audio": self.announcer.player.name,
                            "media_missing": self._missing})
        with self._lock:  # stop() may run meanwhile: start the client only if it has not
            if self._stop.is_set():
                return
            bus.start()
            self.bus = bus
        log.info("display %s connecting to the hub at %s:%s", self.config.device.id, host, port)

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            bus = self.bus
        if bus is not None:
            bus.stop()
        if self.advertiser is not None:
            self.advertiser.stop()
        self.sync.stop()
        self.announcer.stop()


def run(config: DeviceConfig, windowed: bool = False, config_path: str | Path | None = None,
        interfaces: Any = FROM_CONFIG) -> int:
    app = QApplication.instance() or QApplication(["sorra-display"])
    display = DisplayApp(config, config_path=config_path, interfaces=interfaces)
    win = display.window
    if config_path is not None:
        _install_setup_gesture(win, config_path, app)
    w, h = parse_resolution(config.display.resolution)
    if config.display.fullscreen and not windowed:
        win.setCursor(Qt.CursorShape.BlankCursor)
        win.showFullScreen()
    else:
        win.resize(w, h)
        win.show()
    display.start()

    # SIGTERM from systemd: quit the event loop cleanly (Python handles signals between Qt events)
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    pump = QTimer()
    pump.timeout.connect(lambda: None)
    pump.start(250)

    watchdog = _systemd_ready()
    code = app.exec()
    _systemd_stopping(watchdog)
    display.stop()
    # the window goes now, on this thread, while the QApplication exists (not in PyQt's exit clean-up)
    from PyQt6 import sip

    win.close()
    sip.delete(win)
    return int(code)


def _install_setup_gesture(window: QWidget, config_path: str | Path, app: Any) -> None:
    """Ctrl+Alt+S (or five taps top left) opens the setup menu; a saved change restarts the display
    once the menu closes (systemd starts it again with the new configuration)."""
    from sorra.setup.gesture import install_setup_gesture

    state: dict[str, Any] = {"restart": False}

    def restart() -> None:
        log.info("the setup menu changed this device's configuration: restarting the display")
        app.quit()

    def changed(_cfg: Any) -> None:
        setup = state["gesture"].opened.get("window")
        if setup is not None and not state["restart"]:
            state["restart"] = True
            setup.closed.connect(restart)

    state["gesture"] = install_setup_gesture(window, config_path, on_changed=changed)


def _systemd_ready() -> Any:
    try:
        from sorra import sdnotify
    except ImportError:  # pragma: no cover
        return None
    heartbeat = sdnotify.Heartbeat(max_age_s=10)
    timer = QTimer(QApplication.instance())
    timer.timeout.connect(heartbeat.beat)  # beats only while the GUI loop turns
    timer.start(1000)
    heartbeat.beat()
    sdnotify.ready("display up")
    return sdnotify.start_watchdog(heartbeat.alive)


def _systemd_stopping(watchdog: Any) -> None:
    try:
        from sorra import sdnotify
    except ImportError:  # pragma: no cover
        return
    sdnotify.stopping("display stopping")
    if watchdog is not None:
        watchdog.stop()
