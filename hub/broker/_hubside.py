"""What the hub asks of its broker: the TLS listener for devices and the hub's own accounts.

Kept here so :mod:`hub.app` only wires them in. ``data_dir/broker/device-listener.json``
records what devices were last told (``tls``, ``mqtt_port``, ``ca_file``), so
``sorra hub device add`` run while the hub is stopped prints the same thing.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from pathlib import Path
from typing import Any

from ._accounts import BrokerAccount, admin_accounts, pairing_accounts
from ._config import BrokerTls
from ._tls import TLS_DIR, TlsMaterial, ensure_ca, hub_material

log = logging.getLogger(__name__)

LISTENER_FILE = "device-listener.json"
DEFAULT_TLS_PORT = 8883
PAIRING_SERVICE_USER = "hub.pairing"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host if host not in ("", "0.0.0.0") else "0.0.0.0", 0))
        return s.getsockname()[1]


def _listener_file(data_dir: Path) -> Path:
    return Path(data_dir) / "broker" / LISTENER_FILE


def stored_listener(data_dir: Path | str) -> dict[str, Any]:
    """What devices were last told (``{}`` before the first start)."""
    try:
        data = json.loads(_listener_file(Path(data_dir)).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def offline_listener(data_dir: Path | str) -> dict[str, Any]:
    """``tls``, ``mqtt_port``, ``ca_file`` for credentials made while the hub is stopped:
    the last start's, else the defaults (TLS on 8883, the hub's own CA, made now)."""
    stored = stored_listener(data_dir)
    if stored:
        return {k: stored[k] for k in ("tls", "mqtt_port", "ca_file") if k in stored}
    ca, _ = ensure_ca(data_dir)
    return {"tls": True, "mqtt_port": DEFAULT_TLS_PORT, "ca_file": str(ca.resolve())}


def tls_port(config: Any, data_dir: Path) -> int:
    """``config.mqtt_tls_port``; or (0) the one chosen at the first start and kept since: 8883
    beside the standard 1883, else a free port (tests and demos pick their plain port freely)."""
    if config.mqtt_tls_port:
        return int(config.mqtt_tls_port)
    port = stored_listener(data_dir).get("tls_port")
    if isinstance(port, int) and 0 < port < 65536 and port != config.mqtt_port:
        return port
    if config.mqtt_port == 1883:
        return DEFAULT_TLS_PORT
    port = _free_port(config.bind)
    while port == config.mqtt_port:
        port = _free_port(config.bind)
    return port


def device_listener(hub: Any) -> tuple[BrokerTls | None, TlsMaterial | None, int]:
    """The TLS listener for ``hub`` (or None when ``config.tls`` is off), its material and
    the port devices use; records them in ``device-listener.json``."""
    config, data_dir = hub.config, Path(hub.data_dir)
    (data_dir / "broker").mkdir(parents=True, exist_ok=True)
    if not config.tls:
        material, port, broker_tls = None, config.mqtt_port, None
    else:
        hosts = [config.bind, config.advertise_host, hub.mqtt_host]
        material = hub_material(data_dir, hosts, site=config.site, ca_cert_file=config.mqtt_tls_ca,
                                ca_key_file=config.mqtt_tls_ca_key, cert_file=config.mqtt_tls_cert,
                                key_file=config.mqtt_tls_key)
        port = tls_port(config, data_dir)
        bind = config.bind if config.bind not in ("",) else None
        broker_tls = BrokerTls(port, bind, material.cert_pem, material.key_pem)
    record = {"tls": material is not None, "mqtt_port": port,
              "ca_file": str(material.ca_file.resolve()) if material else "",
              "tls_port": port if material else stored_listener(data_dir).get("tls_port")}
    path = _listener_file(data_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, path)
    return broker_tls, material, port


def hub_accounts(hub_password: str, admin_password: str, pairing_secret: str, *,
                 hub_user: str = "hub", admin_user: str = "admin") -> list[BrokerAccount]:
    """The hub's own accounts: ``hub`` (bus service), ``hub.pairing`` (pairing service),
    ``admin`` and ``admin.0…7`` (CLI, tools), ``pairing.0…255`` (unpaired devices)."""
    return [
        BrokerAccount(hub_user, hub_password, "hub", ""),
        BrokerAccount(PAIRING_SERVICE_USER, hub_password, "pairing-service", ""),
        BrokerAccount(admin_user, admin_password, "admin", admin_user),
        *admin_accounts(admin_password, admin_user),
        *pairing_accounts(pairing_secret),
    ]


__all__ = ["DEFAULT_TLS_PORT", "PAIRING_SERVICE_USER", "TLS_DIR", "device_listener", "hub_accounts",
           "offline_listener", "stored_listener"]
