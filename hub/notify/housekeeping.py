"""Time-driven work: reminders when their moment comes, and erasing contacts when theirs is up.

Both run on the engine worker's thread (the hub submits them as reads), so
they see the engine's state as committed and, holding the store's lock,
write in one transaction that no booking or cancellation can interleave
with: a cancelled appointment never gets a reminder.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub.notify import outbox
from hub.notify.projector import Facts, erase_s, queue_appointment


def queue_reminders(conn: sqlite3.Connection, state: Any, facts: Facts, now: float, cfg: dict[str, Any]) -> int:
    """A reminder for each booked appointment whose reminder time has come.

    One booked (or moved) inside the reminder window gets none: it was just
    confirmed. The key holds the appointment's time, so each time reminds once.
    """
    before = float(cfg["reminder_before_s"])
    if before <= 0:
        return 0
    n = 0
    for a in state.appointments.values():
        if a.state != "booked" or not (a.at - before <= now < a.at) or a.booked_at >= a.at - before:
            continue
        moved = conn.execute("SELECT max(created_at) FROM notify_outbox WHERE ref = ? AND kind = 'moved'",
                             [a.code]).fetchone()[0]
        if moved is not None and moved >= a.at - before:
            continue
        n += queue_appointment(conn, cfg, facts, a, "reminder", f"reminder:{a.code}:{a.at}", now)
    return n


def erase_contacts(conn: sqlite3.Connection, state: Any, now: float, cfg: dict[str, Any]) -> int:
    """Blank contacts ``erase_days`` after their appointment or ticket: outbox, follows, appointments,
    remote tickets.

    The appointment's contact is blanked in the engine's memory, its stored
    row and its ``appointment.booked`` event alike (nothing else holds it).
    Each is found by its key (the event by its day and type), so the event log
    is never scanned.
    """
    n = outbox.erase_contacts(conn, now, cfg["erase_days"])
    cutoff = now - erase_s(cfg)
    tz = ZoneInfo(state.settings.tz)
    for a in state.appointments.values():
        if not a.contact or a.at > cutoff:
            continue
        a.contact = ""
        conn.execute("UPDATE entities SET data = json_set(data, '$.contact', '') WHERE kind = 'appointment'"
                     " AND key = ?", [a.code])
        booked_day = datetime.fromtimestamp(a.booked_at or a.at, tz).date().isoformat()
        sql = ("UPDATE events SET data = json_set(data, '$.appointment.contact', '')"
               " WHERE type = 'appointment.booked' AND json_extract(data, '$.appointment.code') = ?")
        if conn.execute(sql + " AND day = ?", [a.code, booked_day]).rowcount == 0:
            conn.execute(sql, [a.code])  # logged under another office day than the booking's date: look further
        n += 1
    return n + erase_remote_contacts(conn, datetime.fromtimestamp(cutoff, tz).date().isoformat())


ERASED_THROUGH = "notify_remote_erased_day"
"""meta key: the last office day whose remote tickets' contacts are blanked."""


def erase_remote_contacts(conn: sqlite3.Connection, through_day: str) -> int:
    """Blank the contact of remote tickets (hub/engine/remote.py) of the days up to ``through_day``.

    A remote ticket keeps its contact in its stored row and its ``ticket.issued``
    event. Days are done once each (the meta mark), so the event log is read
    only for days not yet erased, through its (day, type) index.
    """
    row = conn.execute("SELECT value FROM meta WHERE key = ?", [ERASED_THROUGH]).fetchone()
    done = row[0] if row else ""
    if through_day <= done:
        return 0
    n = conn.execute("UPDATE tickets SET data = json_set(data, '$.contact', '') WHERE day > ? AND day <= ?"
                     " AND json_extract(data, '$.contact') != ''", [done, through_day]).rowcount
    conn.execute("UPDATE events SET data = json_set(data, '$.ticket.contact', '') WHERE day > ? AND day <= ?"
                 " AND type = 'ticket.issued' AND json_extract(data, '$.ticket.contact') != ''", [done, through_day])
    conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 [ERASED_THROUGH, through_day])
    return n


def run(hub: Any, facts: Facts, *, erase: bool = True) -> None:
    """Reminders (and erasing, when asked), in one transaction on the store's connection.

    Call on the engine worker.
    """
    store = hub.store
    with store.lock, store.db.atomic():
        conn = store.db.conn
        cfg = outbox.settings(conn)
        now = hub.clock()
        queue_reminders(conn, hub.engine.state, facts, now, cfg)
        if erase:
            erase_contacts(conn, hub.engine.state, now, cfg)

