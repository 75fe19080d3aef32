"""``sorra`` command: one entry point, a subcommand per role.

Each role's package has ``cli.main(argv) -> int``; it is imported only when
that role is asked for, so a display never imports the hub's code.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

ROLES = {
    "hub": ("hub.cli", "the queue engine, broker, bus and web (one per office)"),
    "kiosk": ("kiosk.cli", "touch ticket dispenser with ESC/POS printer"),
    "counter": ("counter_terminal.cli", "counter terminal: call buttons, LED display, clerk screen"),
    "display": ("display.cli", "waiting-room TV: calls, announcements, ads"),
    "setup": ("sorra.setup.cli", "technician setup of this device (over SSH)"),
    "central": ("central.cli", "central reporting for many offices (PostgreSQL)"),
    "demo": ("hub.demo", "run the whole system on this machine"),
    "simulate": ("hub.simulate.cli", "run the queue engine through a scenario day on a virtual clock"),
}


def usage() -> str:
    lines = ["usage: sorra <command> [options]", "", "commands:"]
    lines += [f"  {name:<8} {help_}" for name, (_, help_) in ROLES.items()]
    lines += ["", "Run 'sorra <command> --help' for a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    if args[0] == "--version":
        from sorra import PROTOCOL_VERSION, __version__

        print(f"sorra {__version__} (protocol v{PROTOCOL_VERSION})")
        return 0
    entry = ROLES.get(args[0])
    if entry is None:
        print(f"sorra: unknown command '{args[0]}'\n\n{usage()}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=os.environ.get("SORRA_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    module = importlib.import_module(entry[0])
    return int(module.main(args[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
