"""Fact tables from the engine's events, projected in batches after the commits that store them.

The facts are derived from the log, so they are written *after* the requests
that caused them: a request's transaction holds its events, state rows and
reply, and nothing a report needs (in a busy office the projection was a
tenth of a round trip). :func:`catch_up` projects every event after
``stat_meta.projected_seq`` and advances it, in one transaction that holds
SQLite's write lock from the read of that mark to its update, so two callers
never project an event twice and every event is projected once:

* the hub's engine thread calls it a moment after a commit (``Hub``,
  ``STATS_EVERY_S``), folding a burst of requests into one transaction;
* every reader of the facts has it called first, so a report counts every
  event committed before it was asked for: the web's statistics, exports,
  capacity and survey pages through the engine thread (``Web.stats_db``: one
  writer of the facts while the hub runs), the NPS op on it; a program with
  a connection of its own calls :func:`current`;
* :func:`install` calls it at start: events a crash left unprojected are
  projected before the hub takes requests.

:func:`rebuild` replays the whole log through the same code, which is how a
test proves that the incremental tables equal a rebuild.

One row per

* ticket (``stat_ticket``): issued day and hour, first service, channel,
  outcome (open, served, no_show, cancelled, unserved), transfers and returns;
* case (``stat_case``): a (ticket, service) pair and whether it was served;
* contact (``stat_contact``): one call of a ticket to a counter, with the wait
  that ended in it (``wait_s``: queue entry → call; none after an unpark) and
  the time at the desk (``service_s``: call → finish, transfer or park);
* background work, feedback, clerk session (login) and pause;
* NPS survey answer (``nps_answer``, from ``feedback.nps``): one a ticket;
* outcome (``stat_outcome``): one outcome code recorded for one finished case;
* backlog case (``stat_backlog``): background work recorded to be done later, taken, done.

Only sqlite errors propagate (the batch then fails as a storage error); any
other failure rolls the projection of that batch back, leaves the events
committed and marks the statistics as needing a rebuild.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

DEFAULT_TZ = "Europe/Budapest"
Event = dict[str, Any]


@lru_cache(maxsize=16)
def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except Exception:  # an unknown zone in old data must not stop the projection
        return ZoneInfo(DEFAULT_TZ)


def local_hour(at: float, tz: str) -> int:
    return datetime.fromtimestamp(at, _zone(tz)).hour


def local_day(at: float, tz: str) -> str:
    return datetime.fromtimestamp(at, _zone(tz)).date().isoformat()


def day_end(day: str, tz: str) -> float:
    """Epoch seconds of the local midnight that ends ``day``."""
    d = date.fromisoformat(day) + timedelta(days=1)
    return datetime(d.year, d.month, d.day, tzinfo=_zone(tz)).timestamp()


class _Projection:
    """One batch: meta values cached, days touched collected."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.c = conn
        meta = dict(conn.execute("SELECT key, value FROM stat_meta WHERE key IN ('tz', 'day')").fetchall())
        self.tz = json.loads(meta["tz"]) if "tz" in meta else DEFAULT_TZ
        self.day = json.loads(meta["day"]) if "day" in meta else ""
        self._meta_changed: set[str] = set()
        self.days: set[str] = set()
        self._ticket_day: dict[str, str] = {}

    # ---- helpers -----------------------------------------------------------------

    def ticket_day(self, ticket: str) -> str:
        day = self._ticket_day.get(ticket)
        if day is None:
            row = self.c.execute("SELECT day FROM stat_ticket WHERE id = ?", [ticket]).fetchone()
            day = row[0] if row else (self.day or ticket[:4] + "-" + ticket[4:6] + "-" + ticket[6:8])
            self._ticket_day[ticket] = day
        self.days.add(day)
        return day

    def open_contact(self, ticket: str) -> tuple[int, float] | None:
        row = self.c.execute(
            "SELECT id, called_at FROM stat_contact WHERE ticket = ? AND outcome = 'open' ORDER BY id DESC LIMIT 1",
            [ticket]).fetchone()
        return (row[0], row[1]) if row else None

    def end_contact(self, ticket: str, at: float, outcome: str, *, with_service: bool, **extra: Any) -> None:
        found = self.open_contact(ticket)
        if found is None:
            return
        cid, called_at = found
        sets = {"ended_at": at, "outcome": outcome, "service_s": (at - called_at) if with_service else None, **extra}
        cols = ", ".join(f"{k} = ?" for k in sets)
        self.c.execute(f"UPDATE stat_contact SET {cols} WHERE id = ?", [*sets.values(), cid])

    def close_sessions(self, counter: int, at: float, kinds: tuple[str, ...]) -> None:
        for sid, day, start in self.c.execute(
            f"SELECT id, day, start FROM stat_session WHERE counter = ? AND end IS NULL"
            f" AND kind IN ({','.join('?' * len(kinds))})", [counter, *kinds]).fetchall():
            end = max(start, min(at, day_end(day, self.tz)))
            self.c.execute("UPDATE stat_session SET end = ? WHERE id = ?", [end, sid])
            self.days.add(day)

    def set_meta(self, key: str, value: Any) -> None:
        setattr(self, key, value)
        self._meta_changed.add(key)

    def finish(self) -> None:
        for key in self._meta_changed:
            self.c.execute("INSERT INTO stat_meta(key, value) VALUES (?, ?)"
                           " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           [key, json.dumps(getattr(self, key))])
        stale = self.days - {self.day}  # only finished days have packs
        if stale:
            days = sorted(stale)
            self.c.execute(f"DELETE FROM stat_pack WHERE day IN ({','.join('?' * len(days))})", days)

    # ---- events ------------------------------------------------------------------

    def apply(self, e: Event) -> None:
        handler = getattr(self, "on_" + e["type"].replace(".", "_"), None)
        if handler is not None:
            handler(e)

    def on_settings_updated(self, e: Event) -> None:
        tz = e["settings"].get("tz")
        if tz:
            self.set_meta("tz", tz)

    def on_day_opened(self, e: Event) -> None:
        self.set_meta("day", e["day"])

    def on_ticket_issued(self, e: Event) -> None:
        t = e["ticket"]
        self._ticket_day[t["id"]] = t["day"]
        self.days.add(t["day"])
        self.c.execute(
            "INSERT OR REPLACE INTO stat_ticket(id, day, issued_at, hour, service, n_services, channel, priority,"
            " appointment, outcome, people) VALUES (?,?,?,?,?,?,?,?,?, 'open', ?)",
            [t["id"], t["day"], t["issued_at"], local_hour(t["issued_at"], self.tz), t["services"][0],
             len(t["services"]), t.get("channel") or "kiosk", int(bool(t.get("priority"))),
             int(bool(t.get("appointment"))), int(t.get("people") or 1)])
        self.c.executemany(  # a service listed n times is n cases (a family's passports)
            "INSERT OR IGNORE INTO stat_case(ticket, service, day, outcome, n) VALUES (?,?,?, 'open', ?)",
            [(t["id"], sid, t["day"], t["services"].count(sid)) for sid in dict.fromkeys(t["services"])])

    def on_ticket_called(self, e: Event) -> None:
        tid, at = e["ticket"], e["at"]
        day = self.ticket_day(tid)
        row = self.c.execute("SELECT calls FROM stat_ticket WHERE id = ?", [tid]).fetchone()
        first = int(row is not None and row[0] == 0)
        unpark = e.get("tier") == -1
        waited = None if unpark else float(e.get("waited_s") or 0.0)
        queued_at = None if waited is None else at - waited
        self.c.execute(
            "INSERT INTO stat_contact(ticket, day, service, counter, clerk, queued_at, called_at, wait_s, wait_hour,"
            " call_hour, outcome, first) VALUES (?,?,?,?,?,?,?,?,?,?, 'open', ?)",
            [tid, day, e.get("service"), e["counter"], e.get("clerk"), queued_at, at, waited,
             None if queued_at is None else local_hour(queued_at, self.tz), local_hour(at, self.tz), first])
        self.c.execute("UPDATE stat_ticket SET calls = calls + 1, first_called_at = COALESCE(first_called_at, ?)"
                       " WHERE id = ?", [at, tid])

    def on_ticket_recalled(self, e: Event) -> None:
        self.ticket_day(e["ticket"])
        found = self.open_contact(e["ticket"])
        if found is not None:
            self.c.execute("UPDATE stat_contact SET recalls = recalls + 1 WHERE id = ?", [found[0]])
        self.c.execute("UPDATE stat_ticket SET recalls = recalls + 1 WHERE id = ?", [e["ticket"]])

    def on_ticket_started(self, e: Event) -> None:
        self.ticket_day(e["ticket"])
        found = self.open_contact(e["ticket"])
        if found is not None:
            self.c.execute("UPDATE stat_contact SET started_at = ? WHERE id = ?", [e["at"], found[0]])

    def on_ticket_finished(self, e: Event) -> None:
        tid, at = e["ticket"], e["at"]
        day = self.ticket_day(tid)
        done = list(e.get("services") or [])
        self.end_contact(tid, at, "finished", with_service=True, implicit=int(bool(e.get("implicit"))),
                         cases_done=len(done))
        for sid in done:
            self.c.execute(
                "INSERT INTO stat_case(ticket, service, day, outcome, clerk, counter, served_at)"
                " VALUES (?,?,?, 'served', ?,?,?) ON CONFLICT(ticket, service) DO UPDATE SET outcome = 'served',"
                " clerk = excluded.clerk, counter = excluded.counter, served_at = excluded.served_at",
                [tid, sid, day, e.get("clerk"), e["counter"], at])
        self.c.executemany(
            "INSERT INTO stat_outcome(ticket, service, day, code, clerk, counter, at) VALUES (?,?,?,?,?,?,?)",
            [(tid, sid, day, code, e.get("clerk"), e["counter"], at) for sid in done for code in e.get("marks") or ()])
        if e.get("remaining"):
            self.c.execute("UPDATE stat_ticket SET last_clerk = ?, last_counter = ? WHERE id = ?",
                           [e.get("clerk"), e["counter"], tid])
        else:
            self.c.execute("UPDATE stat_ticket SET outcome = 'served', ended_at = ?, last_clerk = ?,"
                           " last_counter = ? WHERE id = ?", [at, e.get("clerk"), e["counter"], tid])

    def on_ticket_no_show(self, e: Event) -> None:
        tid = e["ticket"]
        self.ticket_day(tid)
        self.end_contact(tid, e["at"], "no_show", with_service=False)
        self.c.execute("UPDATE stat_ticket SET outcome = 'no_show', no_shows = no_shows + 1, last_clerk = ?,"
                       " last_counter = ? WHERE id = ?", [e.get("clerk"), e["counter"], tid])
        # The cases still waiting share the ticket's outcome, so a service's no-shows add up to the total's.
        self.c.execute("UPDATE stat_case SET outcome = 'no_show' WHERE ticket = ? AND outcome = 'open'", [tid])

    def on_ticket_returned(self, e: Event) -> None:
        self.ticket_day(e["ticket"])
        self.c.execute("UPDATE stat_ticket SET outcome = 'open', returns = returns + 1 WHERE id = ?", [e["ticket"]])
        self.c.execute("UPDATE stat_case SET outcome = 'open' WHERE ticket = ? AND outcome = 'no_show'", [e["ticket"]])

    def on_ticket_transferred(self, e: Event) -> None:
        tid = e["ticket"]
        day = self.ticket_day(tid)
        self.end_contact(tid, e["at"], "transferred", with_service=True)
        self.c.execute("UPDATE stat_ticket SET transfers = transfers + 1 WHERE id = ?", [tid])
        if e.get("service"):
            self.c.execute("INSERT OR IGNORE INTO stat_case(ticket, service, day, outcome, via_transfer)"
                           " VALUES (?,?,?, 'open', 1)", [tid, e["service"], day])

    def on_ticket_parked(self, e: Event) -> None:
        self.ticket_day(e["ticket"])
        self.end_contact(e["ticket"], e["at"], "parked", with_service=True)

    def on_ticket_cancelled(self, e: Event) -> None:
        tid = e["ticket"]
        self.ticket_day(tid)
        self.c.execute("UPDATE stat_ticket SET outcome = 'cancelled', ended_at = ? WHERE id = ?", [e["at"], tid])
        self.c.execute("UPDATE stat_case SET outcome = 'cancelled' WHERE ticket = ? AND outcome = 'open'", [tid])

    def on_day_closed(self, e: Event) -> None:
        at, day = e["at"], e["day"]
        self.days.add(day)
        end = min(at, day_end(day, self.tz))
        for tid in e.get("tickets", ()):
            self.ticket_day(tid)
            row = self.c.execute("SELECT outcome FROM stat_ticket WHERE id = ?", [tid]).fetchone()
            final = "no_show" if row and row[0] == "no_show" else "unserved"
            self.end_contact(tid, end, "closed", with_service=False)
            self.c.execute("UPDATE stat_ticket SET outcome = ?, ended_at = ? WHERE id = ?", [final, end, tid])
            self.c.execute("UPDATE stat_case SET outcome = ? WHERE ticket = ? AND outcome = 'open'", [final, tid])
        for counter in e.get("counters", ()):
            self.close_sessions(counter, at, ("login", "pause"))

    def on_clerk_logged_in(self, e: Event) -> None:
        self.close_sessions(e["counter"], e["at"], ("login",))
        self.days.add(self.day)
        self.c.execute("INSERT INTO stat_session(day, kind, clerk, counter, start) VALUES (?, 'login', ?, ?, ?)",
                       [self.day or local_day(e["at"], self.tz), e["clerk"], e["counter"], e["at"]])

    def on_clerk_logged_out(self, e: Event) -> None:
        self.close_sessions(e["counter"], e["at"], ("login", "pause"))

    def on_counter_paused(self, e: Event) -> None:
        self.close_sessions(e["counter"], e["at"], ("pause",))
        self.days.add(self.day)
        self.c.execute("INSERT INTO stat_session(day, kind, clerk, counter, start, reason)"
                       " VALUES (?, 'pause', ?, ?, ?, ?)",
                       [self.day or local_day(e["at"], self.tz), e.get("clerk"), e["counter"], e["at"],
                        e.get("reason") or ""])

    def on_counter_opened(self, e: Event) -> None:
        self.close_sessions(e["counter"], e["at"], ("pause",))

    def on_counter_closed(self, e: Event) -> None:
        self.close_sessions(e["counter"], e["at"], ("pause",))

    def on_background_started(self, e: Event) -> None:
        b = e["background"]
        day = self.day or local_day(b["started_at"], self.tz)
        self.days.add(day)
        self.c.execute("INSERT OR REPLACE INTO stat_background(id, day, counter, clerk, kind, started_at, backlog)"
                       " VALUES (?,?,?,?,?,?,?)", [b["id"], day, b["counter"], b.get("clerk"), b.get("kind") or "",
                                                   b["started_at"], b.get("backlog")])
        if b.get("backlog"):
            self.c.execute("UPDATE stat_backlog SET taken_at = COALESCE(taken_at, ?) WHERE id = ?",
                           [b["started_at"], b["backlog"]])

    def on_background_stopped(self, e: Event) -> None:
        row = self.c.execute("SELECT day, started_at, backlog, clerk FROM stat_background WHERE id = ?",
                             [e["id"]]).fetchone()
        if row is None:
            return
        day, started, backlog, clerk = row
        self.days.add(day)
        stopped = max(started, min(e["at"], day_end(day, self.tz)))
        self.c.execute("UPDATE stat_background SET stopped_at = ?, duration_s = ?, reason = ? WHERE id = ?",
                       [stopped, stopped - started, e.get("reason") or "", e["id"]])
        if backlog:  # work on a backlog case: counted; done when the clerk stopped it
            done = e.get("reason") == "stop"
            self.c.execute("UPDATE stat_backlog SET work_s = work_s + ?, done_at = CASE WHEN ? THEN ? ELSE done_at END,"
                           " clerk = CASE WHEN ? THEN ? ELSE clerk END WHERE id = ?",
                           [stopped - started, done, e["at"], done, clerk, backlog])
            found = self.c.execute("SELECT day FROM stat_backlog WHERE id = ?", [backlog]).fetchone()
            if found is not None:
                self.days.add(found[0])

    def on_backlog_recorded(self, e: Event) -> None:
        item = e["item"]
        day = self.day or local_day(item["recorded_at"], self.tz)
        self.days.add(day)
        self.c.execute("INSERT OR REPLACE INTO stat_backlog(id, day, kind, recorded_at) VALUES (?,?,?,?)",
                       [item["id"], day, item["kind"], item["recorded_at"]])

    def on_feedback_submitted(self, e: Event) -> None:
        tid = e.get("ticket")
        day = self.ticket_day(tid) if tid else self.day
        service = None
        if tid:
            row = self.c.execute("SELECT service FROM stat_contact WHERE ticket = ? ORDER BY id DESC LIMIT 1",
                                 [tid]).fetchone()
            service = row[0] if row else None
        self.c.execute("INSERT INTO stat_feedback(at, day, counter, clerk, ticket, service, score)"
                       " VALUES (?,?,?,?,?,?,?)", [e["at"], day, e.get("counter"), e.get("clerk"), tid, service,
                                                   e["score"]])


    def on_feedback_nps(self, e: Event) -> None:
        self.days.add(e["day"])
        # One answer per ticket (the engine refuses a second); keyed by the survey link's token.
        self.c.execute("INSERT OR IGNORE INTO nps_answer(token, ticket, day, service, clerk, score, at)"
                       " VALUES (?,?,?,?,?,?,?)", [e.get("token") or e["ticket"], e["ticket"], e["day"],
                                                   e.get("service"), e.get("clerk"), e["score"], e["at"]])


def project_events(conn: sqlite3.Connection, events: Iterable[Event]) -> None:
    """Apply events to the fact tables (no error isolation: the caller decides)."""
    p = _Projection(conn)
    for e in events:
        p.apply(e)
    p.finish()


def project(db: Any, events: list[Event]) -> None:
    """Project a batch inside the caller's transaction: isolated in a savepoint, never fatal except for
    storage errors."""
    conn: sqlite3.Connection = db.conn if hasattr(db, "conn") else db
    conn.execute("SAVEPOINT stats")
    try:
        project_events(conn, events)
    except sqlite3.OperationalError:
        conn.execute("ROLLBACK TO stats")
        conn.execute("RELEASE stats")
        raise  # disk full, I/O error: the batch must fail like any storage error
    except Exception:
        log.exception("statistics projection failed; the statistics need a rebuild")
        conn.execute("ROLLBACK TO stats")
        conn.execute("INSERT INTO stat_meta(key, value) VALUES ('dirty', 'true')"
                     " ON CONFLICT(key) DO UPDATE SET value = 'true'")
    conn.execute("RELEASE stats")


FACT_TABLES = ("stat_ticket", "stat_case", "stat_contact", "stat_background", "stat_feedback", "stat_session",
               "stat_outcome", "stat_backlog", "nps_answer")


def rebuild(db: Any, batch: int = 5000) -> int:
    """Recompute every fact from the event log, in one transaction; returns the events read.

    Run it where nothing else writes (the hub runs it on the engine worker).
    """
    conn: sqlite3.Connection = db.conn if hasattr(db, "conn") else db
    own_tx = not conn.in_transaction
    if own_tx:
        conn.execute("BEGIN IMMEDIATE")
    try:
        for table in (*FACT_TABLES, "stat_pack"):
            conn.execute(f"DELETE FROM {table}")
        # Same row ids as the incremental tables had (they are compared in tests).
        conn.execute("DELETE FROM sqlite_sequence WHERE name LIKE 'stat_%'")
        generation = conn.execute("SELECT value FROM stat_meta WHERE key = 'generation'").fetchone()
        conn.execute("DELETE FROM stat_meta")
        conn.execute("INSERT INTO stat_meta(key, value) VALUES ('generation', ?)",
                     [json.dumps(json.loads(generation[0]) + 1 if generation else 1)])
        n = 0
        for _last, events in _event_batches(conn, 0, batch):
            n += len(events)
            project_events(conn, events)
        _set_projected(conn, _last_seq(conn))
        if own_tx:
            conn.execute("COMMIT")
        return n
    except BaseException:
        if own_tx:
            conn.execute("ROLLBACK")
        raise


def _event_batches(conn: sqlite3.Connection, after: int, batch: int,
                   limit: int | None = None) -> Iterator[tuple[int, list[Event]]]:
    """The log after ``after`` in order, ``batch`` events at a time, at most ``limit`` in all: (last seq, events)."""
    n = 0
    while limit is None or n < limit:
        size = batch if limit is None else min(batch, limit - n)
        rows = conn.execute("SELECT seq, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?", [after, size]).fetchall()
        if not rows:
            return
        after = rows[-1][0]
        n += len(rows)
        yield after, [json.loads(data) for _, data in rows]


PROJECTED_KEY = "projected_seq"
"""``stat_meta`` key: the last event ``seq`` the fact tables include."""


def _last_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])


