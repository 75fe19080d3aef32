"""``sorra counter``: the counter terminal (buttons, LED number display, clerk screen).

    sorra counter [--config FILE] [--headless] [--windowed] [--lang hu|en]
    sorra counter --screenshots DIR

What each button does (tap and hold) is in ``counter_terminal/actions.py`` and
``docs/hardware/counter-terminal.md``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from sorra import config as sorra_config

log = logging.getLogger(__name__)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="sorra counter", description=__doc__.split("\n")[0])
    parser.add_argument("--config", default=None, help="device TOML (default: /etc/sorra/device.toml)")
    parser.add_argument("--headless", action="store_true", default=None,
                        help="no clerk screen: buttons, LEDs and the LED display only")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    parser.add_argument("--lang", choices=("hu", "en"), default=None)
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

    from counter_terminal.app import CounterApp, SetupError, run_headless
    from counter_terminal.hardware import HardwareError

    headless = cfg.counter.headless if args.headless is None else True
    try:
        if headless:
            return run_headless(CounterApp(cfg, headless=True))
        return _run_screen(cfg, fullscreen=cfg.counter.fullscreen and not args.windowed)
    except (SetupError, HardwareError) as err:
        print(f"sorra counter: {err}", file=sys.stderr)
        return 3


def _run_screen(cfg: sorra_config.DeviceConfig, fullscreen: bool) -> int:
    import signal

    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from counter_terminal.app import TICK_S, CounterApp, _systemd_ready
    from counter_terminal.views import ClerkWindow
    from sorra.qt import main_thread_invoker

    qt_app = QApplication(sys.argv[:1])
    app = CounterApp(cfg, headless=False, invoke=main_thread_invoker())
    window = ClerkWindow(app.controller, cfg.device.lang)
    app.controller.add_listener(window.render)
    app.start(tick=False)
    timer = QTimer()
    timer.timeout.connect(app.controller.tick)
    timer.start(int(TICK_S * 1000))
    signal.signal(signal.SIGTERM, lambda *_: qt_app.quit())
    signal.signal(signal.SIGINT, lambda *_: qt_app.quit())
    if fullscreen:
        window.showFullScreen()
    else:
        window.show()
    watchdog = _systemd_ready(app)
    try:
        return qt_app.exec()
    finally:
        if watchdog is not None:
            watchdog.stop()
        app.stop()
