"""``sorra display``: wires config, bus, controller, media sync, announcer and the window.

The screen comes up first, with whatever was cached (the last playlist, the
office logo) and the offline mark; the hub is found and connected in the
background, so a display with no network still shows something useful and
never a blank or frozen screen.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication

from display.audio import announcer_from_config
from display.controller import DisplayController
from display.media import MediaCache, MediaSync
from display.sizing import parse_resolution
from display.views.window import DisplayWindow
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig

log = logging.getLogger(__name__)

__all__ = ["run", "bus_settings", "open_cache"]


def bus_settings(config: DeviceConfig, host: str | None = None, port: int | None = None,
                 **options: Any) -> BusSettings:
    return BusSettings(
        host=host or config.hub.host,
        port=port or config.hub.mqtt_port,
        username=config.hub.username or config.device.id,
        password=config.hub.password.get_secret_value(),
        site=config.device.site,
        device=config.device.id,
        role="display",
        tls=config.hub.tls,
        **options,
    )


def open_cache(path: str) -> MediaCache:
    """The configured media cache, or one in the user's cache dir if that is not writable."""
    try:
        return MediaCache(path)
    except OSError as err:
        fallback = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sorra" / "media"
        log.warning("media cache %s is not usable (%s); using %s", path, err, fallback)
        return MediaCache(fallback)


class DisplayApp:
    """Everything of one running display; ``start()`` after the QApplication exists."""

    def __init__(self, config: DeviceConfig, **bus_options: Any) -> None:
        """``bus_options``: extra :class:`BusSettings` fields (tests shorten the reconnect delay)."""
        from sorra.qt import main_thread_invoker

        self.config = config
        self.bus_options = bus_options
        self.cache = open_cache(config.display.media_cache)
        self.announcer = announcer_from_config(config.audio)
        self.controller = DisplayController(
            config.display, config.audio, lang=config.device.lang, announcer=self.announcer,
            media=self.cache, invoke=main_thread_invoker(),
        )
        self.announcer.now_fn = self.controller.now  # quiet hours in the office's time
        self.announcer.start()
        self.sync = MediaSync(self.cache, on_ready=self.controller.media_ready,
                              on_status=self._media_status)
        self.controller.sync = self.sync
        self.window = DisplayWindow(self.controller, lang=config.device.lang)
        self.bus: BusClient | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._missing = 0

    def start(self) -> None:
        threading.Thread(target=self._verify_cache, name="media-verify", daemon=True).start()
        self.sync.start()
        # the cached playlist plays at once; the sync also fetches anything missing
        self.sync.update(self.controller.state.playlist, extra_urls=None)
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
        if not self.config.device.id:
            log.error("[device] id is empty: pair this display with the hub (sorra setup); showing cached content")
            return
        if not host:
            host, port = self._discover()
            if not host:
                return
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

    def _discover(self) -> tuple[str, int]:
        from sorra import discovery

        delay = 2.0
        while not self._stop.is_set():
            try:
                return discovery.resolve_hub(self.config)
            except discovery.NotPaired as err:
                log.error("%s; showing cached content", err)
                return "", 0
            except discovery.DiscoveryError as err:
                log.warning("hub not found yet: %s", err)
            self._stop.wait(delay)
            delay = min(30.0, delay * 2)
        return "", 0

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            bus = self.bus
        if bus is not None:
            bus.stop()
        self.sync.stop()
        self.announcer.stop()


def run(config: DeviceConfig, windowed: bool = False) -> int:
    app = QApplication.instance() or QApplication(["sorra-display"])
    display = DisplayApp(config)
    win = display.window
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
    return int(code)


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
