"""``sorra hub …``: run the hub and manage it, also while it runs.

Every subcommand takes ``--data DIR`` (default ``$SORRA_DATA`` or
``/var/lib/sorra``). Changes go through the running hub when there is one
(over the bus, as the ``admin`` account, so the engine records them as
events and devices see them at once); otherwise they are applied to the
database directly and the hub picks them up when it starts.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from hub.engine import EngineError

DEFAULT_DATA = "/var/lib/sorra"
CONNECT_S = 5.0  # how long the CLI waits for the running hub's broker
STOP_STALL_S = 15.0  # a stop still running after this prints every thread's stack to stderr (the journal)


def _data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data or os.environ.get("SORRA_DATA") or DEFAULT_DATA)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sorra hub", description="The Sorra hub: queue engine, broker, bus, web.")
    p.add_argument("--data", help="data directory (default $SORRA_DATA or /var/lib/sorra)")
    # --data is accepted after any subcommand too; SUPPRESS keeps a leaf from
    # overwriting a value given earlier on the line.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", default=argparse.SUPPRESS, help="data directory")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", parents=[common], help="run the hub")
    run.add_argument("--site", default=os.environ.get("SORRA_SITE", "office"))
    run.add_argument("--mqtt-port", type=int, default=1883)
    run.add_argument("--http-port", type=int, default=8080)
    run.add_argument("--bind", default="0.0.0.0", help="listen address for broker and web (127.0.0.1 for a demo)")
    run.add_argument("--public-url", default="", help="base URL printed in ticket QR codes")
    run.add_argument("--advertise-host", default="", help="address devices use to reach this hub")
    run.add_argument("--production", action="store_true", help="use the system mosquitto.service")
    run.add_argument("--no-web", action="store_true", help="run without the web app")
    run.add_argument("--https-port", type=int, default=0,
                     help="also serve the web over HTTPS on this port (staff pages then move there)")
    run.add_argument("--https-cert", default="", help="the office's certificate (PEM) for HTTPS")
    run.add_argument("--https-key", default="", help="its private key (PEM); default: the hub's own certificate")
    run.add_argument("--mdns-interface", action="append", default=[], metavar="IP",
                     help="announce on this interface address (repeatable; env SORRA_MDNS_INTERFACES)")
    from hub.broker.cli import add_tls_options  # --mqtt-tls-port, --no-tls, the office's CA

    add_tls_options(run)

    svc = sub.add_parser("service", parents=[common], help="services (ügytípusok)")
    ssub = svc.add_subparsers(dest="action", required=True)
    add = ssub.add_parser("add", parents=[common], help="add or change a service")
    add.add_argument("id")
    add.add_argument("--name", required=True, help="Hungarian name")
    add.add_argument("--name-en", default="", help="English name (default: the Hungarian one)")
    add.add_argument("--prefix", required=True, help="ticket letter(s), e.g. A")
    add.add_argument("--info", default="", help="what to bring (Hungarian)")
    add.add_argument("--info-en", default="")
    add.add_argument("--group", default="")
    add.add_argument("--sla", type=int, default=900, help="target wait in seconds")
    add.add_argument("--mean-service", type=float, default=300.0, help="typical service time, seconds")
    add.add_argument("--default-outcome", default=None, metavar="CODE",
                     help="outcome recorded when a case is finished without one (a hardware Done)")
    ssub.add_parser("list", parents=[common], help="list services").add_argument("--json", action="store_true")

    out = sub.add_parser("outcome", parents=[common], help="outcome (wrap-up) codes (ügyintézés eredménye)")
    osub = out.add_subparsers(dest="action", required=True)
    oadd = osub.add_parser("add", parents=[common], help="add or change an outcome code")
    oadd.add_argument("code")
    oadd.add_argument("--name", required=True, help="Hungarian name")
    oadd.add_argument("--name-en", default="", help="English name (default: the Hungarian one)")
    oadd.add_argument("--resolved", choices=["yes", "no"], default="yes",
                      help="the matter was settled (counts for first-contact resolution)")
    osub.add_parser("list", parents=[common], help="list outcome codes").add_argument("--json", action="store_true")

    cnt = sub.add_parser("counter", parents=[common], help="counters (ablakok)")
    csub = cnt.add_subparsers(dest="action", required=True)
    cadd = csub.add_parser("add", parents=[common], help="add or change a counter")
    cadd.add_argument("number", type=int)
    cadd.add_argument("--name", default="")
    cadd.add_argument("--services", default="", help="profile: A,B:2,C (service[:weight], comma separated)")
    csub.add_parser("list", parents=[common], help="list counters").add_argument("--json", action="store_true")

    clk = sub.add_parser("clerk", parents=[common], help="clerks (ügyintézők)")
    ksub = clk.add_subparsers(dest="action", required=True)
    kadd = ksub.add_parser("add", parents=[common], help="add or change a clerk")
    kadd.add_argument("id")
    kadd.add_argument("--name", required=True)
    kadd.add_argument("--pin", required=True)
    kadd.add_argument("--services", default="", help="profile: A,B:2")
    kadd.add_argument("--may-edit-profile", action="store_true")

    dev = sub.add_parser("device", parents=[common], help="paired devices")
    dsub = dev.add_subparsers(dest="action", required=True)
    dadd = dsub.add_parser("add", parents=[common], help="create a device account; prints its credentials as JSON")
    dadd.add_argument("id")
    dadd.add_argument("--role", required=True, choices=["kiosk", "counter", "display"])
    dadd.add_argument("--counter", type=int)
    dadd.add_argument("--name", default="")
    dsub.add_parser("list", parents=[common], help="list devices").add_argument("--json", action="store_true")
    drm = dsub.add_parser("remove", parents=[common], help="remove a device (its credentials stop working)")
    drm.add_argument("id")
    from hub.pairing import add_cli_parsers  # pending / approve CODE / reject CODE

    add_cli_parsers(dsub, common)

    st = sub.add_parser("settings", parents=[common], help="office settings")
    st.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                    help='e.g. --set office_names=\'{"hu":"Okmányiroda","en":"Document office"}\'')

    from hub.web.cli_tokens import add_token_parser
    from hub.web.cli_users import add_user_parser

    add_user_parser(sub, common)
    from hub.broker.cli import add_rotate_parser  # sorra hub rotate pairing-secret|…|ca

    add_rotate_parser(sub, common)
    add_token_parser(sub, common)
    from hub.central_link import add_central_parser  # join / status / leave (docs/central.md)

    add_central_parser(sub, common)
    from hub.notify.cli import add_notify_parser  # e-mail, SMS, reminders (docs/notifications.md)

    add_notify_parser(sub, common)
    return p


class HubUnreachable(Exception):
    """The data directory's hub runs, but its broker does not answer the CLI."""


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command != "run" and not os.environ.get("SORRA_LOG_LEVEL"):
        # A management command prints its result; the bus's INFO lines are noise there.
        logging.getLogger().setLevel(logging.WARNING)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "user":
            from hub.web.cli_users import run as run_user

            return run_user(args, _data_dir(args))
        if args.command == "central":
            from hub.central_link import run_cli as run_central

            return run_central(args, _data_dir(args))
        if args.command == "rotate":
            from hub.broker.cli import run_rotate

            return run_rotate(args, _data_dir(args))
        if args.command == "notify":
            from hub.notify.cli import run as run_notify

            return run_notify(args, _data_dir(args))
        if args.command == "token":
            from hub.web.cli_tokens import run as run_token

            return run_token(args, _data_dir(args))
        return _manage(args)
    except EngineError as err:
        print(f"sorra hub: {err.code}: {err.message}", file=sys.stderr)
        return 1
    except HubUnreachable as err:
        print(f"sorra hub: {err}", file=sys.stderr)
        return 1


