"""``sorra counter``: the counter terminal (buttons, LED number display, clerk screen).

    sorra counter [--config FILE] [--headless] [--windowed] [--lang hu|en] [--mdns-interface IP ...]
    sorra counter --screenshots DIR

What each button does (tap and hold) is in ``counter_terminal/actions.py`` and
``docs/hardware/counter-terminal.md``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sorra import config as sorra_config
from sorra import discovery

log = logging.getLogger(__name__)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="sorra counter", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=None, help="device TOML (default: /etc/sorra/device.toml)")
    parser.add_argument("--headless", action="store_true", default=None,
                        help="no clerk screen: buttons, LEDs and the LED display only")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--lang", choices=("hu", "en"), default=None)
    discovery.add_mdns_option(parser)
    parser.add_argument("--screenshots", metavar="DIR",
                        help="render the clerk screens to PNG (HU and EN) and exit")
    args = parser.parse_args(argv)

    if args.screenshots:
        from counter_terminal.screenshots import render

        paths = render(args.screenshots, (args.lang,) if args.lang else ("hu", "en"))
        for p in paths:
            print(p)
        return 0

    try:
        cfg = sorra_config.load(args.config)
    except sorra_config.ConfigError as err:
        print(f"sorra counter: {err}", file=sys.stderr)
        return 2
    if args.lang:
        cfg.device.lang = args.lang
    if cfg.device.role != "counter":
        log.warning("this device's role is %r, running the counter terminal anyway", cfg.device.role)

    from counter_terminal.app import SetupError, check_startup, run_headless
    from counter_terminal.hardware import HardwareError

    path = Path(args.config) if args.config else sorra_config.default_path()
    interfaces = discovery.device_interfaces(cfg, args.mdns_interface)
    headless = cfg.counter.headless if args.headless is None else True
    try:
        check_startup(cfg, interfaces)
        if headless:
            return run_headless(cfg, path, interfaces=interfaces)
        return _run_screen(cfg, path, fullscreen=cfg.counter.fullscreen and not args.windowed, interfaces=interfaces)
    except (SetupError, HardwareError) as err:
        print(f"sorra counter: {err}", file=sys.stderr)
        return 3


class ScreenLauncher:
    """The clerk screen: the start-up window (and the LED display) until the hub is proven, then the terminal."""

    def __init__(self, cfg: sorra_config.DeviceConfig, path: Path | None, *, fullscreen: bool,
                 interfaces: Any, on_restart: Callable[[], None] | None = None, **startup: Any) -> None:
        from counter_terminal.app import LedStartupView, Views
        from counter_terminal.hardware import build_display
        from counter_terminal.views.startup import StartupWindow
        from sorra.qt import main_thread_invoker

        self.cfg, self.path, self.fullscreen, self.interfaces = cfg, path, fullscreen, interfaces
        self.on_restart, self.startup_args = on_restart, startup
        self.invoke = main_thread_invoker()
        self.display = build_display(cfg)
        self.startup = StartupWindow(cfg.device.lang, cfg.counter.number)
        self.view = Views(LedStartupView(self.display), _OnGui(self.startup, self.invoke))
        self.stop_event = threading.Event()
        self.app: Any = None
        self.window: Any = None
        self.advertiser: Any = None
        self.gestures: list[Any] = []
        self._restarting = False

    def start(self) -> None:
        from counter_terminal.app import start_advertising, uses_fixed_address

        self.advertiser = start_advertising(self.cfg, self.interfaces)
        if uses_fixed_address(self.cfg):
            from counter_terminal.app import bus_settings

            self._launch(self.cfg, bus_settings(self.cfg), fail=True)
            return
        self._gesture(self.startup)
        self._show(self.startup)
        threading.Thread(target=self._find, name="counter-startup", daemon=True).start()

    def _find(self) -> None:
        from counter_terminal.app import find_hub
        from sorra import pairing

        try:
            cfg, settings = find_hub(self.cfg, self.path, self.view, self.stop_event, interfaces=self.interfaces,
                                     advertiser=self.advertiser, **self.startup_args)
        except pairing.PairingCancelled:
            return
        except Exception as err:
            log.exception("counter start-up failed")
            message = str(err)
            self.invoke(lambda: self.startup.show_problem(message))
            return
        self.invoke(lambda: self._launch(cfg, settings))

    def _launch(self, cfg: sorra_config.DeviceConfig, settings: Any, fail: bool = False) -> None:
        from counter_terminal.app import CounterApp, SetupError
        from counter_terminal.hardware import HardwareError
        from counter_terminal.views import ClerkWindow
        from sorra.bus import BusClient

        if self.stop_event.is_set():
            return
        self.cfg = cfg
        try:
            app = CounterApp(cfg, headless=False, bus=BusClient(settings), invoke=self.invoke, display=self.display)
        except (SetupError, HardwareError) as err:
            if fail:
                raise
            log.error("%s", err)
            self.startup.show_problem(str(err))
            return
        window = ClerkWindow(app.controller, cfg.device.lang)
        app.controller.add_listener(window.render)
        self._gesture(window)
        app.start(tick=False)
        self.app, self.window = app, window
        self._show(window)
        self.startup.hide()

    def _show(self, widget: Any) -> None:
        widget.showFullScreen() if self.fullscreen else widget.show()

    def _gesture(self, widget: Any) -> None:
        if self.path is None:
            return
        from sorra.setup.gesture import install_setup_gesture

        holder: list[Any] = []
        holder.append(install_setup_gesture(widget, self.path, on_changed=lambda _cfg: self._changed(holder[0])))
        self.gestures.append(holder[0])

    def _changed(self, gesture: Any) -> None:
        """A change saved in the setup menu: restart with it once the menu closes (systemd starts us again)."""
        setup = gesture.opened.get("window")
        if setup is not None and not self._restarting and self.on_restart is not None:
            self._restarting = True
            setup.closed.connect(self._restart)

    def _restart(self) -> None:
        log.info("the setup menu changed this device's configuration: restarting the counter terminal")
        if self.on_restart is not None:
            self.on_restart()

    def tick(self) -> None:
        if self.app is not None:
            self.app.controller.tick()

    def stop(self) -> None:
        self.stop_event.set()
        if self.app is not None:
            self.app.stop()
        elif self.display is not None:
            self.display.close()
        if self.advertiser is not None:
            self.advertiser.stop()

    def close(self) -> None:
        """Delete the windows now, on the GUI thread, while the QApplication exists (at exit:
        left to Python's and PyQt's clean-up, they crash it now and then)."""
        from PyQt6 import sip

        for widget in (self.window, self.startup):
            if widget is not None and not sip.isdeleted(widget):
                widget.close()
                sip.delete(widget)
        self.window = self.startup = None
        self.gestures.clear()


class _OnGui:
    """Calls on any thread, run through ``invoke`` on the GUI thread."""

    def __init__(self, view: Any, invoke: Callable[[Callable[[], None]], None]) -> None:
        self._view, self._invoke = view, invoke

    def __getattr__(self, name: str) -> Callable[..., None]:
        method = getattr(self._view, name)
        return lambda *args: self._invoke(lambda: method(*args))


def _run_screen(cfg: sorra_config.DeviceConfig, path: Path | None, fullscreen: bool, interfaces: Any) -> int:
    import signal

    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from counter_terminal.app import TICK_S

    qt_app = QApplication(sys.argv[:1])
    launcher = ScreenLauncher(cfg, path, fullscreen=fullscreen, interfaces=interfaces, on_restart=qt_app.quit)
    try:
        launcher.start()
    except BaseException:
        launcher.stop()
        raise
    timer = QTimer()
    timer.timeout.connect(launcher.tick)
    timer.start(int(TICK_S * 1000))
    signal.signal(signal.SIGTERM, lambda *_: qt_app.quit())
    signal.signal(signal.SIGINT, lambda *_: qt_app.quit())
    watchdog = _systemd_ready(timer)
    try:
        return qt_app.exec()
    finally:
        if watchdog is not None:
            watchdog.stop()
        launcher.stop()
        launcher.close()


def _systemd_ready(timer: Any) -> Any:
    """READY once the screen is up (the start-up included); alive while the GUI loop turns."""
    try:
        from sorra import sdnotify
    except ImportError:  # pragma: no cover
        return None
    heartbeat = sdnotify.Heartbeat(max_age_s=10)
    timer.timeout.connect(heartbeat.beat)
    sdnotify.ready("counter terminal up")
    return sdnotify.start_watchdog(heartbeat.alive)
