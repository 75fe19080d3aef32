"""The hub's SQLite store: event log, state rows, request replies, devices.

Durability: WAL with ``synchronous=FULL``, so a committed transaction survives
a power cut. :meth:`Store.commit` writes a batch of events, the state rows
they touched and the replies to the requests that caused them in ONE
transaction; the bus service replies only after it returns.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, wraps
from pathlib import Path
from typing import Any

import sqlite_utils

from hub.engine.events import from_dict as typed_event
from hub.engine.model import (
    Appointment,
    Background,
    BacklogItem,
    Clerk,
    Counter,
    Outcome,
    Rule,
    Service,
    Settings,
    State,
    Ticket,
)
from hub.engine.reducer import Event
from hub.store.migrations import migrate

Projector = Callable[[sqlite_utils.Database, list[Event]], None]

_ENTITY_KINDS = {
    "service": (Service, "services"),
    "counter": (Counter, "counters"),
    "clerk": (Clerk, "clerks"),
    "appointment": (Appointment, "appointments"),
    "background": (Background, "backgrounds"),
    "rule": (Rule, "rules"),
    "outcome": (Outcome, "outcomes"),
    "backlog": (BacklogItem, "backlog"),
}


BUSY_TIMEOUT_S = 30.0


def connect(path: Path | str, *, readonly: bool = False, cache_kib: int = 2048) -> sqlite3.Connection:
    """The one way Sorra opens its database: every connection, any thread.

    WAL (readers never block the engine's commit, and its commit never blocks
    them), ``synchronous=FULL`` (a commit survives a power cut: replies are sent
    only after it), foreign keys, and a busy timeout instead of "database is
    locked". ``readonly`` connections cannot write by accident. ``cache_kib``
    bounds this connection's page cache (the hub keeps several: the store's,
    the device registry's, one per web worker thread; on a Pi they add up).
    """
    if readonly:
        conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                               check_same_thread=False)
    else:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute(f"PRAGMA cache_size=-{int(cache_kib)}")
    return conn


def open_db(path: Path | str) -> sqlite_utils.Database:
    """The store's own connection, migrated to the current schema."""
    db = sqlite_utils.Database(connect(path))
    migrate(db)
    return db


@dataclass
class ReplyRow:
    device: str
    req: str
    op: str
    reply: dict[str, Any]

    @cached_property
    def text(self) -> str:
        """The reply as stored; the bus sends these same bytes (encoded once per request)."""
        return _dumps(self.reply)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
"""Built once: ``json.dumps`` with options builds an encoder per call, ten times a request."""


def _dumps(obj: Any) -> str:
    return _ENCODER.encode(obj)


def touched(event: Event) -> set[tuple[str, str]]:
    """The state rows an event changes, as (kind, key): the event class's own declaration."""
    return typed_event(event).rows()


