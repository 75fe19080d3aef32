"""``sorra kiosk``: the touch ticket dispenser, its test print and its screenshots.

    sorra kiosk [--config FILE] [--windowed] [--mdns-interface IP ...]
    sorra kiosk --screenshots DIR [--screen 1280x800 ...]
    sorra kiosk test-print [--printer dummy|configured|usb|serial|network|file] [--out FILE] [--lang hu|en]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from sorra import config as sorra_config
from sorra import discovery
from sorra.runner import load_config

log = logging.getLogger(__name__)

SCREENS = ("1280x800", "800x1280", "1920x1080", "1080x1920")


def _load_config(path: str | None) -> sorra_config.DeviceConfig:
    return load_config(path, "kiosk")


# ---- test-print ------------------------------------------------------------------


def test_print(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="sorra kiosk test-print",
        description="Print a sample ticket (with the Hungarian code page check line) "
        "and/or write its raw ESC/POS bytes to a file.",
    )
    parser.add_argument("--config", default=None, help="device TOML (default: /etc/sorra/device.toml)")
    parser.add_argument(
        "--printer",
        default="configured",
        choices=("configured", "dummy", "usb", "serial", "network", "file"),
        help="'configured' prints on the [printer] of the config; 'dummy' prints nothing "
        "(use --out); a type overrides the configured type, keeping its other settings",
    )
    parser.add_argument("--out", help="also write the job's raw bytes to this file")
    parser.add_argument("--lang", choices=("hu", "en"), default=None)
    args = parser.parse_args(argv)

    from kiosk.printing import (
        PrinterState,
        open_device,
        prepare_escpos,
        renderer_for,
        sample_ticket,
    )
    from sorra.ticket.template import TemplateError

    cfg = _load_config(args.config)
    prepare_escpos()
    section = cfg.printer
    if args.printer != "configured":
        section = section.model_copy(update={"type": args.printer, "path": "" if args.printer == "dummy" else section.path})
    lang = args.lang or cfg.device.lang
    try:
        renderer = renderer_for(section)
    except (TemplateError, ValueError, KeyError) as err:
        print(f"sorra kiosk test-print: {err}", file=sys.stderr)
        return 2
    job = renderer.render(sample_ticket(lang), diagnostics=True)
    print(renderer.describe())
    if args.out:
        Path(args.out).write_bytes(job)
        print(f"wrote {len(job)} bytes of ESC/POS to {args.out}")
    if section.type == "dummy":
        if not args.out:
            print("dummy printer: nothing printed (give --out FILE to keep the bytes)")
        return 0
    try:
        device = open_device(section)
    except ValueError as err:
        print(f"sorra kiosk test-print: {err}", file=sys.stderr)
        return 2
    try:
        status = device.read_status()
        print(f"{device.name}: {status.state.value}{' – ' + status.detail if status.detail else ''}")
        if not status.can_print:
            print("not printing: fix the printer first", file=sys.stderr)
            return 1
        from kiosk.printing.device import PrintError

        try:
            device.send(job)
        except PrintError as err:
            print(f"printing failed: {err}", file=sys.stderr)
            return 1
        after = device.read_status()
        print(f"sent {len(job)} bytes; printer now {after.state.value}")
        return 0 if after.state is not PrinterState.PAPER_OUT else 1
    finally:
        device.close()


# ---- the app -----------------------------------------------------------------------


def _app_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sorra kiosk", description="Touch ticket dispenser (full screen).")
    parser.add_argument("--config", default=None, help="device TOML (default: /etc/sorra/device.toml)")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    discovery.add_mdns_option(parser)
    parser.add_argument("--screenshots", metavar="DIR", help="render every screen to PNG (HU and EN) and exit")
    parser.add_argument(
        "--screen",
        action="append",
        choices=SCREENS + ("all",),
        help="screen size(s) for --screenshots (default: the configured one; 'all' for every size)",
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "test-print":
        return test_print(argv[1:])
    args = _app_args(argv)
    cfg = _load_config(args.config)
    if args.screenshots:
        from kiosk.views.screenshots import render_all

        sizes = args.screen or [cfg.kiosk.screen]
        if "all" in sizes:
            sizes = list(SCREENS)
        written = render_all(Path(args.screenshots), sizes, cfg)
        print(f"wrote {len(written)} screenshots to {args.screenshots}")
        return 0
    from kiosk.app import run

    path = Path(args.config) if args.config else sorra_config.default_path()
    return run(cfg, path, windowed=args.windowed, interfaces=discovery.device_interfaces(cfg, args.mdns_interface))
