"""The broker's part of ``sorra hub``: TLS options of ``run``, the CLI's admin login,
and what ``device add`` prints about the devices' listener (``mqtt_port``, ``tls``, ``ca_file``)."""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path
from typing import Any

from ._accounts import ADMIN_SLOTS, admin_username
from ._hubside import DEFAULT_TLS_PORT, offline_listener


def add_tls_options(run: argparse.ArgumentParser) -> None:
    run.add_argument("--mqtt-tls-port", type=int, default=0,
                     help=f"devices' MQTT port, TLS (default {DEFAULT_TLS_PORT} beside --mqtt-port 1883, else one "
                          "chosen at the first start and kept); the plain --mqtt-port then listens on 127.0.0.1 only")
    run.add_argument("--no-tls", action="store_true",
                     help="devices use plain MQTT on --mqtt-port (passwords cross the LAN in clear)")
    run.add_argument("--mqtt-tls-ca", default="", metavar="PEM",
                     help="the office's CA certificate: devices trust it instead of the hub's own CA")
    run.add_argument("--mqtt-tls-ca-key", default="", metavar="PEM",
                     help="its key: the hub issues its broker certificate from the office's CA")
    run.add_argument("--mqtt-tls-cert", default="", metavar="PEM",
                     help="or a broker certificate the office issued (with --mqtt-tls-key and --mqtt-tls-ca)")
    run.add_argument("--mqtt-tls-key", default="", metavar="PEM", help="the key of --mqtt-tls-cert")


def tls_config(args: argparse.Namespace) -> dict[str, Any]:
    """HubConfig fields from the ``run`` options."""
    return {"tls": not args.no_tls, "mqtt_tls_port": args.mqtt_tls_port,
            "mqtt_tls_ca": args.mqtt_tls_ca, "mqtt_tls_ca_key": args.mqtt_tls_ca_key,
            "mqtt_tls_cert": args.mqtt_tls_cert, "mqtt_tls_key": args.mqtt_tls_key}


def admin_login() -> str:
    """One of ``admin.0`` … ``admin.7``: the broker makes the username the client id, so
    CLI commands running at the same time need (most likely) different ones."""
    return admin_username(secrets.randbelow(ADMIN_SLOTS))


def device_listener_info(creds: dict[str, Any], info: dict[str, Any] | None, data_dir: Path) -> dict[str, Any]:
    """``mqtt_port`` (the port devices use), ``tls`` and ``ca_file`` (the CA certificate, PEM)."""
    if "tls" in creds:  # the running hub said it
        return {"mqtt_port": creds["mqtt_port"], "tls": bool(creds["tls"]), "ca_file": creds.get("ca_file", "")}
    if info is not None and "device_port" in info:
        return {"mqtt_port": info["device_port"], "tls": bool(info.get("tls")), "ca_file": info.get("ca_file", "")}
    stored = offline_listener(data_dir)
    return {"mqtt_port": stored.get("mqtt_port", DEFAULT_TLS_PORT), "tls": bool(stored.get("tls", True)),
            "ca_file": stored.get("ca_file", "")}


ROTATE = {
    "pairing-secret": "pairing_secret",
    "hub-password": "hub_password",
    "admin-password": "admin_password",
}
"""``sorra hub rotate WHAT``: the secrets.json keys, plus ``server-certificate`` and ``ca``."""


def add_rotate_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    rot = sub.add_parser("rotate", parents=[common],
                         help="replace a broker secret or the TLS certificate/CA (stop the hub first)")
    rot.add_argument("what", choices=[*ROTATE, "server-certificate", "ca"])


def run_rotate(args: argparse.Namespace, data_dir: Path) -> int:
    """Replace one secret on a stopped hub's data dir; the next start uses (and announces) it."""
    import sys

    from hub.app import load_secrets, runtime_info, save_secrets

    if runtime_info(data_dir) is not None:
        print("sorra hub: stop the hub first (it holds the current secrets); then start it again",
              file=sys.stderr)
        return 1
    what = args.what
    if what in ROTATE:
        data = load_secrets(data_dir)
        data[ROTATE[what]] = secrets.token_urlsafe(18 if what == "pairing-secret" else 24)
        save_secrets(data_dir, data)
        after = {"pairing-secret": "paired devices keep working and read the new one from mDNS; devices with "
                                   "a manual hub.host need 'sorra setup set hub.pairing_secret NEW' "
                                   "('sorra hub device pending' shows it)",
                 "hub-password": "only the hub uses it", "admin-password": "only the hub's CLI uses it"}[what]
        print(f"new {what} written to {data_dir / 'secrets.json'}; it takes effect when the hub starts ({after})")
        return 0
    tls = data_dir / "tls"
    names = ["server.pem", "server.key"] + (["ca.pem", "ca.key"] if what == "ca" else [])
    for name in names:
        (tls / name).unlink(missing_ok=True)
    if what == "ca":
        print("the hub makes a new CA when it starts; paired devices take it from the signed hello at their "
              "next start (restart their apps); 'sorra hub device add' prints the new ca_file")
    else:
        print("the hub issues a new broker certificate from its CA when it starts; devices notice nothing")
    return 0