def projected_seq(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM stat_meta WHERE key = ?", [PROJECTED_KEY]).fetchone()
    return int(json.loads(row[0])) if row else 0


def _set_projected(conn: sqlite3.Connection, seq: int) -> None:
    conn.execute("INSERT INTO stat_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 [PROJECTED_KEY, json.dumps(seq)])


def catch_up(conn: sqlite3.Connection, *, max_events: int | None = None, batch: int = 2000) -> int:
    """Project the events committed since the last projection; returns how many (0: nothing was due).

    Its own transaction (``BEGIN IMMEDIATE``: the mark is read under the write
    lock, so a concurrent caller waits and then finds the events projected).
    ``max_events`` bounds one call (the engine thread's, so that a backlog
    never holds up requests for long); more may remain after it. Storage
    errors propagate with nothing changed; any other failure of the
    projection marks the statistics dirty and moves on (see :func:`project`).
    """
    if projected_seq(conn) >= _last_seq(conn):
        return 0  # the usual case for a reader: nothing to write, no write lock taken
    if conn.in_transaction:
        raise RuntimeError("catch_up needs a connection outside a transaction")
    conn.execute("BEGIN IMMEDIATE")
    try:
        mark, n = projected_seq(conn), 0
        for last, events in _event_batches(conn, mark, batch, max_events):
            project(conn, events)
            mark, n = last, n + len(events)
        if n:
            _set_projected(conn, mark)
        conn.execute("COMMIT")  # n == 0: another caller projected them while this one waited for the lock
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return n


def current(conn: sqlite3.Connection) -> sqlite3.Connection:
    """``conn`` with every committed event projected: call before reading any fact table."""
    catch_up(conn)
    return conn


def install(store: Any) -> None:
    """Make a hub store's statistics current at start: built from the log if it has none yet, then every
    event a crash left unprojected projected. The hub projects later events itself (:func:`catch_up`)."""
    conn: sqlite3.Connection = store.db.conn
    with store.lock:
        has_events = conn.execute("SELECT 1 FROM events WHERE type = 'ticket.issued' LIMIT 1").fetchone()
        has_facts = conn.execute("SELECT 1 FROM stat_ticket LIMIT 1").fetchone()
        if has_events and not has_facts:
            log.info("building statistics from the event log (first start with statistics)")
            rebuild(store.db)
        elif conn.execute("SELECT 1 FROM stat_meta WHERE key = ?", [PROJECTED_KEY]).fetchone() is None:
            # A store from before the batched projection: every commit projected its own events.
            with conn:
                _set_projected(conn, _last_seq(conn))
        n = catch_up(conn)
    if n:
        log.info("statistics: projected %d events committed before the last stop", n)
