"""``sorra setup``: the technician setup menu on the command line (over SSH).

Examples::

    sorra setup show                      # every setting of this device (secrets masked)
    sorra setup show gpio
    sorra setup set counter.number 3      # validated; "did you mean …" for typos
    sorra setup set hub.host 192.168.1.10 # manual hub address ('' = find it automatically)
    sorra setup pair                      # find the hub, print the code, wait for approval
    sorra setup unpair                    # tell the hub, forget the credentials
    sorra setup reset --yes               # factory reset (keeps the role)
    sorra setup test printer|gpio|serial|audio
    sorra setup check-hub | network | logs [-n 100] | menu

No PIN is asked here: SSH already authenticated the technician. ``menu``
opens the on-screen window (which asks for the PIN).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from sorra import config as cfgmod
from sorra.config import ConfigError


def build_parser() -> argparse.ArgumentParser:
    from sorra.discovery import add_mdns_option

    p = argparse.ArgumentParser(prog="sorra setup", description="Technician setup of this device.")
    p.add_argument("--config", default=None, help="device TOML (default $SORRA_CONFIG or /etc/sorra/device.toml)")
    add_mdns_option(p)
    sub = p.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print the settings (secrets masked)")
    show.add_argument("section", nargs="?", default=None)
    show.add_argument("--doc", action="store_true", help="with each setting's description")
    sub.add_parser("get", help="print one setting").add_argument("key")
    st = sub.add_parser("set", help="change one setting (validated, saved atomically)")
    st.add_argument("key")
    st.add_argument("value")
    pair = sub.add_parser("pair", help="pair with the hub (prints the code to approve on the hub)")
    pair.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    unp = sub.add_parser("unpair", help="tell the hub and forget its credentials")
    unp.add_argument("--local-only", action="store_true", help="do not contact the hub")
    rst = sub.add_parser("reset", help="factory reset: unpair and restore every default except the role")
    rst.add_argument("--yes", action="store_true", help="really do it")
    rst.add_argument("--local-only", action="store_true")
    tst = sub.add_parser("test", help="test a piece of hardware")
    tst.add_argument("what", choices=["printer", "gpio", "serial", "audio"])
    tst.add_argument("--seconds", type=float, default=15.0, help="gpio: how long to watch the buttons")
    tst.add_argument("--led-seconds", type=float, default=0.5, help="gpio: how long each LED stays lit")
    tst.add_argument("--text", default=None, help="serial: what to show after 88888888")
    sub.add_parser("check-hub", help="find the hub and check it holds the paired key")
    sub.add_parser("network", help="addresses, gateway, DNS, mDNS, hub")
    logs = sub.add_parser("logs", help="recent log lines")
    logs.add_argument("-n", type=int, default=100)
    sub.add_parser("menu", help="open the on-screen setup window")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    path = Path(args.config) if args.config else cfgmod.default_path()
    try:
        return _run(args, path)
    except ConfigError as err:
        print(f"sorra setup: {err}", file=sys.stderr)
        return 2
    except PermissionError as err:
        print(f"sorra setup: {err} (run it with sudo?)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _controller(args: argparse.Namespace, path: Path):  # noqa: ANN202 - local import keeps --help fast
    from sorra.discovery import choose_interfaces
    from sorra.setup.controller import SetupController

    interfaces = choose_interfaces(args.mdns_interface, env={}) if args.mdns_interface else None
    return SetupController(path, require_pin=False, interfaces=interfaces)


def _run(args: argparse.Namespace, path: Path) -> int:
    cmd = args.command
    if cmd == "menu":
        from sorra.setup.views import run_window

        return run_window(path)
    ctl = _controller(args, path)
    if cmd == "show":
        if args.section and args.section not in cfgmod.DeviceConfig.model_fields:
            cfgmod.get_value(ctl.config, f"{args.section}.x")  # raises with did-you-mean
        for key, value, doc in cfgmod.describe(ctl.config, args.section):
            print(f"{key} = {value}" + (f"    # {doc}" if args.doc and doc else ""))
        return 0
    if cmd == "get":
        print(ctl.shown(args.key))
        return 0
    if cmd == "set":
        result = ctl.apply({args.key: args.value})
        if not result.ok:
            print(f"sorra setup: {result.message}", file=sys.stderr)
            return 2
        print(f"{args.key} = {ctl.shown(args.key)}  ({result.message})")
        return 0
    if cmd == "pair":
        return _pair(ctl, args.timeout)
    if cmd == "unpair":
        print(ctl.unpair(notify_hub=not args.local_only).message)
        return 0
    if cmd == "reset":
        if not args.yes:
            print("sorra setup: a factory reset forgets the hub and every setting; add --yes", file=sys.stderr)
            return 2
        print(ctl.factory_reset(notify_hub=not args.local_only).message)
        return 0
    if cmd == "test":
        return _test(ctl, args)
    if cmd == "check-hub":
        result = ctl.check_hub()
        print(result.message)
        return 0 if result.ok else 1
    if cmd == "network":
        for label, value in ctl.network():
            print(f"{label + ':':<28} {value}")
        return 0
    if cmd == "logs":
        print("\n".join(ctl.logs(args.n)))
        return 0
    return 2


def _pair(ctl, timeout: float | None) -> int:  # noqa: ANN001
    from sorra.pairing import is_paired

    if is_paired(ctl.config):
        print(f"already paired (site {ctl.config.device.site!r}, device {ctl.config.device.id}); "
              "'sorra setup unpair' first to pair again")
        return 0
    done = threading.Event()
    outcome: list = []

    def show_code(code: str) -> None:
        print(f"\n    PAIRING CODE:  {code}\n\nOn the hub: sorra hub device approve {code.replace(' ', '')}\n",
              flush=True)

    def finished(result) -> None:  # noqa: ANN001
        outcome.append(result)
        done.set()

    job = ctl.start_pairing(show_code, lambda text: print(text, flush=True), finished)
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while not done.wait(0.2):
            if deadline is not None and time.monotonic() > deadline:
                job.cancel()
                print("sorra setup: pairing did not finish in time", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        job.cancel()
        raise
    print(outcome[0].message)
    return 0 if outcome[0].ok else 1


def _test(ctl, args: argparse.Namespace) -> int:  # noqa: ANN001
    from sorra.setup.hardware import Result

    if args.what == "printer":
        result = ctl.test_printer()
    elif args.what == "serial":
        result = ctl.test_serial(args.text)
    elif args.what == "audio":
        result = ctl.test_audio()
    else:
        test = ctl.open_gpio_test(lambda name, pressed: print(f"  {name:<16} {'pressed' if pressed else 'released'}",
                                                              flush=True))
        if isinstance(test, Result):
            print(test)
            return 1
        try:
            print(f"Buttons: {', '.join(f'{n} (GPIO{p})' for n, p in test.inputs.items()) or 'none'}")
            for name, pin in test.outputs.items():
                print(f"  {name} (GPIO{pin}) on", flush=True)
                test.set_output(name, True)
                time.sleep(max(0.0, args.led_seconds))  # a person watches each LED light up in turn
                test.set_output(name, False)
            if test.inputs:
                print(f"Press the buttons now ({args.seconds:.0f} s)…", flush=True)
                time.sleep(max(0.0, args.seconds))
        finally:
            test.close()
        result = Result(True, "GPIO test finished")
    print(result)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