# ---- run ----------------------------------------------------------------------

def _run(args: argparse.Namespace) -> int:
    from hub import malloc
    from hub.app import Hub, HubAlreadyRunning, HubConfig
    from hub.broker.cli import tls_config
    from sorra.stopsignals import stop_on_signals, wait_for_stop

    malloc.tune()  # before the hub's threads start: a sign-in's 16 MB must go back to the system

    mdns = list(args.mdns_interface) or [x for x in os.environ.get("SORRA_MDNS_INTERFACES", "").split(",") if x]
    config = HubConfig(
        data_dir=_data_dir(args), site=args.site, mqtt_port=args.mqtt_port, http_port=args.http_port,
        bind=args.bind, production=args.production, public_url=args.public_url,
        advertise_host=args.advertise_host, web=not args.no_web, mdns_interfaces=mdns,
        https_port=args.https_port or None, https_cert=args.https_cert, https_key=args.https_key,
        **tls_config(args),
    )
    hub = Hub(config)
    stop = stop_on_signals()
    try:
        hub.start()
    except HubAlreadyRunning as err:
        print(f"sorra hub: {err}", file=sys.stderr)
        return 1
    _notify_ready(hub)
    try:
        wait_for_stop(stop)
    finally:
        # A stop that hangs is killed by systemd after TimeoutStopSec (30 s): say where it hung first.
        faulthandler.dump_traceback_later(STOP_STALL_S)
        try:
            hub.stop()
        finally:
            faulthandler.cancel_dump_traceback_later()
    return 0


