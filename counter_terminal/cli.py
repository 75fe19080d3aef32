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
        cfg = sorra_config.load(args.config, required=args.config is not None)
    except sorra_config.ConfigError as err:
        print(f"sorra counter: {err}", file=sys.stderr)
        return 2
    if args.lang:
        cfg.device.lang = args.lang
    from counter_terminal.app import SetupError, check_startup, run_headless_terminal
    from counter_terminal.hardware import HardwareError

    path = Path(args.config) if args.config else sorra_config.default_path()
    interfaces = discovery.device_interfaces(cfg, args.mdns_interface)
    headless = cfg.counter.headless if args.headless is None else True
    try:
        check_startup(cfg, interfaces)
        if headless:
            return run_headless_terminal(cfg, path, interfaces=interfaces)
        return _run_screen(cfg, path, fullscreen=cfg.counter.fullscreen and not args.windowed, interfaces=interfaces)
    except (SetupError, HardwareError) as err:
        print(f"sorra counter: {err}", file=sys.stderr)
        return 3


def __getattr__(name: str) -> Any:
    if name == "ScreenLauncher":  # needs Qt, which a headless terminal never imports
        from counter_terminal.views.screen import ScreenLauncher

        return ScreenLauncher
    raise AttributeError(name)


def _run_screen(cfg: sorra_config.DeviceConfig, path: Path | None, fullscreen: bool, interfaces: Any) -> int:
    from counter_terminal.app import ROLE, TICK_S
    from counter_terminal.views.screen import ScreenLauncher
    from sorra.qt.runner import run_screen

    return run_screen(ROLE, lambda restart: ScreenLauncher(cfg, path, fullscreen=fullscreen, interfaces=interfaces,
                                                           on_restart=restart), tick_s=TICK_S)
