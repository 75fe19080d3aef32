"""``sorra central …``: run the central service and manage sites, users and reports.

Every subcommand takes ``--data DIR`` (default ``$SORRA_CENTRAL_DATA``, else
``/var/lib/sorra-central``, else the directory the last ``sorra central run``
of this user noted in ``~/.config/sorra/central-data``); the database URL is
the one ``sorra central run`` recorded there (``DATA/central.json``), or
``--db URL`` / ``$SORRA_CENTRAL_DB``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from sorra.stopsignals import stop_on_signals, wait_for_stop

DEFAULT_DATA = "/var/lib/sorra-central"


POINTER = Path("~/.config/sorra/central-data")
"""Where ``central run`` notes its data directory, for commands run without ``--data``."""


def _data_dir(args: argparse.Namespace) -> Path:
    given = getattr(args, "data", None) or os.environ.get("SORRA_CENTRAL_DATA")
    if given:
        return Path(given)
    try:
        last = Path(POINTER.expanduser().read_text().strip())
        if (last / "central.json").exists() and not (Path(DEFAULT_DATA) / "central.json").exists():
            return last
    except OSError:
        pass
    return Path(DEFAULT_DATA)


def _note_data_dir(data_dir: Path) -> None:
    try:
        pointer = POINTER.expanduser()
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.write_text(str(data_dir.resolve()) + "\n")
    except OSError:
        pass


def _db_url(args: argparse.Namespace) -> str:
    from central.service import read_info

    url = getattr(args, "db", None) or (read_info(_data_dir(args)) or {}).get("db") or os.environ.get(
        "SORRA_CENTRAL_DB")
    if not url:
        raise SystemExit(f"sorra central: no database: pass --db URL, or run 'sorra central run' on {_data_dir(args)}")
    return url


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sorra central", description="Central reporting for many offices.")
    p.add_argument("--data", help="data directory (default $SORRA_CENTRAL_DATA or /var/lib/sorra-central)")
    p.add_argument("--db", help="PostgreSQL URL (default: the one 'central run' recorded in the data directory)")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", default=argparse.SUPPRESS, help="data directory")
    common.add_argument("--db", default=argparse.SUPPRESS, help="PostgreSQL URL")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", parents=[common], help="run the central broker, consumer and web app")
    run.add_argument("--mqtt-port", type=int, default=1883)
    run.add_argument("--http-port", type=int, default=8090)
    run.add_argument("--bind", default="0.0.0.0")
    run.add_argument("--advertise-host", default="", help="host name hubs use (printed by 'site add')")
    run.add_argument("--no-web", action="store_true")
    run.add_argument("--tls-port", type=int, default=0, help="also listen with TLS here; sites get mqtts:// URLs")
    run.add_argument("--tls-cert", default="", help="server certificate chain (PEM) for --tls-port")
    run.add_argument("--tls-key", default="", help="its private key (PEM)")
    run.add_argument("--tls-ca", default="", help="the CA certificate hubs trust for --tls-cert (PEM)")
    run.add_argument("--broker-url", default="", help="use an existing broker (cluster), e.g. mqtt://emqx:1883")
    run.add_argument("--broker-username", default="")
    run.add_argument("--broker-password-file", default="")

    site = sub.add_parser("site", parents=[common], help="offices")
    ssub = site.add_subparsers(dest="action", required=True)
    sadd = ssub.add_parser("add", parents=[common], help="add a site; prints its hub's credentials as JSON")
    sadd.add_argument("site")
    sadd.add_argument("--name", required=True)
    srm = ssub.add_parser("remove", parents=[common], help="remove a site (its history stays)")
    srm.add_argument("site")
    ssub.add_parser("list", parents=[common], help="list sites (JSON)")

    rep = sub.add_parser("report", parents=[common], help="counts per site from PostgreSQL (JSON)")
    rep.add_argument("--day", required=True, help="YYYY-MM-DD (first day with --to)")
    rep.add_argument("--to", default="", help="last day, inclusive (default: --day)")

    user = sub.add_parser("user", parents=[common], help="web accounts")
    usub = user.add_subparsers(dest="action", required=True)
    uadd = usub.add_parser("add", parents=[common], help="add or change a web account")
    uadd.add_argument("name")
    uadd.add_argument("--role", required=True, choices=["admin", "manager"])
    uadd.add_argument("--sites", default="", help="a manager's sites: A,B (an admin sees all)")
    uadd.add_argument("--password-stdin", action="store_true", required=True)
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "site":
        return _site(args)
    if args.command == "report":
        return _report(args)
    if args.command == "user":
        return _user(args)
    return 2


def _run(args: argparse.Namespace) -> int:
    from central.service import CentralAlreadyRunning, CentralConfig, CentralService

    if not getattr(args, "db", None):
        print("sorra central run: --db URL is required", file=sys.stderr)
        return 2
    password = Path(args.broker_password_file).read_text().strip() if args.broker_password_file else ""
    config = CentralConfig(data_dir=_data_dir(args), db_url=args.db, mqtt_port=args.mqtt_port,
                           http_port=args.http_port, bind=args.bind, advertise_host=args.advertise_host,
                           web=not args.no_web, broker_url=args.broker_url, broker_username=args.broker_username,
                           broker_password=password, tls_port=args.tls_port, tls_cert=args.tls_cert,
                           tls_key=args.tls_key, tls_ca=args.tls_ca)
    service = CentralService(config)
    stop = stop_on_signals()
    try:
        service.start()
    except CentralAlreadyRunning as err:
        print(f"sorra central: {err}", file=sys.stderr)
        return 1
    _note_data_dir(config.data_dir)
    try:
        wait_for_stop(stop)
    finally:
        service.stop()
    return 0


def _site(args: argparse.Namespace) -> int:
    from central import db as D
    from central.service import NOTIFY_CHANNEL, is_running, read_info
    from hub.broker import hash_password
    from hub.broker._accounts import validate_name

    data_dir = _data_dir(args)
    with D.connect(_db_url(args), autocommit=True) as conn:
        D.migrate(conn)
        if args.action == "list":
            rows = D.sites(conn, include_removed=True)
            print(json.dumps([{k: r[k] for k in ("site", "name", "acked_seq", "head_seq", "last_contact",
                                                  "removed_at")} for r in rows]))
            return 0
        if args.action == "remove":
            removed = D.remove_site(conn, args.site)
            conn.execute(f"NOTIFY {NOTIFY_CHANNEL}")
            print(json.dumps({"site": args.site, "removed": removed}))
            return 0 if removed else 1
        try:
            site = validate_name(args.site, "site")
        except ValueError as err:
            print(f"sorra central site add: {err}", file=sys.stderr)
            return 2
        password = secrets.token_urlsafe(18)
        D.put_site(conn, site, args.name, site, hash_password(password))
        conn.execute(f"NOTIFY {NOTIFY_CHANNEL}")
    info = read_info(data_dir) or {}
    if is_running(data_dir) and info.get("local_host") and not info.get("external_broker"):
        from hub.broker._process import wait_for_login

        if not wait_for_login(info["local_host"], int(info["mqtt_port"]), site, password, time.monotonic() + 15):
            print("sorra central site add: the running broker has not taken the account yet", file=sys.stderr)
    url = info.get("url") or "mqtt://127.0.0.1:1883"
    out = {"site": site, "name": args.name, "url": url, "username": site, "password": password}
    if url.startswith("mqtts://") and info.get("ca_file"):
        out["ca_file"] = info["ca_file"]  # what the hub trusts: 'hub central join --ca-file'
        out["ca_pem"] = Path(info["ca_file"]).read_text()
    print(json.dumps(out))
    return 0


def _report(args: argparse.Namespace) -> int:
    from central import db as D

    with D.connect(_db_url(args), autocommit=True) as conn:
        D.migrate(conn)
        out: dict[str, Any] = D.report(conn, args.day, args.to or args.day)
        for row in D.sites(conn):  # an office with no ticket that day still answers
            out.setdefault(row["site"], {"name": row["name"], **{k: 0 for k in ("issued", *D.OUTCOMES, "called")},
                                         "wait_mean_s": None, "wait_max_s": None})
    print(json.dumps(out))
    return 0


def _user(args: argparse.Namespace) -> int:
    from central import db as D
    from hub.web.accounts import hash_password, validate_name, validate_password

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        name = validate_name(args.name)
        validate_password(password)
    except ValueError as err:
        print(f"sorra central user add: {err}", file=sys.stderr)
        return 2
    sites = [s.strip() for s in args.sites.split(",") if s.strip()]
    with D.connect(_db_url(args), autocommit=True) as conn:
        D.migrate(conn)
        D.put_user(conn, name, args.role, sites, hash_password(password))
    print(json.dumps({"user": name, "role": args.role, "sites": sites}))
    return 0