def _locked(fn: Callable) -> Callable:
    @wraps(fn)
    def inner(self: Store, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return fn(self, *args, **kwargs)

    return inner


class Store:
    """One SQLite connection, shared by the hub's threads through :attr:`lock`.

    The engine worker commits through it; the web app, pairing and the CLI
    path read and write devices through it. Every method takes the lock, so a
    read from another thread never lands inside the worker's transaction.
    Code that uses :attr:`db` directly must hold :attr:`lock` too.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.lock = threading.RLock()
        self.db = open_db(self.path)
        self.projectors: list[Projector] = []
        """Extra writers run inside every commit (the notification outbox, …)."""
        self._meta_written: dict[str, Any] = {}
        """The engine's counters (``meta``) as last committed, so an unchanged one is not rewritten."""
        self._meta_pending: dict[str, Any] = {}

    @_locked
    def close(self) -> None:
        self.db.close()

    # ---- loading -------------------------------------------------------------

    @_locked
    def meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return json.loads(row[0]) if row else default

    @_locked
    def load_state(self) -> State:
        s = State()
        settings = self.db.execute("SELECT data FROM entities WHERE kind='settings' AND key='office'").fetchone()
        if settings:
            s.settings = Settings.from_dict(json.loads(settings[0]))
        for kind, (cls, attr) in _ENTITY_KINDS.items():
            target = getattr(s, attr)
            for key, data in self.db.execute("SELECT key, data FROM entities WHERE kind = ?", [kind]):
                obj = cls.from_dict(json.loads(data))
                target[int(key) if kind == "counter" else key] = obj
        s.day = self.meta("day", "")
        s.numbering = self.meta("numbering", {})
        s.queue_seq = self.meta("queue_seq", 0)
        s.background_seq = self.meta("background_seq", 0)
        s.backlog_seq = self.meta("backlog_seq", 0)
        for (data,) in self.db.execute("SELECT data FROM tickets WHERE day = ?", [s.day]):
            t = Ticket.from_dict(json.loads(data))
            s.tickets[t.id] = t
        return s

    def events(self, *, since_seq: int = 0, batch: int = 5000) -> Iterator[Event]:
        """The whole event log in order (streamed)."""
        last = since_seq
        while True:
            with self.lock:
                rows = self.db.execute(
                    "SELECT seq, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", [last, batch]
                ).fetchall()
            if not rows:
                return
            for seq, data in rows:
                last = seq
                yield json.loads(data)

    # ---- writing ---------------------------------------------------------------

    @_locked
    def commit(self, state: State, events: list[Event], replies: Iterable[ReplyRow] = ()) -> None:
        """Write events, the rows they touched and the replies atomically."""
        self._meta_pending = {}
        with self.db.atomic():
            self._write(state, events, replies)
        self._meta_written.update(self._meta_pending)  # only once committed: a rollback rewrites them

    def _write(self, state: State, events: list[Event], replies: Iterable[ReplyRow]) -> None:
        conn = self.db.conn
        if events:
            conn.executemany(
                "INSERT INTO events(at, day, type, ticket, counter, clerk, service, data)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [self._event_row(state, e) for e in events],
            )
            keys: set[tuple[str, str]] = set()
            for e in events:
                keys |= touched(e)
                if e["type"] == "day.closed":
                    self._close_day_rows(e)
            self._write_rows(state, keys)
            for projector in self.projectors:
                projector(self.db, events)
        at = events[-1]["at"] if events else time.time()
        rows = [(r.device, r.req, r.op, r.text, at) for r in replies]
        if rows:
            conn.executemany(
                "INSERT OR IGNORE INTO requests(device, req, op, reply, at) VALUES (?,?,?,?,?)", rows
            )

    @staticmethod
    def _event_row(state: State, e: Event) -> tuple:
        ticket = e.get("ticket")
        ticket_id = ticket["id"] if isinstance(ticket, dict) else ticket
        counter = e.get("counter")
        counter_no = counter["number"] if isinstance(counter, dict) else counter
        clerk = e.get("clerk")
        clerk_id = clerk["id"] if isinstance(clerk, dict) else clerk
        service = e.get("service")
        if isinstance(service, dict):
            service = service["id"]
        elif service is None and isinstance(ticket, dict):
            service = ticket["services"][0]
        day = e.get("day") if e["type"].startswith("day.") else state.day
        return (e["at"], day or state.day, e["type"], ticket_id, counter_no, clerk_id, service, _dumps(e))

    def _write_rows(self, s: State, keys: set[tuple[str, str]]) -> None:
        conn = self.db.conn
        for kind, key in sorted(keys):
            if kind == "ticket":
                t = s.tickets.get(key)
                if t is not None:
                    conn.execute(
                        "INSERT INTO tickets(id, day, number, state, token, issued_at, data) VALUES (?,?,?,?,?,?,?)"
                        " ON CONFLICT(id) DO UPDATE SET state=excluded.state, data=excluded.data",
                        [t.id, t.day, t.number, t.state, t.token, t.issued_at, _dumps(t.to_dict())],
                    )
            elif kind == "settings":
                self._put_entity("settings", "office", s.settings.to_dict())
            elif kind == "day":
                pass  # meta below
            elif kind == "clerk" and key == "*":
                for clerk in s.clerks.values():
                    self._put_entity("clerk", clerk.id, clerk.to_dict())
            elif kind == "backlog" and key == "*":
                stored = {k for (k,) in conn.execute("SELECT key FROM entities WHERE kind = 'backlog'")}
                for gone in stored - set(s.backlog):
                    conn.execute("DELETE FROM entities WHERE kind = 'backlog' AND key = ?", [gone])
                for item in s.backlog.values():
                    self._put_entity("backlog", item.id, item.to_dict())
            else:
                _, attr = _ENTITY_KINDS[kind]
                container = getattr(s, attr)
                obj = container.get(int(key) if kind == "counter" else key)
                if obj is None:
                    conn.execute("DELETE FROM entities WHERE kind = ? AND key = ?", [kind, key])
                else:
                    self._put_entity(kind, key, obj.to_dict())
        for key, value in (("day", s.day), ("numbering", s.numbering), ("queue_seq", s.queue_seq),
                           ("background_seq", s.background_seq), ("backlog_seq", s.backlog_seq)):
            if key in self._meta_written and self._meta_written[key] == value:
                continue  # unchanged (compared as values: encoding five of them cost more): no row, no page
            conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                [key, _dumps(value)],
            )
            self._meta_pending[key] = copy.deepcopy(value)  # the engine changes ``numbering`` in place

    def _close_day_rows(self, e: Event) -> None:
        # The day roll also drops yesterday's tickets from memory, so their
        # closed state is written here, from the event itself.
        self.db.conn.executemany(
            "UPDATE tickets SET state = 'closed',"
            " data = json_set(data, '$.state', 'closed', '$.finished_at', ?) WHERE id = ?",
            [(e["at"], tid) for tid in e["tickets"]],
        )

    def _put_entity(self, kind: str, key: str, data: dict[str, Any]) -> None:
        self.db.conn.execute(
            "INSERT INTO entities(kind, key, data) VALUES (?,?,?)"
            " ON CONFLICT(kind, key) DO UPDATE SET data=excluded.data",
            [kind, key, _dumps(data)],
        )

    # ---- idempotency -------------------------------------------------------

    @_locked
    def reply_for(self, device: str, req: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT reply FROM requests WHERE device = ? AND req = ?", [device, req]
        ).fetchone()
        return json.loads(row[0]) if row else None

    @_locked
    def prune_replies(self, older_than: float) -> int:
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM requests WHERE at < ?", [older_than])
        return cur.rowcount

    # ---- devices -----------------------------------------------------------

    @_locked
    def devices(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT * FROM devices ORDER BY id")]

    @_locked
    def device(self, device_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM devices WHERE id = ?", [device_id]))
        return dict(rows[0]) if rows else None

    @_locked
    def put_device(self, row: dict[str, Any]) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO devices(id, role, counter, name, password_hash, created_at, data)"
                " VALUES (:id, :role, :counter, :name, :password_hash, :created_at, :data)"
                " ON CONFLICT(id) DO UPDATE SET role=excluded.role, counter=excluded.counter,"
                " name=excluded.name, password_hash=excluded.password_hash, data=excluded.data",
                {"name": "", "data": "{}", **row},
            )

    @_locked
    def remove_device(self, device_id: str) -> bool:
        with self.db.atomic():
            cur = self.db.execute("DELETE FROM devices WHERE id = ?", [device_id])
        return cur.rowcount > 0

