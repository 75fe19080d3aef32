"""``sorra central run``: the central broker, the consumer into PostgreSQL, the web app.

``CentralService(CentralConfig(...)).start()`` brings everything up and
returns; ``stop()`` takes it down (the CLI and the tests use the same class).
``DATA/central.json`` records what the CLI needs (the database URL, the MQTT
port and host sites connect to); ``DATA/central.lock`` is held while it runs.

Sites added while it runs (``sorra central site add``) reach the broker at
once: the CLI sends ``NOTIFY sorra_sites`` and the service, which LISTENs,
rewrites the broker's password and ACL files and reloads it (SIGHUP; the
supervisor returns once the new files are live). It also re-reads the sites
every ``SITES_POLL_S`` in case a notification was missed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from central import db as D
from central.broker import CentralBroker, consumer_account, site_account
from central.consumer import Consumer
from central.live import LiveBook

log = logging.getLogger(__name__)

INFO_FILE = "central.json"
LOCK_FILE = "central.lock"
SECRETS_FILE = "secrets.json"
NOTIFY_CHANNEL = "sorra_sites"
SITES_POLL_S = 5.0
STATS_WARM_S = 120.0


@dataclass
class CentralConfig:
    data_dir: Path
    db_url: str
    mqtt_port: int = 1883
    http_port: int = 8090
    bind: str = "0.0.0.0"
    advertise_host: str = ""
    """The host name hubs use to reach the broker (printed by ``site add``)."""
    web: bool = True
    broker_url: str = ""
    """An existing broker (cluster) instead of our own Mosquitto, e.g. ``mqtt://emqx.lan:1883``."""
    broker_username: str = ""
    broker_password: str = ""
    tls_port: int = 0
    tls_cert: str = ""
    tls_key: str = ""
    tls_ca: str = ""
    """Hubs connect with TLS (``mqtts://``) on ``tls_port``: with this certificate, key and the CA that
    issued it (PEM files), or, none given, a certificate from the central's own CA (``DATA/tls/``)."""


def load_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / SECRETS_FILE
    if path.exists():
        return json.loads(path.read_text())
    data = {"consumer_password": secrets.token_urlsafe(24)}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)
    return data


def read_info(data_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(data_dir) / INFO_FILE).read_text())
    except (OSError, ValueError):
        return None


