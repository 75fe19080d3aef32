"""The hub process: store, engine worker, broker, bus service (and the web app).

``Hub(HubConfig(...)).start()`` brings everything up in order and returns;
``stop()`` takes it down. The CLI's ``sorra hub run`` and the tests use the
same class.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.alerts import AlertBook
from hub.broker import BrokerAccount, BrokerSupervisor, hash_password, write_production_config
from hub.bus_service import BusService, HubBusSettings
from hub.devices import DEVICE_ID, ROLES, DeviceRegistry
from hub.engine import Engine, EngineError
from hub.ops import Context, OpRegistry, OpSpec, core_ops
from hub.presenter import Presenter
from hub.store import Store
from hub.worker import EngineWorker

log = logging.getLogger(__name__)

DB_NAME = "sorra.db"
ADMIN_USER = "admin"
HUB_USER = "hub"
REPLY_KEEP_S = 7 * 24 * 3600
STATS_EVERY_S = 0.25
"""How long after a commit the engine thread projects the statistics (:func:`hub.stats.catch_up`): a burst
of requests goes into one projection. A reader of the statistics has the rest projected first
(``Web.stats_db``), so this only bounds how much is left to a reader and to a restart."""
STATS_MAX_EVENTS = 1000
"""Events one projection on the engine thread takes at most (a few tens of milliseconds); the rest follow
between the next batches. Read from the log 250 at a time: a busy day's burst is not held in memory at once."""


@dataclass
class HubConfig:
    data_dir: Path
    site: str = "office"
    mqtt_port: int = 1883
    http_port: int = 8080
    bind: str = "0.0.0.0"
    """Where the broker and the web app listen; tests and the demo use 127.0.0.1."""
    production: bool = False
    """Use the system's mosquitto.service (a conf.d drop-in) instead of a child broker."""
    mosquitto_conf_dir: Path = Path("/etc/mosquitto/conf.d")
    public_url: str = ""
    """Base URL printed in ticket QR codes; default http://<this host>:<http_port>."""
    advertise_host: str = ""
    """Address devices use to reach the broker; default: the bind address or this host's name."""
    web: bool = True
    mdns_interfaces: list[str] = field(default_factory=list)
    tls: bool = True
    """Devices talk to the broker over TLS (the plain ``mqtt_port`` then listens on 127.0.0.1 only)."""
    mqtt_tls_port: int = 0
    """The devices' TLS port; 0: 8883 beside mqtt_port 1883, else one chosen at the first start and kept."""
    mqtt_tls_ca: str = ""
    mqtt_tls_ca_key: str = ""
    mqtt_tls_cert: str = ""
    mqtt_tls_key: str = ""
    """An office's own CA (certificate + key: the hub issues its broker certificate from it), or an
    office-issued broker certificate + key with the CA certificate devices trust (hub/broker/_tls.py)."""
    https_port: int | None = None
    """Also serve the web over HTTPS here (staff pages move there); None: plain HTTP only."""
    https_cert: str = ""
    https_key: str = ""
    """The office's certificate and key (PEM); empty: the hub's own (hub.web.tls)."""


def load_secrets(data_dir: Path) -> dict[str, str]:
    """The hub's own broker passwords, created once (0600; the CLI reads them as the same user).

    A key deleted from the file (to rotate it: docs/security.md) is made anew."""
    path = data_dir / "secrets.json"
    fresh = {"hub_password": secrets.token_urlsafe(24), "admin_password": secrets.token_urlsafe(24),
             "hub_key": secrets.token_hex(32), "pairing_secret": secrets.token_urlsafe(18)}
    if path.exists():
        stored = json.loads(path.read_text())
        if all(stored.get(k) for k in fresh):
            return stored
        data = {**fresh, **{k: v for k, v in stored.items() if v}}
    else:
        data = fresh
    save_secrets(data_dir, data)
    return data


