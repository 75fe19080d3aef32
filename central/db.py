"""The central PostgreSQL database (psycopg 3): schema, idempotent ingest, reports, sites, users.

Tables

* ``sites``: one row per office; ``acked_seq`` is the highest *contiguous*
  sequence stored (what the hub is acknowledged), ``head_seq`` and
  ``last_contact`` come from the hub's heartbeat. Removing a site sets
  ``removed_at`` and keeps everything else.
* ``events``: every hub's event log, primary key (site, seq): a repeated
  event can never be stored twice.
* ``tickets``: one fact row per ticket (day, first service, outcome, first
  call), kept from the events in the same transaction.
* ``site_day``: per office and day, the counts (issued, served, no-show, …)
  and wait sums, recomputed from ``tickets`` for the days a batch touched,
  in that same transaction. Reports over a year across all offices read it.
* ``users`` and ``sessions``: web accounts (scrypt hashes from hub.web.accounts).

Outcomes follow hub/stats/projector.py: ``open`` → ``served`` (finished with
no service remaining), ``no_show``, ``cancelled``, or at the day's close
``unserved`` (a no-show stays a no-show); a returned ticket is ``open`` again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import psycopg

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS central_meta (key text PRIMARY KEY, value text NOT NULL)",
    """CREATE TABLE IF NOT EXISTS sites (
        site text PRIMARY KEY,
        name text NOT NULL,
        username text NOT NULL,
        password_hash text NOT NULL,
        created_at double precision NOT NULL,
        removed_at double precision,
        acked_seq bigint NOT NULL DEFAULT 0,
        head_seq bigint NOT NULL DEFAULT 0,
        last_contact double precision,
        last_event_at double precision
    )""",
    """CREATE TABLE IF NOT EXISTS events (
        site text NOT NULL,
        seq bigint NOT NULL,
        at double precision NOT NULL,
        day text NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (site, seq)
    )""",
    # Only the few configuration and day events are looked up by type (overview, names): a small index.
    "CREATE INDEX IF NOT EXISTS events_site_config ON events (site, type, seq) WHERE type NOT LIKE 'ticket.%'",
    """CREATE TABLE IF NOT EXISTS tickets (
        site text NOT NULL,
        id text NOT NULL,
        day date NOT NULL,
        service text NOT NULL,
        issued_at double precision NOT NULL,
        first_called_at double precision,
        ended_at double precision,
        outcome text NOT NULL,
        PRIMARY KEY (site, id)
    )""",
    "CREATE INDEX IF NOT EXISTS tickets_site_day ON tickets (site, day)",
    """CREATE TABLE IF NOT EXISTS site_day (
        site text NOT NULL,
        day date NOT NULL,
        issued integer NOT NULL,
        served integer NOT NULL,
        no_show integer NOT NULL,
        cancelled integer NOT NULL,
        unserved integer NOT NULL,
        open integer NOT NULL,
        called integer NOT NULL,
        wait_sum double precision NOT NULL,
        wait_max double precision,
        PRIMARY KEY (site, day)
    )""",
    "CREATE INDEX IF NOT EXISTS site_day_day ON site_day (day)",
    """CREATE TABLE IF NOT EXISTS users (
        name text PRIMARY KEY,
        role text NOT NULL,
        sites text[] NOT NULL DEFAULT '{}',
        password_hash text NOT NULL,
        created_at double precision NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS sessions (
        token_hash text PRIMARY KEY,
        name text NOT NULL,
        expires_at double precision NOT NULL
    )""",
]

OUTCOMES = ("served", "no_show", "cancelled", "unserved", "open")
ROLES = ("admin", "manager")


def connect(url: str, **kwargs: Any) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)


def migrate(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(727274)")  # two processes starting at once
        for stmt in SCHEMA:
            conn.execute(stmt)


# ---- ingest -------------------------------------------------------------------------

_TICKET_INSERT = ("INSERT INTO tickets (site, id, day, service, issued_at, outcome) VALUES (%s,%s,%s,%s,%s,'open')"
                  " ON CONFLICT (site, id) DO NOTHING")
# One statement for every later change, so executemany keeps their order.
_TICKET_UPDATE = """UPDATE tickets SET
    outcome = CASE WHEN %(o)s::text IS NULL THEN outcome
                   WHEN %(o)s::text = '_closed' THEN (CASE WHEN outcome = 'no_show' THEN 'no_show' ELSE 'unserved' END)
                   ELSE %(o)s::text END,
    first_called_at = COALESCE(first_called_at, %(called)s::double precision),
    ended_at = CASE WHEN %(o)s::text IN ('served', 'cancelled', '_closed') THEN %(at)s::double precision
                    WHEN %(o)s::text = 'open' THEN NULL ELSE ended_at END
    WHERE site = %(site)s AND id = %(id)s"""
_SITE_DAY = """INSERT INTO site_day (site, day, issued, served, no_show, cancelled, unserved, open, called,
                                  wait_sum, wait_max)
    SELECT site, day, count(*), count(*) FILTER (WHERE outcome = 'served'), count(*) FILTER (WHERE outcome = 'no_show'),
           count(*) FILTER (WHERE outcome = 'cancelled'), count(*) FILTER (WHERE outcome = 'unserved'),
           count(*) FILTER (WHERE outcome = 'open'), count(first_called_at),
           COALESCE(sum(first_called_at - issued_at), 0), max(first_called_at - issued_at)
    FROM tickets WHERE site = %s AND day = %s GROUP BY site, day
    ON CONFLICT (site, day) DO UPDATE SET issued = excluded.issued, served = excluded.served,
        no_show = excluded.no_show, cancelled = excluded.cancelled, unserved = excluded.unserved,
        open = excluded.open, called = excluded.called, wait_sum = excluded.wait_sum, wait_max = excluded.wait_max"""


def _ticket_changes(site: str, events: list[dict[str, Any]]) -> tuple[list[tuple], list[dict], set[str]]:
    inserts: list[tuple] = []
    updates: list[dict[str, Any]] = []
    days: set[str] = set()

    def upd(tid: str, o: str | None, at: float, called: float | None = None) -> None:
        updates.append({"o": o, "called": called, "at": at, "site": site, "id": tid})

    for e in events:
        kind, d, at = e["type"], e["data"], e["at"]
        if not (kind.startswith("ticket.") or kind == "day.closed"):
            continue
        if e.get("day"):
            days.add(e["day"])
        if kind == "ticket.issued":
            t = d["ticket"]
            inserts.append((site, t["id"], t["day"], (t.get("services") or [""])[0], t["issued_at"]))
            days.add(t["day"])
        elif kind == "ticket.called":
            upd(d["ticket"], None, at, at)
        elif kind == "ticket.finished":
            if not d.get("remaining"):
                upd(d["ticket"], "served", at)
        elif kind == "ticket.no_show":
            upd(d["ticket"], "no_show", at)
        elif kind == "ticket.returned":
            upd(d["ticket"], "open", at)
        elif kind == "ticket.cancelled":
            upd(d["ticket"], "cancelled", at)
        elif kind == "day.closed":
            if d.get("day"):
                days.add(d["day"])
            for tid in d.get("tickets", ()):
                upd(tid, "_closed", at)
    return inserts, updates, days


class Ingest:
    """Stores batches of one or more sites in ONE transaction (the caller commits).

    ``add(site, prev, events)`` returns ``(acked, rewind, new)``: the highest contiguous
    sequence now stored for the site, whether the hub must send again from there
    (the batch came after a gap), and the events stored now. Events at or below ``acked`` are skipped, so a batch
    sent twice changes nothing; the primary key (site, seq) makes sure of it anyway.
    """

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.acked: dict[str, int | None] = {}
        self.stored: dict[str, int] = {}
        self.last_at: dict[str, float] = {}
        self._days: set[tuple[str, str]] = set()

    def _acked(self, site: str) -> int | None:
        if site not in self.acked:
            row = self.conn.execute("SELECT acked_seq FROM sites WHERE site = %s AND removed_at IS NULL FOR UPDATE",
                                    [site]).fetchone()
            self.acked[site] = None if row is None else int(row[0])
        return self.acked[site]

    def add(self, site: str, prev: int, events: list[dict[str, Any]]) -> tuple[int | None, bool, list[dict]]:
        acked = self._acked(site)
        if acked is None:
            return None, False, []  # unknown or removed site: nothing is stored
        if prev > acked:
            return acked, True, []
        new = [e for e in events if e["seq"] > acked]
        if not new:
            return acked, False, []
        with self.conn.cursor() as cur:
            cur.executemany("INSERT INTO events (site, seq, at, day, type, data) VALUES (%s,%s,%s,%s,%s,%s)"
                            " ON CONFLICT (site, seq) DO NOTHING",
                            [(site, e["seq"], e["at"], e.get("day") or "", e["type"],
                              json.dumps(e["data"], ensure_ascii=False, separators=(",", ":"))) for e in new])
            inserts, updates, days = _ticket_changes(site, new)
            if inserts:
                cur.executemany(_TICKET_INSERT, inserts)
            if updates:
                cur.executemany(_TICKET_UPDATE, updates)
        self._days |= {(site, d) for d in days}
        self.acked[site] = new[-1]["seq"]
        self.stored[site] = self.stored.get(site, 0) + len(new)
        self.last_at[site] = new[-1]["at"]
        return new[-1]["seq"], False, new

    def finish(self) -> None:
        """Site rows and day summaries, still inside the transaction."""
        with self.conn.cursor() as cur:
            if self._days:
                cur.executemany(_SITE_DAY, sorted(self._days))
            rows = [(self.acked[s], self.acked[s], self.last_at[s], time.time(), s) for s in self.stored]
            if rows:
                cur.executemany("UPDATE sites SET acked_seq = %s, head_seq = GREATEST(head_seq, %s), last_event_at = %s,"
                                " last_contact = %s WHERE site = %s", rows)


def heartbeat(conn: psycopg.Connection, site: str, head: int) -> int | None:
    row = conn.execute("UPDATE sites SET last_contact = %s, head_seq = GREATEST(head_seq, %s)"
                       " WHERE site = %s AND removed_at IS NULL RETURNING acked_seq",
                       [time.time(), head, site]).fetchone()
    return None if row is None else int(row[0])


# ---- reports -------------------------------------------------------------------------

def report(conn: psycopg.Connection, start: str, end: str | None = None,
           sites: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """``{site: {"issued", "served", "no_show", "cancelled", "unserved", "open", "called",
    "wait_mean_s", "wait_max_s", "name"}}`` for days start…end from ``site_day``."""
    end = end or start
    params: list[Any] = [start, end]
    where = ""
    if sites is not None:
        where = " AND d.site = ANY(%s)"
        params.append(list(sites))
    rows = conn.execute(
        "SELECT d.site, COALESCE(s.name, d.site), sum(issued), sum(served), sum(no_show), sum(cancelled),"
        " sum(unserved), sum(open), sum(called), sum(wait_sum), max(wait_max)"
        " FROM site_day d LEFT JOIN sites s ON s.site = d.site"
        f" WHERE d.day BETWEEN %s AND %s{where} GROUP BY d.site, s.name ORDER BY d.site", params).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for site, name, issued, served, no_show, cancelled, unserved, open_, called, wsum, wmax in rows:
        out[site] = {"name": name, "issued": int(issued), "served": int(served), "no_show": int(no_show),
                     "cancelled": int(cancelled), "unserved": int(unserved), "open": int(open_),
                     "called": int(called), "wait_mean_s": round(float(wsum) / called, 1) if called else None,
                     "wait_max_s": round(float(wmax), 1) if wmax is not None else None}
    return out


def report_by_day(conn: psycopg.Connection, start: str, end: str,
                  sites: Iterable[str] | None = None) -> list[dict[str, Any]]:
    params: list[Any] = [start, end]
    where = ""
    if sites is not None:
        where = " AND site = ANY(%s)"
        params.append(list(sites))
    rows = conn.execute(
        "SELECT day, sum(issued), sum(served), sum(no_show), sum(cancelled), sum(unserved), sum(open)"
        f" FROM site_day WHERE day BETWEEN %s AND %s{where} GROUP BY day ORDER BY day", params).fetchall()
    return [{"day": d.isoformat(), **dict(zip(("issued", *OUTCOMES), map(int, r), strict=True))}
            for d, *r in rows]


# ---- sites ---------------------------------------------------------------------------

def sites(conn: psycopg.Connection, *, include_removed: bool = False) -> list[dict[str, Any]]:
    cur = conn.execute(
        "SELECT site, name, username, password_hash, created_at, removed_at, acked_seq, head_seq, last_contact,"
        " last_event_at FROM sites" + ("" if include_removed else " WHERE removed_at IS NULL") + " ORDER BY site")
    cols = [c.name for c in cur.description or []]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def put_site(conn: psycopg.Connection, site: str, name: str, username: str, password_hash: str) -> None:
    """Add a site, or give a removed one (and its history) back with new credentials."""
    conn.execute(
        "INSERT INTO sites (site, name, username, password_hash, created_at) VALUES (%s,%s,%s,%s,%s)"
        " ON CONFLICT (site) DO UPDATE SET name = excluded.name, username = excluded.username,"
        " password_hash = excluded.password_hash, removed_at = NULL",
        [site, name, username, password_hash, time.time()])


def remove_site(conn: psycopg.Connection, site: str) -> bool:
    cur = conn.execute("UPDATE sites SET removed_at = %s WHERE site = %s AND removed_at IS NULL",
                       [time.time(), site])
    return cur.rowcount > 0


# ---- users ---------------------------------------------------------------------------

def put_user(conn: psycopg.Connection, name: str, role: str, sites: list[str], password_hash: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role: one of {', '.join(ROLES)}")
    conn.execute("INSERT INTO users (name, role, sites, password_hash, created_at) VALUES (%s,%s,%s,%s,%s)"
                 " ON CONFLICT (name) DO UPDATE SET role = excluded.role, sites = excluded.sites,"
                 " password_hash = excluded.password_hash", [name, role, sites, password_hash, time.time()])


def get_user(conn: psycopg.Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT name, role, sites, password_hash FROM users WHERE name = %s", [name]).fetchone()
    if row is None:
        return None
    return {"name": row[0], "role": row[1], "sites": list(row[2] or []), "password_hash": row[3]}
