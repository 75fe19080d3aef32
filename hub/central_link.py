"""Replication of the hub's event log to a central service (docs/central.md).

The hub already writes an append-only ``events`` table in the same commit as
every change. :class:`Replicator` reads it from the last sequence the central
side acknowledged and publishes it, in order, over MQTT 5 QoS 1 to the central
broker (TLS for ``mqtts://`` URLs):

* ``sorra/v1/{site}/central/events``: ``{"site", "prev", "epoch", "events":
  [{"seq", "at", "day", "type", "data"}, …]}`` — ``prev`` is the sequence of
  the event sent just before the first one, so the central side can tell a
  contiguous batch from one after a gap (sequences may skip numbers);
* ``sorra/v1/{site}/central/hello``: every ``HEARTBEAT_S`` and on connect,
  ``{"site", "head", "acked", "epoch", "at"}`` (last contact, backlog);
* ``sorra/v1/{site}/central/ack`` (central → hub): ``{"acked": n, "epoch",
  "rewind"}``: the highest *contiguous* sequence stored in PostgreSQL. With
  ``rewind`` the hub sends again from ``acked`` (a gap, a central restart, a
  database restored from a backup).

The acknowledged sequence is kept in the hub's SQLite (``central_ack``,
migration v4), written at most once a second without an fsync of its own (the
next commit of the engine flushes it): losing the last of it only means
sending a few events again, which the central insert ignores (it is
idempotent on (site, sequence)). After any outage — WAN down,
central restarted, hub killed — sending resumes from there.

The hub never waits for central: the replicator has its own thread, its own
SQLite connection (WAL: reads never block the engine's commits) and its own
MQTT connection, and memory is bounded (pages of ``BATCH`` events, at most
``WINDOW`` events unacknowledged).

Joining. ``sorra hub central join`` writes ``DATA/central.json`` (0600);
:class:`CentralLink`, started by the hub, watches that file and (re)starts the
replicator within ``WATCH_S`` when it appears or changes, so a join takes
effect at once on a running hub, and at the next start otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

log = logging.getLogger(__name__)

CONFIG_FILE = "central.json"
STATUS_FILE = "central-status.json"
BATCH = 200
"""Events per message at most (and ``BATCH_BYTES``)."""
BATCH_BYTES = 128 * 1024
WINDOW = 1000
"""Events sent and not yet acknowledged, at most."""
POLL_S = 0.2
ACK_TIMEOUT_S = 15.0
HEARTBEAT_S = 10.0
WATCH_S = 0.5
PERSIST_S = 1.0


def topic(site: str, kind: str) -> str:
    """``sorra/v1/{site}/central/{events|hello|ack}``."""
    return f"sorra/v1/{site}/central/{kind}"


@dataclass
class CentralConfig:
    url: str
    site: str
    username: str
    password: str
    ca_file: str = ""

    @property
    def target(self) -> str:
        """Identifies one central and site: a join elsewhere starts from sequence 0 again."""
        return f"{self.url}|{self.site}"

    def endpoint(self) -> tuple[bool, str, int]:
        """(tls, host, port) from ``mqtt://host:port`` or ``mqtts://host:port``."""
        parts = urlsplit(self.url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError(f"central URL {self.url!r}: mqtt://host:port or mqtts://host:port")
        tls = parts.scheme == "mqtts"
        return tls, parts.hostname, parts.port or (8883 if tls else 1883)

    def __repr__(self) -> str:  # never print the secret
        return f"CentralConfig(url={self.url!r}, site={self.site!r}, username={self.username!r})"


def load_config(data_dir: Path | str) -> CentralConfig | None:
    try:
        data = json.loads((Path(data_dir) / CONFIG_FILE).read_text())
        return CentralConfig(**{k: data[k] for k in ("url", "site", "username", "password")},
                             ca_file=data.get("ca_file", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_config(data_dir: Path | str, config: CentralConfig) -> Path:
    config.endpoint()  # validates the URL
    path = Path(data_dir) / CONFIG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{CONFIG_FILE}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(asdict(config), f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def stored_ack(conn: sqlite3.Connection, target: str) -> int:
    row = conn.execute("SELECT acked_seq FROM central_ack WHERE target = ?", [target]).fetchone()
    return int(row[0]) if row else 0


class Replicator:
    """Sends one hub's event log to one central site (see the module docstring)."""

    def __init__(self, db_path: Path | str, config: CentralConfig, *, batch: int = BATCH, window: int = WINDOW,
                 poll_s: float = POLL_S, ack_timeout_s: float = ACK_TIMEOUT_S, heartbeat_s: float = HEARTBEAT_S,
                 status_path: Path | None = None, on_acked: Callable[[int], None] | None = None) -> None:
        self.db_path, self.config = Path(db_path), config
        self.batch, self.window, self.poll_s = batch, window, poll_s
        self.ack_timeout_s, self.heartbeat_s = ack_timeout_s, heartbeat_s
        self.status_path, self.on_acked = status_path, on_acked
        self.acked = 0
        self.sent = 0
        self.epoch = 0
        self.connected = threading.Event()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._last_ack_at = time.monotonic()
        self._hello_due = 0.0
        self._stored = (-1, 0.0)
        self._status_at = 0.0
        self._conn: sqlite3.Connection | None = None
        self._client: mqtt.Client | None = None
        self._thread: threading.Thread | None = None
        self._topics = {k: topic(config.site, k) for k in ("events", "hello", "ack")}

    # ---- lifecycle --------------------------------------------------------------

    def start(self) -> Replicator:
        tls, host, port = self.config.endpoint()
        self._conn = sqlite3.connect(str(self.db_path), check_same_thread=False, timeout=30)
        self._conn.execute("PRAGMA busy_timeout=30000")
        # The ack is a hint (losing the last one means resending a few events): no fsync of its own, so
        # this connection never holds the write lock for a disk flush the engine's commits would wait for.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self.acked = self.sent = stored_ack(self._conn, self.config.target)
        self._stored = (self.acked, time.monotonic())
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.config.username,
                             protocol=mqtt.MQTTv5)
        client.username_pw_set(self.config.username, self.config.password)
        if tls:
            ctx = ssl.create_default_context(cafile=self.config.ca_file or None)
            client.tls_set_context(ctx)
        client.reconnect_delay_set(0.5, 10)
        client.max_inflight_messages_set(20)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self._client = client
        client.connect_async(host, port, keepalive=30, clean_start=True)
        client.loop_start()
        self._thread = threading.Thread(target=self._run, name=f"central-link-{self.config.site}", daemon=True)
        self._thread.start()
        log.info("replicating the event log to %s as site %r from sequence %d",
                 self.config.url, self.config.site, self.acked)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
        if self._conn is not None:
            try:
                self._persist(force=True)
            finally:
                self._conn.close()
                self._conn = None

    def head(self) -> int:
        assert self._conn is not None
        row = self._conn.execute("SELECT MAX(seq) FROM events").fetchone()
        return int(row[0] or 0)

    # ---- MQTT callbacks (paho's thread) ----------------------------------------------

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any = None) -> None:
        if reason.is_failure:
            log.warning("central broker refused the connection: %s", reason)
            return
        client.subscribe(self._topics["ack"], qos=1)
        with self._lock:
            self.sent = self.acked  # whatever was in flight is sent again
            self.epoch += 1
            self._last_ack_at = time.monotonic()
            self._hello_due = 0.0
        self.connected.set()
        self._wake.set()

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any = None) -> None:
        self.connected.clear()

    def _on_message(self, _c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            ack = json.loads(msg.payload)
            n = int(ack["acked"])
        except (ValueError, KeyError, TypeError):
            return
        with self._lock:
            if ack.get("rewind"):
                epoch = ack.get("epoch")
                if epoch is None or epoch == self.epoch:
                    self.acked = self.sent = n
                    self.epoch += 1
            elif n > self.acked:
                self.acked = n
                self.sent = max(self.sent, n)
            self._last_ack_at = time.monotonic()
            acked = self.acked
        if self.on_acked is not None:
            self.on_acked(acked)
        self._wake.set()

    # ---- the sending thread -------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except sqlite3.Error as exc:  # e.g. the database is locked for long: try again later
                log.warning("central link: reading the event log failed: %s", exc)
            except Exception:
                log.exception("central link step failed")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _step(self) -> None:
        assert self._conn is not None and self._client is not None
        now = time.monotonic()
        self._persist()
        if not self.connected.is_set():
            self._write_status(now)
            return
        with self._lock:
            if self.sent > self.acked and now - self._last_ack_at > self.ack_timeout_s:
                log.info("central link: no acknowledgement for %.0f s; sending again from %d",
                         self.ack_timeout_s, self.acked)
                self.sent = self.acked
                self.epoch += 1
                self._last_ack_at = now
        if now >= self._hello_due:
            self._hello_due = now + self.heartbeat_s
            hello = {"site": self.config.site, "head": self.head(), "acked": self.acked, "epoch": self.epoch,
                     "at": time.time()}
            self._client.publish(self._topics["hello"], json.dumps(hello), qos=1)
        while not self._stop.is_set() and self.connected.is_set():
            with self._lock:
                sent, acked, epoch = self.sent, self.acked, self.epoch
            room = self.window - (sent - acked)
            if room <= 0:
                break
            rows = self._conn.execute("SELECT seq, at, day, type, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                                      [sent, min(self.batch, room)]).fetchall()
            if not rows:
                break
            parts, size = [], 0
            for seq, at, day, kind, data in rows:
                part = f'{{"seq":{seq},"at":{json.dumps(at)},"day":{json.dumps(day)},"type":{json.dumps(kind)},' \
                       f'"data":{data}}}'
                if parts and size + len(part) > BATCH_BYTES:
                    break
                parts.append(part)
                last = seq
                size += len(part)
            payload = (f'{{"site":{json.dumps(self.config.site)},"prev":{sent},"epoch":{epoch},'
                       f'"events":[{",".join(parts)}]}}')
            with self._lock:
                if self.epoch != epoch or self.sent != sent:
                    continue  # an ack rewound us meanwhile
                self.sent = last
                if sent == self.acked:
                    self._last_ack_at = time.monotonic()  # the ack timeout counts from the first unacked send
            self._client.publish(self._topics["events"], payload, qos=1)
        self._write_status(now)

    def _persist(self, force: bool = False) -> None:
        assert self._conn is not None
        acked = self.acked
        stored, at = self._stored
        now = time.monotonic()
        if acked == stored or (not force and now - at < PERSIST_S):
            return
        with self._conn:
            self._conn.execute(
                "INSERT INTO central_ack(target, acked_seq, at) VALUES (?,?,?)"
                " ON CONFLICT(target) DO UPDATE SET acked_seq = excluded.acked_seq, at = excluded.at",
                [self.config.target, acked, time.time()])
        self._stored = (acked, now)

    def _write_status(self, now: float) -> None:
        if self.status_path is None or now - self._status_at < 1.0:
            return
        self._status_at = now
        try:
            _write_json(self.status_path, {"url": self.config.url, "site": self.config.site,
                                           "connected": self.connected.is_set(), "acked": self.acked,
                                           "sent": self.sent, "pid": os.getpid(), "at": time.time()})
        except OSError:
            pass


class CentralLink:
    """Watches ``DATA/central.json`` and runs a :class:`Replicator` for what it says."""

    def __init__(self, data_dir: Path | str, db_path: Path | str, **replicator_options: Any) -> None:
        self.data_dir, self.db_path = Path(data_dir), Path(db_path)
        self.options = replicator_options
        self.replicator: Replicator | None = None
        self._sig: tuple | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> CentralLink:
        try:
            self._check()
        except Exception:  # a broken central.json must never stop the hub from starting
            log.exception("central link: applying %s failed", CONFIG_FILE)
        self._thread = threading.Thread(target=self._watch, name="central-link-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        if self.replicator is not None:
            self.replicator.stop()
            self.replicator = None

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_S):
            try:
                self._check()
            except Exception:
                log.exception("central link: applying %s failed", CONFIG_FILE)

    def _check(self) -> None:
        path = self.data_dir / CONFIG_FILE
        try:
            st = path.stat()
            sig: tuple | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            sig = None
        if sig == self._sig:
            return
        self._sig = sig
        if self.replicator is not None:
            self.replicator.stop()
            self.replicator = None
        config = load_config(self.data_dir) if sig is not None else None
        if config is None:
            (self.data_dir / STATUS_FILE).unlink(missing_ok=True)
            return
        self.replicator = Replicator(self.db_path, config, status_path=self.data_dir / STATUS_FILE,
                                     **self.options).start()


def start_central_link(hub: Any) -> Callable[[], None]:
    """Run the link for a hub (hub/app.py); returns its stop function."""
    from hub.app import DB_NAME

    link = CentralLink(hub.data_dir, Path(hub.data_dir) / DB_NAME).start()
    return link.stop


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def status(data_dir: Path | str) -> dict[str, Any]:
    """What ``sorra hub central status`` prints: the last sequence acknowledged and the backlog."""
    from hub.app import DB_NAME
    from hub.store import open_db

    data_dir = Path(data_dir)
    config = load_config(data_dir)
    db = open_db(data_dir / DB_NAME)
    try:
        head = int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])
        acked = stored_ack(db.conn, config.target) if config else 0
    finally:
        db.close()
    out: dict[str, Any] = {"joined": config is not None, "url": config.url if config else None,
                           "site": config.site if config else None, "acked": acked, "head": head,
                           "backlog": max(0, head - acked)}
    try:
        live = json.loads((data_dir / STATUS_FILE).read_text())
        if config is not None and live.get("url") == config.url and live.get("site") == config.site:
            out["connected"] = bool(live.get("connected")) and _alive(int(live.get("pid") or 0))
            out["acked"] = max(acked, int(live.get("acked", 0)))
            out["backlog"] = max(0, head - out["acked"])
            out["status_at"] = live.get("at")
    except (OSError, ValueError):
        pass
    return out


# ---- sorra hub central … ---------------------------------------------------------------

def add_central_parser(sub: Any, common: Any) -> None:
    central = sub.add_parser("central", parents=[common], help="replication to a central service")
    csub = central.add_subparsers(dest="action", required=True)
    join = csub.add_parser("join", parents=[common], help="send this hub's event log to a central service")
    join.add_argument("--url", required=True, help="mqtt://host:port or mqtts://host:port (from 'central site add')")
    join.add_argument("--site", required=True, help="this office's site id on the central service")
    join.add_argument("--username", required=True)
    join.add_argument("--password-stdin", action="store_true", required=True, help="read the password from stdin")
    join.add_argument("--ca-file", default="", help="CA certificate for an mqtts:// URL (default: the system's)")
    csub.add_parser("status", parents=[common], help="last sequence acknowledged, backlog")
    csub.add_parser("leave", parents=[common], help="stop replicating (the central side keeps the history)")


def run_cli(args: Any, data_dir: Path) -> int:
    import sys

    if args.action == "join":
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            print("sorra hub central join: no password on stdin", file=sys.stderr)
            return 2
        config = CentralConfig(args.url, args.site, args.username, password, args.ca_file)
        try:
            save_config(data_dir, config)
        except ValueError as err:
            print(f"sorra hub central join: {err}", file=sys.stderr)
            return 2
        print(json.dumps({"joined": True, "url": config.url, "site": config.site}))
        return 0
    if args.action == "leave":
        (data_dir / CONFIG_FILE).unlink(missing_ok=True)
        print(json.dumps({"joined": False}))
        return 0
    print(json.dumps(status(data_dir)))
    return 0
