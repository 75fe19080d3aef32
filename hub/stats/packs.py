"""Columnar copies of a day's facts, so a year is read in milliseconds.

A pack holds one day's contacts, tickets, cases and feedback as numpy arrays
(stored as bytes) plus the day's names (services, clerks, channels) the arrays
index into. Packs are a cache: the fact tables stay the truth. A day is packed
and stored only once it is complete (the projector has seen a later day); the
projector deletes the pack of any day it touches, and a rebuild bumps the
generation, so a stale pack is never used. The current day is packed on the
fly for every query.

Durations are whole seconds (rounded), capped at 65,535 s (18 h) so they fit
16 bits: a wait or a service within one office day always does.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Table = dict[str, np.ndarray]

# Each table is stored column by column (contiguous arrays concatenate at memory speed).
SCHEMA: dict[str, list[tuple[str, str]]] = {
    "contacts": [("svc", "u2"), ("clerk", "u2"), ("whour", "u1"), ("chour", "u1"), ("outcome", "u1"),
                 ("has_wait", "u1"), ("has_serve", "u1"), ("wait", "u2"), ("serve", "u2")],
    "tickets": [("svc", "u2"), ("clerk", "u2"), ("hour", "u1"), ("outcome", "u1"), ("fcr", "u1"),
                ("channel", "u2"), ("priority", "u1"), ("appt", "u1"), ("transfers", "u1"), ("returns", "u1")],
    "cases": [("svc", "u2"), ("clerk", "u2"), ("outcome", "u1"), ("via", "u1")],
    "feedback": [("svc", "u2"), ("clerk", "u2"), ("score", "u1")],
}
NAMED = {"svc": "services", "clerk": "clerks", "channel": "channels"}
"""Columns that index into the day's name lists."""

CONTACT_OUTCOMES = ("open", "finished", "no_show", "transferred", "parked", "closed")
TICKET_OUTCOMES = ("open", "served", "no_show", "cancelled", "unserved")
SCORES = ("good", "neutral", "bad")
MAX_S = 65535


def empty(table: str) -> Table:
    return {name: np.zeros(0, dtype) for name, dtype in SCHEMA[table]}


@dataclass
class Pack:
    day: str
    services: list[str] = field(default_factory=lambda: [""])
    clerks: list[str] = field(default_factory=lambda: [""])
    channels: list[str] = field(default_factory=lambda: [""])
    contacts: Table = field(default_factory=lambda: empty("contacts"))
    tickets: Table = field(default_factory=lambda: empty("tickets"))
    cases: Table = field(default_factory=lambda: empty("cases"))
    feedback: Table = field(default_factory=lambda: empty("feedback"))

    def size(self, table: str) -> int:
        return len(next(iter(getattr(self, table).values())))


def encode(table: Table, name: str) -> bytes:
    return b"".join(np.ascontiguousarray(table[col], dtype).tobytes() for col, dtype in SCHEMA[name])


def decode(blob: bytes, name: str, n: int) -> Table:
    out: Table = {}
    offset = 0
    for col, dtype in SCHEMA[name]:
        dt = np.dtype(dtype)
        out[col] = np.frombuffer(blob, dt, count=n, offset=offset)
        offset += n * dt.itemsize
    return out


def _names(values: list[str | None]) -> tuple[list[str], np.ndarray]:
    """Distinct names and each row's index into them."""
    if not values:
        return [], np.zeros(0, np.intp)
    names, inverse = np.unique(np.array([v or "" for v in values], dtype=str), return_inverse=True)
    return [str(n) for n in names], inverse


class _Index:
    """One name list shared by the day's tables (insertion order = index; 0 is "": none)."""

    def __init__(self) -> None:
        self.pos: dict[str, int] = {"": 0}

    @property
    def items(self) -> list[str]:
        return list(self.pos)

    def take(self, values: list[str | None]) -> np.ndarray:
        names, inverse = _names(values)
        lut = np.array([self.pos.setdefault(n, len(self.pos)) for n in names], dtype=np.uint16)
        return lut[inverse] if len(inverse) else np.zeros(0, np.uint16)


def _columns(conn: sqlite3.Connection, sql: str, day: str, n: int) -> list[list[Any]]:
    rows = conn.execute(sql, [day]).fetchall()
    return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(n)]


def _table(name: str, **cols: Any) -> Table:
    return {col: np.asarray(cols[col], dtype=dtype) if len(cols[col]) else np.zeros(0, dtype)
            for col, dtype in SCHEMA[name]}


_SECONDS = "MAX(0, MIN(65535, CAST({0} + 0.5 AS INTEGER)))"


