"""``sorra display``: wires config, bus, controller, media sync, announcer and the window.

The screen comes up first, with whatever was cached (the last playlist, the
office logo) and the offline mark; the hub is found and connected in the
background, so a display with no network still shows something useful and
never a blank or frozen screen.

Start-up (the shared :class:`sorra.runner.DeviceRunner`): a display whose
``[hub].username`` is empty pairs first and shows the code full screen
(:class:`display.views.startup.StartupOverlay`); then the hub is found (mDNS,
or ``[hub].host``) and must prove the key the display paired with, or it is
refused on screen. Credentials set by hand with no pinned key (the demo,
tests) connect to ``[hub].host`` as they are.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt

from display.audio import announcer_from_config
from display.controller import DisplayController
from display.media import MediaCache, MediaSync
from display.selftest import audio_test  # noqa: F401 (registers the setup menu's audio test)
from display.sizing import parse_resolution
from display.views.startup import StartupOverlay
from display.views.window import DisplayWindow
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig
from sorra.qt.runner import SetupGestures, delete_widgets, run_screen
from sorra.runner import DeviceRunner, Role
from sorra.startup import FROM_CONFIG, OnGui, SetupError

log = logging.getLogger(__name__)

ROLE = Role("display", "display")

__all__ = ["ROLE", "DisplayApp", "DisplayScreen", "open_cache", "run"]


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
        self.runner = DeviceRunner(ROLE, config, config_path, view=OnGui(self.startup, self.invoke),
                                   launch=self._connect, invoke=self.invoke, interfaces=interfaces,
                                   resolve_timeout_s=resolve_timeout_s, settle_s=settle_s, first_delay_s=2.0,
                                   bus_options=bus_options)
        self._missing = 0

    @property
    def config(self) -> DeviceConfig:
        return self.runner.cfg

    @property
    def bus(self) -> BusClient | None:
        return self.runner.app

    def start(self) -> None:
        """Cached content at once; the hub is found (or paired with) in the background."""
        threading.Thread(target=self._verify_cache, name="media-verify", daemon=True).start()
        self.sync.start()
        # the cached playlist plays at once; the sync also fetches anything missing
        self.sync.update(self.controller.state.playlist, extra_urls=None)
        if not self.runner.fixed_address and not self.config.hub.username:
            self.startup.show_searching()  # a new display: nothing cached to show, it pairs first
        try:
            self.runner.start()
        except SetupError as err:
            log.error("%s; showing cached content", err)

    def _verify_cache(self) -> None:
        bad = self.cache.verify()
        if bad:
            self.sync.retry_now()

    def _media_status(self, missing: int) -> None:
        self._missing = missing
        bus = self.bus
        if bus is not None:
            bus.publish_status({"media_missing": missing})

    def _connect(self, config: DeviceConfig, settings: BusSettings) -> BusClient:
        """The hub is proven (GUI thread): the overlay goes, the bus feeds the controller."""
        self.startup.done()
        bus = BusClient(settings)
        self.controller.attach(bus)
        w, h = parse_resolution(config.display.resolution)
        bus.publish_status({"screen": f"{w}x{h}", "audio": self.announcer.player.name,
                            "media_missing": self._missing})
        bus.start()
        log.info("display %s connecting to the hub at %s:%s", config.device.id, settings.host, settings.port)
        return bus

    def stop(self) -> None:
        self.runner.stop()
        self.sync.stop()
        self.announcer.stop()


class DisplayScreen:
    """``sorra display`` on screen (for :func:`sorra.qt.runner.run_screen`): the window first, with what is
    cached, then the app finds its hub; the setup gesture on the window."""

    def __init__(self, config: DeviceConfig, config_path: str | Path | None, *, windowed: bool,
                 interfaces: Any, on_restart: Callable[[], None]) -> None:
        self.config, self.windowed = config, windowed
        self.app = DisplayApp(config, config_path=config_path, interfaces=interfaces)
        self.setup = SetupGestures(config_path, ROLE.title, on_restart)

    def start(self) -> None:
        win = self.app.window
        self.setup.install(win)
        if self.config.display.fullscreen and not self.windowed:
            win.setCursor(Qt.CursorShape.BlankCursor)
            win.showFullScreen()
        else:
            win.resize(*parse_resolution(self.config.display.resolution))
            win.show()
        self.app.start()

    def tick(self) -> None:
        pass  # the controller keeps its own timers

    def stop(self) -> None:
        self.app.stop()

    def close(self) -> None:
        delete_widgets(self.app.window)
        self.setup.clear()


def run(config: DeviceConfig, windowed: bool = False, config_path: str | Path | None = None,
        interfaces: Any = FROM_CONFIG) -> int:
    return run_screen(ROLE, lambda restart: DisplayScreen(config, config_path, windowed=windowed,
                                                          interfaces=interfaces, on_restart=restart),
                      argv=["sorra-display"])
