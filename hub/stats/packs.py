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

CONTACT = np.dtype([("svc", "u2"), ("clerk", "u2"), ("counter", "u2"), ("whour", "u1"), ("chour", "u1"),
                    ("outcome", "u1"), ("first", "u1"), ("has_wait", "u1"), ("has_serve", "u1"),
                    ("wait", "u2"), ("serve", "u2")])
TICKET = np.dtype([("svc", "u2"), ("clerk", "u2"), ("hour", "u1"), ("outcome", "u1"), ("fcr", "u1"),
                   ("channel", "u1"), ("priority", "u1"), ("appt", "u1"), ("transfers", "u1"), ("returns", "u1")])
CASE = np.dtype([("svc", "u2"), ("clerk", "u2"), ("outcome", "u1"), ("via", "u1")])
FEEDBACK = np.dtype([("svc", "u2"), ("clerk", "u2"), ("score", "u1")])

CONTACT_OUTCOMES = ("open", "finished", "no_show", "transferred", "parked", "closed")
TICKET_OUTCOMES = ("open", "served", "no_show", "cancelled", "unserved")
SCORES = ("good", "neutral", "bad")
MAX_S = 65535


def whole_seconds(x: float | None) -> int:
    """Durations are whole seconds, rounded half up, within 0…65,535."""
    if x is None:
        return 0
    return max(0, min(MAX_S, int(x + 0.5)))


@dataclass
class Pack:
    day: str
    services: list[str] = field(default_factory=lambda: [""])
    clerks: list[str] = field(default_factory=lambda: [""])
    channels: list[str] = field(default_factory=lambda: [""])
    contacts: np.ndarray = field(default_factory=lambda: np.zeros(0, CONTACT))
    tickets: np.ndarray = field(default_factory=lambda: np.zeros(0, TICKET))
    cases: np.ndarray = field(default_factory=lambda: np.zeros(0, CASE))
    feedback: np.ndarray = field(default_factory=lambda: np.zeros(0, FEEDBACK))


class _Names:
    def __init__(self) -> None:
        self.items: list[str] = [""]
        self.index: dict[str, int] = {"": 0}

    def __call__(self, name: str | None) -> int:
        key = name or ""
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.items)
            self.items.append(key)
        return i


def build(conn: sqlite3.Connection, day: str) -> Pack:
    """Read one day's facts into a pack (call inside a read transaction)."""
    svc, clerk, channel = _Names(), _Names(), _Names()
    co = {name: i for i, name in enumerate(CONTACT_OUTCOMES)}
    contacts = [
        (svc(s), clerk(k), counter or 0, wh or 0, ch, co.get(outcome, 0), first, int(wait is not None),
         int(serve is not None), whole_seconds(wait), whole_seconds(serve))
        for s, k, counter, wh, ch, outcome, first, wait, serve in conn.execute(
            "SELECT service, clerk, counter, wait_hour, call_hour, outcome, first, wait_s, service_s"
            " FROM stat_contact WHERE day = ? ORDER BY id", [day])
    ]
    to = {name: i for i, name in enumerate(TICKET_OUTCOMES)}
    tickets = [
        (svc(s), clerk(k), hour, to.get(outcome, 0), int(outcome == "served" and transfers == 0 and returns == 0),
         channel(ch), priority, appt, min(transfers, 255), min(returns, 255))
        for s, k, hour, outcome, transfers, returns, ch, priority, appt in conn.execute(
            "SELECT service, last_clerk, hour, outcome, transfers, returns, channel, priority, appointment"
            " FROM stat_ticket WHERE day = ? ORDER BY issued_at, id", [day])
    ]
    cases = [
        (svc(s), clerk(k), to.get(outcome, 0), via)
        for s, k, outcome, via in conn.execute(
            "SELECT service, clerk, outcome, via_transfer FROM stat_case WHERE day = ?", [day])
    ]
    sc = {name: i for i, name in enumerate(SCORES)}
    feedback = [
        (svc(s), clerk(k), sc.get(score, 1))
        for s, k, score in conn.execute("SELECT service, clerk, score FROM stat_feedback WHERE day = ?", [day])
    ]
    return Pack(day, svc.items, clerk.items, channel.items,
                np.array(contacts, CONTACT), np.array(tickets, TICKET), np.array(cases, CASE),
                np.array(feedback, FEEDBACK))


def meta(conn: sqlite3.Connection) -> dict[str, Any]:
    return {k: json.loads(v) for k, v in conn.execute("SELECT key, value FROM stat_meta")}


def load(conn: sqlite3.Connection, days: list[str], *, save: bool = True) -> list[Pack]:
    """Packs for ``days`` (in order): stored ones, else built (and stored when the day is complete)."""
    info = meta(conn)
    generation = info.get("generation", 0)
    current = info.get("day", "")
    stored: dict[str, Pack] = {}
    if days:
        for day, keys, contacts, tickets, cases, feedback in conn.execute(
            "SELECT day, keys, contacts, tickets, cases, feedback FROM stat_pack"
            " WHERE day BETWEEN ? AND ? AND generation = ?", [days[0], days[-1], generation]):
            names = json.loads(keys)
            stored[day] = Pack(day, names["services"], names["clerks"], names["channels"],
                               np.frombuffer(contacts, CONTACT), np.frombuffer(tickets, TICKET),
                               np.frombuffer(cases, CASE), np.frombuffer(feedback, FEEDBACK))
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
    rows = [(p.day, generation, json.dumps({"services": p.services, "clerks": p.clerks, "channels": p.channels}),
             p.contacts.tobytes(), p.tickets.tobytes(), p.cases.tobytes(), p.feedback.tobytes()) for p in packs]
    try:
        conn.executemany("INSERT OR REPLACE INTO stat_pack(day, generation, keys, contacts, tickets, cases, feedback)"
                         " VALUES (?,?,?,?,?,?,?)", rows)
    except sqlite3.OperationalError:
        pass  # busy or read-only: packs are only a cache
