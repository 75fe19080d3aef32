"""The outbox and the notification settings, on any connection to the hub's database.

Rows are written by whoever causes a message, inside that caller's own
transaction (the engine's commit, the follow request, the reminder scan), so
a message exists exactly when its cause does. :class:`hub.notify.sender.Sender`
is the only one that changes a row's delivery state.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

STATES = ("queued", "sent", "failed")
DAY_S = 86400.0

DEFAULTS: dict[str, Any] = {
    "email": None,
    "sms": None,
    "gateway": None,
    "reminder_before_s": 86400,
    "next_ahead": 3,
    "erase_days": 30,
    "survey": False,
    "retry_base_s": 15,
    "max_attempts": 10,
    "texts": {},
}


# ---- settings ------------------------------------------------------------------------

def settings(conn: sqlite3.Connection) -> dict[str, Any]:
    out = dict(DEFAULTS)
    for key, value in conn.execute("SELECT key, value FROM notify_settings"):
        out[key] = json.loads(value)
    return out


def put_setting(conn: sqlite3.Connection, key: str, value: Any) -> None:
    """Write one setting (its own transaction); a running sender sees it on its next pass."""
    if key not in DEFAULTS:
        raise KeyError(key)
    with conn:
        conn.execute("INSERT INTO notify_settings(key, value, changed_at) VALUES (?,?,?)"
                     " ON CONFLICT(key) DO UPDATE SET value=excluded.value, changed_at=excluded.changed_at",
                     [key, json.dumps(value, ensure_ascii=False), time.time()])


def settings_version(conn: sqlite3.Connection) -> float:
    row = conn.execute("SELECT max(changed_at) FROM notify_settings").fetchone()
    return float(row[0] or 0.0)


def channel_for(contact: str, cfg: dict[str, Any]) -> str | None:
    """Which configured channel reaches a contact: e-mail, the modem, else the gateway."""
    from hub.notify.contacts import kind_of

    kind = kind_of(contact)
    if kind == "email":
        if cfg.get("email"):
            return "email"
        return "gateway" if cfg.get("gateway") else None
    if kind == "phone":
        if cfg.get("sms"):
            return "sms"
        return "gateway" if cfg.get("gateway") else None
    return None


# ---- messages --------------------------------------------------------------------------

@dataclass
class Message:
    id: int
    channel: str
    to: str
    kind: str
    lang: str
    ref: str
    subject: str
    body: str
    state: str
    attempts: int
    next_at: float
    expires_at: float | None
    last_error: str
    created_at: float
    sent_at: float | None

    def log_row(self) -> dict[str, Any]:
        return {"id": self.id, "channel": self.channel, "to": self.to, "kind": self.kind, "state": self.state,
                "attempts": self.attempts, "ref": self.ref, "lang": self.lang, "created_at": self.created_at,
                "sent_at": self.sent_at, "error": self.last_error}


_COLUMNS = ("id, channel, to_addr, kind, lang, ref, subject, body, state, attempts, next_at, expires_at,"
            " last_error, created_at, sent_at")


def _message(row: tuple) -> Message:
    return Message(*row)


def enqueue(conn: sqlite3.Connection, *, key: str, channel: str, to: str, kind: str, lang: str, ref: str,
            subject: str, body: str, now: float, about_at: float, expires_at: float | None = None) -> bool:
    """Add a message in the caller's transaction; False if its key was queued before."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO notify_outbox(key, created_at, channel, to_addr, kind, lang, ref, subject, body,"
        " next_at, expires_at, about_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [key, now, channel, to, kind, lang, ref, subject, body, now, expires_at, about_at])
    return cur.rowcount > 0


def due(conn: sqlite3.Connection, now: float, limit: int = 20) -> list[Message]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM notify_outbox WHERE state = 'queued' AND next_at <= ?"
                        " ORDER BY next_at, id LIMIT ?", [now, limit]).fetchall()
    return [_message(r) for r in rows]


def next_due(conn: sqlite3.Connection) -> float | None:
    row = conn.execute("SELECT min(next_at) FROM notify_outbox WHERE state = 'queued'").fetchone()
    return row[0]


def backoff(attempts: int, base_s: float) -> float:
    """Seconds before the next try: base, 2×base, 4×base … at most an hour."""
    return min(3600.0, float(base_s) * 2 ** max(0, attempts - 1))


def mark_sent(conn: sqlite3.Connection, msg_id: int, now: float) -> None:
    with conn:
        conn.execute("UPDATE notify_outbox SET state='sent', attempts=attempts+1, sent_at=?, last_error=''"
                     " WHERE id=? AND state='queued'", [now, msg_id])


def mark_attempt_failed(conn: sqlite3.Connection, msg: Message, error: str, now: float, cfg: dict[str, Any],
                        *, permanent: bool = False) -> str:
    """Count a failed try; the message waits for its next try or, out of tries, fails for good."""
    attempts = msg.attempts + 1
    expired = msg.expires_at is not None and now >= msg.expires_at
    final = permanent or expired or attempts >= int(cfg["max_attempts"])
    state = "failed" if final else "queued"
    with conn:
        conn.execute("UPDATE notify_outbox SET state=?, attempts=?, last_error=?, next_at=? WHERE id=? AND state='queued'",
                     [state, attempts, error[:500], now + backoff(attempts, cfg["retry_base_s"]), msg.id])
    return state


def drop_pending(conn: sqlite3.Connection, ref: str, kinds: tuple[str, ...], reason: str) -> None:
    """Messages that no longer make sense (a reminder of a cancelled appointment) fail unsent."""
    marks = ",".join("?" * len(kinds))
    conn.execute(f"UPDATE notify_outbox SET state='failed', last_error=? WHERE ref=? AND state='queued'"
                 f" AND kind IN ({marks})", [reason, ref, *kinds])


def log(conn: sqlite3.Connection, *, limit: int = 1000, state: str = "", channel: str = "") -> list[Message]:
    where, params = [], []
    if state:
        where.append("state = ?")
        params.append(state)
    if channel:
        where.append("channel = ?")
        params.append(channel)
    sql = f"SELECT {_COLUMNS} FROM notify_outbox"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = conn.execute(sql + " ORDER BY id DESC LIMIT ?", [*params, limit]).fetchall()
    return [_message(r) for r in rows]


def recent_failures(conn: sqlite3.Connection, channel: str, last: int = 3) -> tuple[int, str]:
    """How many of a channel's last tries failed in a row, and the latest reason."""
    rows = conn.execute("SELECT last_error, state, sent_at FROM notify_outbox WHERE channel = ? AND attempts > 0"
                        " ORDER BY CASE WHEN sent_at IS NULL THEN next_at ELSE sent_at END DESC LIMIT ?",
                        [channel, last]).fetchall()
    failures = 0
    for error, state, _sent in rows:
        if state == "sent" or not error:
            break
        failures += 1
    return failures, (rows[0][0] if rows else "")


# ---- privacy -----------------------------------------------------------------------------

def erase_contacts(conn: sqlite3.Connection, now: float, erase_days: float) -> int:
    """Blank the addresses of messages and follows ``erase_days`` after their appointment or ticket.

    ``about_at`` is that appointment's or ticket's time, so a changed period applies to
    what is stored already. A message still queued keeps its address until it is done.
    """
    cutoff = now - float(erase_days) * DAY_S
    n = conn.execute("UPDATE notify_outbox SET to_addr = '' WHERE about_at <= ? AND to_addr != ''"
                     " AND state != 'queued'", [cutoff]).rowcount
    n += conn.execute("DELETE FROM notify_follow WHERE about_at <= ?", [cutoff]).rowcount
    return n