def is_running(data_dir: Path) -> bool:
    lock = Path(data_dir) / LOCK_FILE
    if not lock.exists():
        return False
    with open(lock, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
    return False


class CentralAlreadyRunning(RuntimeError):
    pass


class CentralService:
    def __init__(self, config: CentralConfig) -> None:
        self.config = config
        self.data_dir = Path(config.data_dir)
        self.broker: CentralBroker | None = None
        self.consumer: Consumer | None = None
        self.live = LiveBook()
        self.web: Any = None
        self._lock_file: Any = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sites_sig: Any = None
        self.ca_file = ""
        self.stats: Any = None
        self.live_ready = threading.Event()

    @property
    def public_host(self) -> str:
        if self.config.advertise_host:
            return self.config.advertise_host
        if self.config.bind not in ("", "0.0.0.0", "::"):
            return self.config.bind
        return socket.getfqdn()

    def site_url(self) -> str:
        if self.config.broker_url:
            return self.config.broker_url
        if self.config.tls_port:
            return f"mqtts://{self.public_host}:{self.config.tls_port}"
        return f"mqtt://{self.public_host}:{self.config.mqtt_port}"

    def db(self, **kwargs: Any) -> psycopg.Connection:
        return D.connect(self.config.db_url, **kwargs)

    def start(self) -> CentralService:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        self.secrets = load_secrets(self.data_dir)
        with self.db(autocommit=True) as conn:
            D.migrate(conn)
            rows = D.sites(conn)
        self.live.begin([r["site"] for r in rows])  # rebuilt in the background; batches stored meanwhile wait
        self._write_info()
        consumer_host, consumer_port = "127.0.0.1", self.config.mqtt_port
        username, password = "", self.secrets["consumer_password"]
        if self.config.broker_url:
            from hub.central_link import CentralConfig as LinkConfig

            _, consumer_host, consumer_port = LinkConfig(self.config.broker_url, "x", "x", "x").endpoint()
            username, password = self.config.broker_username, self.config.broker_password
        else:
            tls = None
            if self.config.tls_port:
                from hub.broker import BrokerTls, hub_material

                # our own CA (made once) issues the broker's certificate, unless one is given (hub/broker/_tls.py)
                material = hub_material(self.data_dir, [self.public_host, "127.0.0.1", "localhost"], site="central",
                                        cert_file=self.config.tls_cert, key_file=self.config.tls_key,
                                        ca_cert_file=self.config.tls_ca)
                self.ca_file = str(material.ca_file.resolve())
                tls = BrokerTls(self.config.tls_port, self.config.bind or None, material.cert_pem, material.key_pem)
            # the broker's "site" only names its files' header; the central ACL is per account
            self.broker = CentralBroker(self.data_dir, self.config.mqtt_port, self.config.bind, site="central",
                                        tls=tls)
            self.broker.start(self._accounts(rows))
            self._sites_sig = self._sig(rows)
            consumer_host = self.broker.host
        self.consumer = Consumer(self.config.db_url, consumer_host, consumer_port, password,
                                 on_stored=self.live.apply, **({"username": username} if username else {}))
        self.consumer.start()
        self.consumer.connected.wait(15)
        t = threading.Thread(target=self._load_live, args=([r["site"] for r in rows],), name="central-live",
                             daemon=True)
        t.start()
        self._threads.append(t)
        if self.broker is not None:
            t = threading.Thread(target=self._watch_sites, name="central-sites", daemon=True)
            t.start()
            self._threads.append(t)
        from central.stats import SiteStats

        self.stats = SiteStats(self.data_dir, lambda: self.db(autocommit=True))
        t = threading.Thread(target=self._warm_stats, name="central-stats", daemon=True)
        t.start()
        self._threads.append(t)
        if self.config.web:
            from central.web import start_web

            self.web = start_web(self)
        self._write_info()
        log.info("central service up: mqtt %s, web http://%s:%d/", self.site_url(), self.public_host,
                 self.config.http_port)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.web is not None:
            self.web.stop()
            self.web = None
        if self.consumer is not None:
            self.consumer.stop()
            self.consumer = None
        for t in self._threads:
            t.join(10)
        self._threads.clear()
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # ---- sites ----------------------------------------------------------------------------

    def _accounts(self, rows: list[dict[str, Any]]) -> list:
        return [consumer_account(self.secrets["consumer_password"]),
                *(site_account(r["username"], r["password_hash"]) for r in rows)]

    @staticmethod
    def _sig(rows: list[dict[str, Any]]) -> tuple:
        return tuple((r["site"], r["username"], r["password_hash"]) for r in rows)

    def reload_sites(self) -> None:
        with self.db(autocommit=True) as conn:
            rows = D.sites(conn)
            sig = self._sig(rows)
            if sig == self._sites_sig:
                return
            known = {s for s, *_ in self._sites_sig or ()}
            with conn.transaction():
                for row in rows:
                    if row["site"] not in known:
                        self.live.load(conn, row["site"])
        for gone in known - {r["site"] for r in rows}:
            self.live.forget(gone)
        if self.broker is not None:
            self.broker.update_accounts(self._accounts(rows))
        self._sites_sig = sig
        log.info("broker accounts reloaded: %d sites", len(rows))

    def _watch_sites(self) -> None:
        conn: psycopg.Connection | None = None
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = self.db(autocommit=True)
                    conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.reload_sites()
                for _ in conn.notifies(timeout=SITES_POLL_S, stop_after=1):
                    break
                if self._stop.is_set():
                    break
                self.reload_sites()
            except psycopg.OperationalError as exc:
                log.warning("watching sites: %s", exc)
                if conn is not None:
                    conn.close()
                conn = None
                self._stop.wait(1.0)
            except Exception:
                log.exception("reloading the sites failed")
                self._stop.wait(1.0)
        if conn is not None:
            conn.close()

    def _load_live(self, sites: list[str]) -> None:
        """The overview's state of every office, replayed from PostgreSQL (central/live.py)."""
        try:
            with self.db(autocommit=True) as conn:
                for site in sites:
                    if self._stop.is_set():
                        return
                    with conn.transaction():
                        self.live.load(conn, site)
            self.live_ready.set()
        except Exception:
            log.exception("rebuilding the overview failed")

    def _warm_stats(self) -> None:
        """Keep every office's statistics cache (central/stats.py) close to PostgreSQL."""
        while not self._stop.wait(STATS_WARM_S):
            try:
                with self.db(autocommit=True) as conn:
                    sites = [r["site"] for r in D.sites(conn)]
                for site in sites:
                    if self._stop.is_set():
                        return
                    self.stats.catch_up(site)
            except Exception:
                log.exception("updating the statistics caches failed")

    # ---- files ------------------------------------------------------------------------------

    def _take_lock(self) -> None:
        f = open(self.data_dir / LOCK_FILE, "a+")  # noqa: SIM115 - held while running
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            raise CentralAlreadyRunning(f"another central service runs on {self.data_dir}") from None
        self._lock_file = f

    def _write_info(self) -> None:
        info = {"db": self.config.db_url, "mqtt_port": self.config.mqtt_port, "http_port": self.config.http_port,
                "bind": self.config.bind, "url": self.site_url(), "pid": os.getpid(), "started_at": time.time(),
                "local_host": self.broker.host if self.broker is not None else "",
                "external_broker": bool(self.config.broker_url), "ca_file": self.ca_file}
        path = self.data_dir / INFO_FILE
        tmp = path.with_name(f".{INFO_FILE}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(info, f)
        os.replace(tmp, path)
