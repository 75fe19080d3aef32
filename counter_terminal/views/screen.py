"""The counter terminal with a clerk screen: its part in the shared screen runner (:mod:`sorra.qt.runner`).

The start-up shows on the clerk screen and on the LED display (opened once,
then handed to the terminal); once the hub is proven, the clerk window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from counter_terminal.app import ROLE, CounterApp, LedStartupView
from counter_terminal.hardware import build_display
from counter_terminal.views import ClerkWindow
from counter_terminal.views.startup import StartupWindow
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig
from sorra.qt.runner import Launched, ScreenRunner
from sorra.startup import StartupView, StartupViews


class ClerkScreen:
    """The counter's part in :class:`sorra.qt.runner.ScreenRunner`: the start-up on the clerk screen and the
    LED display (opened once, kept by the terminal), then the clerk window."""

    role = ROLE

    def __init__(self, cfg: DeviceConfig) -> None:
        self.lang, self.number = cfg.device.lang, cfg.counter.number
        self.display = build_display(cfg)

    def startup_screen(self) -> StartupWindow:
        return StartupWindow(self.lang, self.number)

    def startup_view(self, screen: StartupView) -> StartupView:
        return StartupViews(LedStartupView(self.display), screen)

    def launch(self, cfg: DeviceConfig, settings: BusSettings, invoke: Callable[[Callable[[], None]], None]) -> Launched:
        app = CounterApp(cfg, headless=False, bus=BusClient(settings), invoke=invoke, display=self.display)
        window = ClerkWindow(app.controller, cfg.device.lang)
        app.controller.add_listener(window.render)
        app.start(tick=False)
        return Launched(app, window, tick=app.controller.tick)

    def abandon(self) -> None:
        if self.display is not None:
            self.display.close()

    def close(self) -> None:
        pass


class ScreenLauncher(ScreenRunner):
    """The clerk screen: the start-up window (and the LED display) until the hub is proven, then the terminal."""

    def __init__(self, cfg: DeviceConfig, path: Path | None, *, fullscreen: bool, interfaces: Any,
                 on_restart: Callable[[], None] | None = None, **startup: Any) -> None:
        self.clerk_screen = ClerkScreen(cfg)
        super().__init__(self.clerk_screen, cfg, path, fullscreen=fullscreen, interfaces=interfaces,
                         on_restart=on_restart, **startup)

    @property
    def display(self) -> Any:
        """The LED display (opened for the start-up, then the terminal's)."""
        return self.clerk_screen.display
