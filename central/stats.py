"""The hub's statistics (hub.stats) for any office, computed from the central database.

The hub keeps exact statistics as fact tables that its projector writes from
the event log (hub/stats/projector.py), reports from them (report.py) and
exports them (export.py). Central runs the *same* code on the same events: for
each office a derived SQLite file ``DATA/stats/{site}.sqlite`` (the hub's
schema) follows that office's events in PostgreSQL, incrementally, by
sequence. It is a cache: deleting it rebuilds it from PostgreSQL, which stays
the record. A report, a chart or a CSV/XLSX export of one office on the
central side is therefore the same as on its hub.

Across offices, the counts per office and day come straight from
PostgreSQL's ``site_day`` table (central/db.py), fast over a year.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from hub.stats.projector import project_events

PAGE = 5000


class SiteStats:
    def __init__(self, data_dir: Path | str, db: Any) -> None:
        """``db()``: a new psycopg connection (autocommit)."""
        self.dir = Path(data_dir) / "stats"
        self.db = db
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, site: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(site, threading.Lock())

    def _open(self, site: str) -> Any:
        from hub.store import open_db

        self.dir.mkdir(parents=True, exist_ok=True)
        return open_db(self.dir / f"{site}.sqlite")

    def refresh(self, site: str, sdb: Any, pg: Any) -> int:
        """Project the site's events stored since the last refresh; returns how many."""
        conn: sqlite3.Connection = sdb.conn
        row = conn.execute("SELECT value FROM stat_meta WHERE key = 'central_seq'").fetchone()
        last = json.loads(row[0]) if row else 0
        n = 0
        while True:
            rows = pg.execute("SELECT seq, data FROM events WHERE site = %s AND seq > %s ORDER BY seq LIMIT %s",
                              [site, last, PAGE]).fetchall()
            if not rows:
                return n
            with conn:
                project_events(conn, [data for _seq, data in rows])
                last = rows[-1][0]
                conn.execute("INSERT INTO stat_meta(key, value) VALUES ('central_seq', ?)"
                             " ON CONFLICT(key) DO UPDATE SET value = excluded.value", [json.dumps(last)])
            n += len(rows)

    def configuration(self, site: str, pg: Any, lang: str = "hu") -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """Services (names in ``lang``, targets) and clerks' names as the office has them now."""
        from hub.web.i18n import name_in

        services: dict[str, dict[str, Any]] = {}
        clerks: dict[str, str] = {}
        for kind, data in pg.execute(
                "SELECT type, data FROM events WHERE site = %s AND type IN ('service.upserted', 'clerk.upserted')"
                " AND type NOT LIKE 'ticket.%%'"
                " ORDER BY seq", [site]):
            if kind == "service.upserted":
                s = data["service"]
                names = s.get("names") or {}
                services[s["id"]] = {"name": name_in(names, lang, s["id"]), "sla_s": s.get("sla_s")}
            else:
                c = data["clerk"]
                clerks[c["id"]] = c.get("name") or clerks.get(c["id"]) or c["id"]
        return services, clerks

    def catch_up(self, site: str) -> int:
        """Bring one office's cache up to date (the service does this for every office in the background,
        so that a page seldom waits for more than the last minutes of events)."""
        with self._lock(site):
            sdb = self._open(site)
            try:
                with self.db() as pg:
                    return self.refresh(site, sdb, pg)
            finally:
                sdb.close()

    def report(self, site: str, start: str, end: str, lang: str = "hu") -> dict[str, Any]:
        from hub.stats import compute

        with self._lock(site):
            sdb = self._open(site)
            try:
                with self.db() as pg:
                    self.refresh(site, sdb, pg)
                    services, clerks = self.configuration(site, pg, lang)
                return compute(sdb.conn, start, end, services=services, clerks=clerks)
            finally:
                sdb.close()