def save_secrets(data_dir: Path, data: dict[str, str]) -> None:
    """Write ``secrets.json`` atomically, readable by this user only (0600), synced to disk."""
    path = data_dir / "secrets.json"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def runtime_info(data_dir: Path) -> dict[str, Any] | None:
    """What a running hub wrote about itself (ports, site), or None if no hub runs on this data."""
    lock = data_dir / "hub.lock"
    info = data_dir / "hub.json"
    if not lock.exists() or not info.exists():
        return None
    with open(lock, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return json.loads(info.read_text())
        fcntl.flock(f, fcntl.LOCK_UN)
    return None


class HubAlreadyRunning(RuntimeError):
    pass


class Hub:
    def __init__(self, config: HubConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.data_dir = Path(config.data_dir)
        self.store: Store | None = None
        self.engine: Engine | None = None
        self.worker: EngineWorker | None = None
        self.bus: BusService | None = None
        self.broker: BrokerSupervisor | None = None
        self.devices: DeviceRegistry | None = None
        self.alerts: AlertBook | None = None
        self.presenter: Presenter | None = None
        self.web: Any = None
        self.pairing: Any = None
        """hub.pairing.PairingService while running (pending codes, approve)."""
        self.discovery: Any = None
        """hub.discovery.HubDiscovery while running (mDNS announcement, devices seen)."""
        self.extra_stop: list[Callable[[], None]] = []
        self.notify_sender: Any = None
        self.no_show_expiry: Any = None
        """hub.noshow_expiry.NoShowExpiry while running."""
        self.notify_projector: Any = None
        """The e-mail/SMS sender thread (hub/notify), once started."""
        self._lock_file: Any = None
        self._pruned_at = 0.0
        self._stats_due = False
        self.tls: Any = None
        """hub.broker.TlsMaterial when devices use TLS (CA, server certificate)."""
        self.device_port = config.mqtt_port
        """The broker port devices use (the TLS port when TLS is on)."""
        self._broker_tls: Any = None

    # ---- lifecycle -------------------------------------------------------------

    @property
    def mqtt_host(self) -> str:
        if self.config.advertise_host:
            return self.config.advertise_host
        if self.config.bind not in ("", "0.0.0.0", "::"):
            return self.config.bind
        return f"{socket.gethostname()}.local"

    @property
    def local_mqtt_host(self) -> str:
        """Where the hub's own clients reach the plain listener (loopback when devices use TLS)."""
        if self.config.tls or self.config.bind in ("", "0.0.0.0", "::"):
            return "127.0.0.1"
        return self.config.bind

    @property
    def public_url(self) -> str:
        return self.config.public_url or f"http://{self.mqtt_host}:{self.config.http_port}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        self.secrets = load_secrets(self.data_dir)
        (self.data_dir / "site").write_text(self.config.site + "\n")
        self.store = Store(self.data_dir / DB_NAME)
        from hub.stats import install as install_stats

        install_stats(self.store)  # statistics fact tables: built or caught up before requests come
        self.engine = Engine(self.clock, self.store.load_state())
        self.presenter = Presenter(self.engine, self.public_url)
        from hub.notify import install_projector, start_sender

        notify_projector = install_projector(self)  # messages queued in the same commit as their cause
        self.devices = DeviceRegistry(self.store, admins=(ADMIN_USER,))
        self.alerts = AlertBook(publish=self._publish_alert, clock=self.clock)
        self.ops = hub_ops()
        self.worker = EngineWorker(self.engine, self.store, self.presenter,
                                   on_committed=self._committed, alert=self.alerts.set,
                                   on_tick=self._tick, ops=self.ops)
        self.worker.hub = self  # type: ignore[attr-defined]
        self._start_broker()
        self.bus = BusService(
            HubBusSettings(self.local_mqtt_host,
                           self.config.mqtt_port, HUB_USER, self.secrets["hub_password"], self.config.site),
            self.worker, self.presenter, self.devices, self.alerts,
        )
        self.bus.seed_recent_calls(self._recent_calls())
        from hub.noshow_expiry import NoShowExpiry

        # Missed-call lists drop a no-show when its return window closes (no event marks that).
        self.no_show_expiry = NoShowExpiry(self.worker, self._republish_counters, self.clock)
        self.no_show_expiry.start(self.engine)
        self.extra_stop.append(self.no_show_expiry.stop)
        self.worker.start()
        self.bus.start()
        if not self.bus.wait_connected(15):
            log.warning("the hub's bus client is not connected yet; it keeps trying")
        self._start_pairing()
        from hub.central_link import start_central_link

        self.extra_stop.append(start_central_link(self))  # replication to a central service (docs/central.md)
        self.extra_stop.append(start_sender(self, notify_projector))  # e-mail and SMS (docs/notifications.md)
        if self.config.web:
            self._start_web()
        self._write_runtime_info()
        log.info("hub for site %r is up: mqtt %s:%d, web %s", self.config.site, self.mqtt_host,
                 self.config.mqtt_port, self.public_url if self.config.web else "off")

    def stop(self) -> None:
        for fn in reversed(self.extra_stop):
            try:
                fn()
            except Exception:
                log.exception("stopping a hub part failed")
        self.extra_stop.clear()
        if self.web is not None:
            self.web.stop()
            self.web = None
        if self.bus is not None:
            self.bus.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.broker is not None:
            self.broker.stop()
        if self.store is not None:
            try:  # the file is left current for whoever reads it next; else the next start catches up
                self.project_stats()
            except Exception:
                log.exception("projecting the statistics at stop failed")
            self.store.close()
        (self.data_dir / "hub.json").unlink(missing_ok=True)
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _take_lock(self) -> None:
        f = open(self.data_dir / "hub.lock", "a+")  # noqa: SIM115 - held for the hub's lifetime
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise HubAlreadyRunning(f"another hub is running on {self.data_dir}") from None
        self._lock_file = f

    def _write_runtime_info(self) -> None:
        info = {"pid": os.getpid(), "site": self.config.site, "mqtt_port": self.config.mqtt_port,
                "device_port": self.device_port, "tls": self.tls is not None,
                "ca_file": str(self.tls.ca_file.resolve()) if self.tls is not None else "",
                "mqtt_host": self.mqtt_host, "http_port": self.config.http_port if self.config.web else None,
                "public_url": self.public_url, "started_at": time.time()}
        path = self.data_dir / "hub.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(info))
        os.replace(tmp, path)

    def _start_broker(self) -> None:
        from hub.broker._hubside import device_listener

        self._broker_tls, self.tls, self.device_port = device_listener(self)
        accounts = self.broker_accounts()
        if self.config.production:
            write_production_config(self.config.mosquitto_conf_dir, self.data_dir, self.config.mqtt_port,
                                    accounts, site=self.config.site, tls=self._broker_tls)
            return
        self.broker = BrokerSupervisor(self.data_dir, self.config.mqtt_port, self.config.bind,
                                       site=self.config.site, tls=self._broker_tls)
        self.broker.start(accounts)

    def _start_pairing(self) -> None:
        """Pairing service and mDNS announcement (hub/pairing.py, hub/discovery.py)."""
        from hub.discovery import start_discovery
        from hub.pairing import start_pairing

        self.extra_stop.append(start_pairing(self))
        self.extra_stop.append(start_discovery(self))

    def _start_web(self) -> None:
        try:
            from hub.web.server import WebServer
        except ImportError:
            log.warning("the web app is not installed; running without it")
            return
        self.web = WebServer(self, host=self.config.bind, port=self.config.http_port,
                             https_port=self.config.https_port, https_cert=self.config.https_cert,
                             https_key=self.config.https_key)
        self.web.start()

    # ---- accounts and devices --------------------------------------------------

    def broker_accounts(self) -> list[BrokerAccount]:
        assert self.store is not None
        from hub.broker._hubside import hub_accounts
        from hub.pairing import pairing_secret

        # hub, hub.pairing, admin(.N), and pairing.N for unpaired devices (this hub's pairing secret)
        accounts = hub_accounts(self.secrets["hub_password"], self.secrets["admin_password"],
                                pairing_secret(self), hub_user=HUB_USER, admin_user=ADMIN_USER)
        for row in self.store.devices():
            # The store keeps Mosquitto's hash, never the password itself.
            accounts.append(BrokerAccount(row["id"], row["password_hash"], row["role"], row["id"]))
        return accounts

    def reload_broker_accounts(self) -> None:
        accounts = self.broker_accounts()
        if self.broker is not None:
            self.broker.update_accounts(accounts)
        elif self.config.production:
            write_production_config(self.config.mosquitto_conf_dir, self.data_dir, self.config.mqtt_port,
                                    accounts, site=self.config.site, tls=self._broker_tls)

    def add_device(self, device: str, role: str, counter: int | None = None, name: str = "") -> dict[str, Any]:
        """Create (or re-key) a device account; returns its credentials once."""
        assert self.store is not None and self.engine is not None
        creds = register_device(self.store, device, role, counter, name)
        if self.devices is not None:
            self.devices.forget(device)
        self.reload_broker_accounts()
        if self.web is not None:
            self.web.device_added(device, role)
        return {**creds, "site": self.config.site, "mqtt_host": self.mqtt_host, "mqtt_port": self.device_port,
                "tls": self.tls is not None, "ca_file": str(self.tls.ca_file.resolve()) if self.tls is not None else ""}

    def remove_device(self, device: str) -> bool:
        assert self.store is not None
        removed = self.store.remove_device(device)
        if self.devices is not None:
            self.devices.forget(device)
        if removed:
            self.reload_broker_accounts()
        return removed

    # ---- plumbing --------------------------------------------------------------

    def _committed(self, events: list, done: list) -> None:
        if self.bus is not None:
            self.bus.committed(events, done)
        if events and self.no_show_expiry is not None and self.engine is not None:
            self.no_show_expiry.committed(self.engine, events)
        if events and not self._stats_due and self.worker is not None:
            self._stats_due = True
            self.worker.later(STATS_EVERY_S, self._project_stats_soon)
        self._check_rules()

    def project_stats(self, max_events: int | None = None) -> int:
        """Project the events committed since the last projection into the statistics; returns how many.

        On the engine thread (the one writer of the fact tables while the hub runs: a reader asks through
        the worker, see ``Web.stats_db``), or after the worker has stopped.
        """
        assert self.store is not None
        from hub.stats import catch_up

        with self.store.lock:
            return catch_up(self.store.db.conn, max_events=max_events, batch=250)

    def _project_stats_soon(self) -> None:
        """Engine thread, between batches, ``STATS_EVERY_S`` after a commit: one projection for a burst."""
        self._stats_due = False
        if self.project_stats(STATS_MAX_EVENTS) >= STATS_MAX_EVENTS:
            self._stats_due = True
            assert self.worker is not None
            self.worker.later(0.0, self._project_stats_soon)

    def _tick(self) -> None:
        if self.bus is not None:
            self.bus.tick()
        self._check_rules()
        now = self.clock()
        if self.store is not None and now - self._pruned_at > 3600:
            # Request replies only need to outlive a device's retries.
            self.store.prune_replies(now - REPLY_KEEP_S)
            self._pruned_at = now

    def _check_rules(self) -> None:
        """Automatic priority rules: warn when a threshold is passed, clear when it is not."""
        if self.engine is None or self.alerts is None:
            return
        active = {r.id for r in self.engine.active_rules()}
        for rule in self.engine.state.rules.values():
            if not rule.warn:
                continue
            svc = self.engine.state.services.get(rule.service)
            name = (svc.names.get("hu") or svc.names.get("en") or svc.id) if svc else rule.service
            self.alerts.set("rules", {"code": f"rule.{rule.id}", "level": "warning", "active": rule.id in active,
                                      "message": f"{name}: queue over threshold, priority raised ×{rule.boost}",
                                      "params": {"names": dict(svc.names) if svc else {"hu": rule.service},
                                                 "boost": rule.boost}})

    def _republish_counters(self, engine: Engine) -> None:
        """Every staffed counter's state again (engine thread); the bus sends only the changed ones."""
        if self.bus is None or self.presenter is None:
            return
        for n, c in sorted(engine.state.counters.items()):
            if c.clerk:
                self.bus.publish_counter(n, self.presenter.counter(c))

    def _publish_alert(self, payload: dict[str, Any]) -> None:
        if self.bus is not None:
            self.bus.publish_alert(payload)

    def _recent_calls(self) -> list[dict[str, Any]]:
        assert self.store is not None and self.engine is not None and self.presenter is not None
        rows = self.store.db.execute(
            "SELECT data FROM events WHERE day = ? AND type IN ('ticket.called','ticket.recalled')"
            " ORDER BY seq DESC LIMIT 10", [self.engine.state.day]).fetchall()
        calls = []
        for (data,) in reversed(rows):
            e = json.loads(data)
            t = self.engine.state.tickets.get(e["ticket"])
            if t is not None and e["counter"] in self.engine.state.counters:
                calls.append(self.presenter.call(t, e["counter"], e["at"], e["type"] == "ticket.recalled"))
        return calls


def register_device(store: Store, device: str, role: str, counter: int | None, name: str = "") -> dict[str, Any]:
    """Write a device row with a fresh password (works with or without a running hub)."""
    if not DEVICE_ID.match(device) or device in (ADMIN_USER, HUB_USER, "pairing", "sorra-probe"):
        raise EngineError("bad_args", f"device id {device!r}: lowercase letters, digits, '-' or '_' (not a reserved name)")
    if role not in ROLES:
        raise EngineError("bad_args", f"role: one of {', '.join(ROLES)}")
    if role == "counter" and (counter is None or not 1 <= counter <= 999):
        raise EngineError("bad_args", "a counter terminal needs --counter N (1–999)")
    if role != "counter" and counter is not None:
        raise EngineError("bad_args", "only a counter terminal has a counter number")
    password = secrets.token_urlsafe(18)
    store.put_device({"id": device, "role": role, "counter": counter, "name": name,
                      "password_hash": hash_password(password), "created_at": time.time()})
    return {"device": device, "username": device, "password": password}


def hub_ops() -> OpRegistry:
    """Every op a hub answers: the engine's, device accounts, booking, pairing and remote tickets."""
    from hub import booking, booking_kiosk, pairing, remote, survey
    from hub.notify import kiosk_ops

    ops = core_ops()
    ops.add(OpSpec("admin.device_add", _device_add_op, loose=True))
    ops.add(OpSpec("admin.device_remove", _device_remove_op, loose=True))
    booking.register_ops(ops)
    pairing.register_ops(ops)
    remote.register_ops(ops)
    kiosk_ops.register_ops(ops)
    booking_kiosk.register_ops(ops)
    survey.register_ops(ops)
    return ops


def _device_add_op(ctx: Context, a: Any) -> dict[str, Any]:
    hub: Hub = ctx.hub  # type: ignore[attr-defined]
    counter = a.get("counter")
    if counter is not None and hub.engine is not None and counter not in hub.engine.state.counters:
        hub.engine.upsert_counter(int(counter))
    return hub.add_device(str(a.get("device", "")), str(a.get("role", "")), counter, str(a.get("name", "")))


def _device_remove_op(ctx: Context, a: Any) -> dict[str, Any]:
    hub: Hub = ctx.hub  # type: ignore[attr-defined]
    if not hub.remove_device(str(a.get("device", ""))):
        raise EngineError("not_found", "no such device")
    return {}