def _notify_ready(hub: Any) -> None:
    try:
        from sorra import sdnotify
    except ImportError:
        return
    sdnotify.ready()

    def healthy() -> bool:
        return hub.worker is not None and hub.worker.running

    sdnotify.start_watchdog(healthy)


# ---- management -----------------------------------------------------------------

def _profile(text: str) -> list[dict[str, Any]]:
    out = []
    for part in filter(None, (x.strip() for x in text.split(","))):
        sid, _, weight = part.partition(":")
        out.append({"service": sid, "weight": int(weight or 1)})
    return out


class _Admin:
    """Runs admin ops through the running hub if there is one, else on the database."""

    def __init__(self, data_dir: Path) -> None:
        from hub.app import runtime_info

        self.data_dir = data_dir
        self.info = runtime_info(data_dir)
        self._client = None
        self._local = None

    def call(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        if self.info is not None:
            return self._remote(op, args)
        return self._offline(op, args)

    def _remote(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        from hub.app import ADMIN_USER, load_secrets
        from hub.broker.cli import admin_login
        from sorra.bus import BusClient, BusSettings, RequestError

        if self._client is None:
            secrets = load_secrets(self.data_dir)
            self._client = BusClient(BusSettings(
                host="127.0.0.1", port=int(self.info["mqtt_port"]), username=admin_login(),
                password=secrets["admin_password"], site=self.info["site"], device=ADMIN_USER,
                role="admin", client_id=f"sorra-cli-{os.getpid()}"))
            self._client.start()
            if not self._client.wait_connected(CONNECT_S):
                raise HubUnreachable(self._unreachable())
        try:
            return self._client.call(op, args, timeout=15)
        except RequestError as err:
            raise EngineError(err.code, err.message) from None
        except TimeoutError:
            raise HubUnreachable(self._unreachable()) from None

    def _unreachable(self) -> str:
        assert self.info is not None
        return (f"the hub of {self.data_dir} runs but its broker (127.0.0.1:{self.info['mqtt_port']}) does not "
                f"answer; see 'systemctl status sorra-hub' and the hub's log, or stop that hub to change "
                f"{self.data_dir} directly")

    def _offline(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        from hub.app import DB_NAME, hub_ops, register_device
        from hub.engine import Engine
        from hub.ops import Actor, Context
        from hub.presenter import Presenter
        from hub.store import Store

        self.data_dir.mkdir(parents=True, exist_ok=True)
        store = Store(self.data_dir / DB_NAME)
        try:
            if op == "admin.device_add":
                counter = args.get("counter")
                if counter is not None:
                    self._offline("admin.counter_upsert", {"number": counter})
                return register_device(store, args["device"], args["role"], counter, args.get("name", ""))
            if op == "admin.device_remove":
                if not store.remove_device(args["device"]):
                    raise EngineError("not_found", "no such device")
                return {}
            engine = Engine(time.time, store.load_state())
            ops = hub_ops()
            ctx = Context(engine, Presenter(engine), Actor("admin", "admin"), lambda *a: None, ops=ops)
            result = ops.execute(ctx, op, args)
            store.commit(engine.state, engine.take_events())
            return result
        finally:
            store.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.stop()


def _manage(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    admin = _Admin(data_dir)
    try:
        return _dispatch(args, admin, data_dir)
    finally:
        admin.close()


def _dispatch(args: argparse.Namespace, admin: _Admin, data_dir: Path) -> int:
    cmd, action = args.command, getattr(args, "action", None)
    if cmd == "service" and action == "add":
        names = {"hu": args.name, "en": args.name_en or args.name}
        info = {"hu": args.info, "en": args.info_en or args.info}
        service = {"id": args.id, "names": names, "prefix": args.prefix.upper(), "info": info,
                   "group": args.group, "sla_s": args.sla, "mean_service_s": args.mean_service}
        if args.default_outcome is not None:
            service["default_outcome"] = args.default_outcome
        admin.call("admin.service_upsert", service)
        print(f"service {args.id} saved")
        return 0
    if cmd == "outcome" and action == "add":
        admin.call("admin.outcome_upsert", {"code": args.code, "names": {"hu": args.name, "en": args.name_en or args.name},
                                            "resolved": args.resolved == "yes"})
        print(f"outcome {args.code} saved")
        return 0
    if cmd == "counter" and action == "add":
        payload: dict[str, Any] = {"number": args.number, "name": args.name or None}
        if args.services:
            payload["profile"] = _profile(args.services)
        admin.call("admin.counter_upsert", payload)
        print(f"counter {args.number} saved")
        return 0
    if cmd == "clerk" and action == "add":
        payload = {"id": args.id, "name": args.name, "pin": args.pin, "may_edit_profile": args.may_edit_profile}
        if args.services:
            payload["profile"] = _profile(args.services)
        admin.call("admin.clerk_upsert", payload)
        print(f"clerk {args.id} saved")
        return 0
    if cmd == "device" and action == "add":
        from hub.broker.cli import device_listener_info

        creds = admin.call("admin.device_add", {"device": args.id, "role": args.role,
                                                "counter": args.counter, "name": args.name})
        info = admin.info or {}
        site = info.get("site") or _stored_site(data_dir)
        out = {"device": creds["device"], "username": creds["username"], "password": creds["password"],
               "site": creds.get("site", site), "mqtt_host": creds.get("mqtt_host", info.get("mqtt_host", "127.0.0.1")),
               **device_listener_info(creds, admin.info, data_dir)}
        print(json.dumps(out))
        return 0
    if cmd == "device" and action in ("pending", "approve", "reject"):
        from hub.pairing import run_cli

        return run_cli(args, admin)
    if cmd == "device" and action == "remove":
        admin.call("admin.device_remove", {"device": args.id})
        print(f"device {args.id} removed; its credentials no longer work")
        return 0
    if cmd == "settings":
        changes = {}
        for item in args.set:
            key, _, value = item.partition("=")
            try:
                changes[key] = json.loads(value)
            except ValueError:
                changes[key] = value
        result = admin.call("admin.settings", changes) if changes else {"settings": _read_state(data_dir).settings.to_dict()}
        print(json.dumps(result["settings"], ensure_ascii=False, indent=2))
        return 0
    return _list(cmd, args, data_dir)


def _read_state(data_dir: Path) -> Any:
    from hub.app import DB_NAME
    from hub.store import Store

    store = Store(data_dir / DB_NAME)
    try:
        return store.load_state()
    finally:
        store.close()


def _stored_site(data_dir: Path) -> str:
    path = data_dir / "site"
    return path.read_text().strip() if path.exists() else os.environ.get("SORRA_SITE", "office")


def _list(cmd: str, args: argparse.Namespace, data_dir: Path) -> int:
    from hub.app import DB_NAME
    from hub.store import Store

    if cmd == "device":
        store = Store(data_dir / DB_NAME)
        try:
            rows = [{k: r[k] for k in ("id", "role", "counter", "name", "created_at")} for r in store.devices()]
        finally:
            store.close()
        if args.json:
            print(json.dumps(rows))
        else:
            for r in rows:
                where = f" counter {r['counter']}" if r["counter"] else ""
                print(f"{r['id']:<24} {r['role']:<8}{where} {r['name']}")
        return 0
    state = _read_state(data_dir)
    if cmd == "service":
        rows = [s.to_dict() for s in sorted(state.services.values(), key=lambda s: (s.order, s.id))]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))
        else:
            for s in rows:
                print(f"{s['id']:<16} {s['prefix']:<3} {s['names'].get('hu', '')} / {s['names'].get('en', '')}")
        return 0
    if cmd == "outcome":
        rows = [o.to_dict() for o in sorted(state.outcomes.values(), key=lambda o: o.code)]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))
        else:
            for o in rows:
                resolved = "resolved" if o["resolved"] else "not resolved"
                print(f"{o['code']:<16} {resolved:<13} {o['names'].get('hu', '')} / {o['names'].get('en', '')}")
        return 0
    if cmd == "counter":
        rows = [c.to_dict() for c in sorted(state.counters.values(), key=lambda c: c.number)]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False))
        else:
            for c in rows:
                prof = ",".join(f"{e['service']}:{e['weight']}" for e in c["profile"]) or "all services"
                print(f"{c['number']:>4} {c['name'] or '-':<16} {c['state']:<8} {prof}")
        return 0
    return 2