def _case(values: tuple[str, ...], default: int) -> str:
    return "CASE {} " + " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values)) + f" ELSE {default} END"


_UP_TO_10 = " UNION ALL ".join(f"SELECT {i} AS i" for i in range(1, 11))
"""A case row stands for ``n`` cases (one service listed n times on a ticket, at most 10)."""


def build(conn: sqlite3.Connection, day: str) -> Pack:
    """Read one day's facts into a pack (call inside a read transaction)."""
    svc, clerk, channel = _Index(), _Index(), _Index()
    c = _columns(conn, "SELECT service, clerk, COALESCE(wait_hour, 0), call_hour, "
                       + _case(CONTACT_OUTCOMES, 0).format("outcome") + ", wait_s IS NOT NULL, service_s IS NOT NULL,"
                       f" {_SECONDS.format('COALESCE(wait_s, 0)')}, {_SECONDS.format('COALESCE(service_s, 0)')}"
                       " FROM stat_contact WHERE day = ? ORDER BY id", day, 9)
    contacts = _table("contacts", svc=svc.take(c[0]), clerk=clerk.take(c[1]), whour=c[2], chour=c[3], outcome=c[4],
                      has_wait=c[5], has_serve=c[6], wait=c[7], serve=c[8])
    t = _columns(conn, "SELECT service, last_clerk, hour, " + _case(TICKET_OUTCOMES, 0).format("outcome") + ","
                       " outcome = 'served' AND transfers = 0 AND returns = 0, channel, priority, appointment,"
                       " MIN(transfers, 255), MIN(returns, 255) FROM stat_ticket WHERE day = ? ORDER BY issued_at, id",
                 day, 10)
    tickets = _table("tickets", svc=svc.take(t[0]), clerk=clerk.take(t[1]), hour=t[2], outcome=t[3], fcr=t[4],
                     channel=channel.take(t[5]), priority=t[6], appt=t[7], transfers=t[8], returns=t[9])
    k = _columns(conn, "SELECT service, clerk, " + _case(TICKET_OUTCOMES, 0).format("outcome") + ", via_transfer"
                       f" FROM stat_case JOIN ({_UP_TO_10}) k ON k.i <= stat_case.n WHERE day = ?", day, 4)
    cases = _table("cases", svc=svc.take(k[0]), clerk=clerk.take(k[1]), outcome=k[2], via=k[3])
    f = _columns(conn, "SELECT service, clerk, " + _case(SCORES, 1).format("score")
                 + " FROM stat_feedback WHERE day = ?", day, 3)
    feedback = _table("feedback", svc=svc.take(f[0]), clerk=clerk.take(f[1]), score=f[2])
    return Pack(day, svc.items, clerk.items, channel.items, contacts, tickets, cases, feedback)


def meta(conn: sqlite3.Connection) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM stat_meta")}


TABLES = ("contacts", "tickets", "cases", "feedback")


def load(conn: sqlite3.Connection, days: list[str], *, save: bool = True) -> list[Pack]:
    """Packs for ``days`` (in order): stored ones, else built (and stored when the day is complete)."""
    info = meta(conn)
    generation = info.get("generation", 0)
    current = info.get("day", "")
    stored: dict[str, Pack] = {}
    if days:
        for day, keys, *blobs in conn.execute(
            "SELECT day, keys, contacts, tickets, cases, feedback FROM stat_pack"
            " WHERE day BETWEEN ? AND ? AND generation = ?", [days[0], days[-1], generation]):
            head = json.loads(keys)
            tables = {name: decode(blob, name, head["n"][name]) for name, blob in zip(TABLES, blobs, strict=True)}
            stored[day] = Pack(day, head["services"], head["clerks"], head["channels"], **tables)
    out: list[Pack] = []
    fresh: list[Pack] = []
    for day in days:
        pack = stored.get(day)
        if pack is None:
            pack = build(conn, day)
            if current and day < current:
                fresh.append(pack)
        out.append(pack)
    if save and fresh:
        _save(conn, fresh, generation)
    return out


def _save(conn: sqlite3.Connection, packs: list[Pack], generation: int) -> None:
    rows = []
    for p in packs:
        head = {"services": p.services, "clerks": p.clerks, "channels": p.channels,
                "n": {name: p.size(name) for name in TABLES}}
        rows.append((p.day, generation, json.dumps(head), *(encode(getattr(p, name), name) for name in TABLES)))
    try:
        conn.executemany("INSERT OR REPLACE INTO stat_pack(day, generation, keys, contacts, tickets, cases, feedback)"
                         " VALUES (?,?,?,?,?,?,?)", rows)
    except sqlite3.OperationalError:
        pass  # busy or read-only: packs are only a cache
