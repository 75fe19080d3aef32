"""Central reporting: 50 offices replaying a busy day each into one central service.

One busy office day (5,000 tickets, 10 counters, 08:00–18:00; ~5 % no-shows)
is generated with the real engine (hub.ops, as a hub runs them) and written
into 50 hub databases (the hub's SQLite schema). Each office runs the real
hub-side :class:`hub.central_link.Replicator` against one real
``CentralService`` (its own Mosquitto, the consumer, a private PostgreSQL
with ``fsync`` on) on this machine:

1. **live**: every office appends its day at ``SPEEDUP`` × real time for
   ``LIVE_S`` seconds; lag = event committed in the hub's SQLite → its
   acknowledgement from central (stored in PostgreSQL), p50/p99;
2. **catch-up**: the rest of every office's day arrives at once (as after a
   WAN outage); events/s stored until every office is acknowledged;
3. **size**: PostgreSQL bytes (tables + indexes) per office-day, and per
   office-year (× ``WORKING_DAYS``);
4. **report**: ``sorra central report``'s query over a year across all
   offices (``site_day``: the replicated day plus a synthetic rest of the
   year, one row per office and day, as the consumer writes them), target
   < 2 s; and one office's full hub report (hub.stats on the central copy),
   cold (projecting the day from PostgreSQL) and warm.

``main(quick=True)``: 10 offices × 1,000 tickets, shorter live phase.
"""

from __future__ import annotations

import json
import random
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.common import percentile, write_result

TZ = ZoneInfo("Europe/Budapest")
DAY = date(2026, 3, 10)
WORKING_DAYS = 250
REPORT_TARGET_S = 2.0


def busy_day(tickets: int, counters: int = 10, seed: int = 7) -> list[dict[str, Any]]:
    """One office day's events from the real engine and ops."""
    from hub.app import hub_ops
    from hub.engine import Engine, EngineError
    from hub.ops import Actor, Context
    from hub.presenter import Presenter

    rnd = random.Random(seed)
    start = datetime(DAY.year, DAY.month, DAY.day, 8, 0, tzinfo=TZ).timestamp()
    end = start + 10 * 3600
    now = [start - 600]
    engine = Engine(lambda: now[0])
    ops = hub_ops()
    ctx = Context(engine, Presenter(engine), Actor("admin", "admin"), lambda *a: None, ops=ops)
    events: list[dict[str, Any]] = []

    def run(op: str, args: dict[str, Any]) -> dict[str, Any]:
        out = ops.execute(ctx, op, args)
        events.extend(engine.take_events())
        return out

    for sid, prefix in (("A", "A"), ("B", "B"), ("C", "C")):
        run("admin.service_upsert", {"id": sid, "names": {"hu": sid, "en": sid}, "prefix": prefix, "info": {},
                                     "group": "", "sla_s": 900})
    for n in range(1, counters + 1):
        run("admin.counter_upsert", {"number": n})
        run("admin.counter_command", {"counter": n, "op": "counter.resume", "args": {}})
    arrivals = sorted(rnd.uniform(start, end - 1800) for _ in range(tickets))
    busy_until = dict.fromkeys(range(1, counters + 1), 0.0)
    serving: dict[int, bool] = dict.fromkeys(range(1, counters + 1), False)
    i = 0
    while i < len(arrivals) or any(serving.values()):
        free_at = min(busy_until.values())
        nxt = arrivals[i] if i < len(arrivals) else float("inf")
        if nxt <= free_at:
            now[0] = nxt
            run("ticket.issue", {"services": [rnd.choice("AABC")]})
            i += 1
            continue
        n = min(busy_until, key=busy_until.__getitem__)
        now[0] = max(now[0], free_at)
        if serving[n]:
            run("admin.counter_command", {"counter": n, "op": "counter.finish", "args": {}})
            serving[n] = False
        try:
            called = run("admin.counter_command", {"counter": n, "op": "counter.call_next", "args": {}})
        except EngineError:
            called = {}
        if not called.get("ticket"):  # nobody waiting: idle until the next arrival
            busy_until[n] = nxt
            if all(v == float("inf") for v in busy_until.values()):
                break
            continue
        if rnd.random() < 0.05:
            now[0] += 60
            run("admin.counter_command", {"counter": n, "op": "counter.no_show", "args": {}})
            busy_until[n] = now[0]
        else:
            serving[n] = True
            busy_until[n] = now[0] + rnd.expovariate(1 / (counters * (end - start) / tickets * 0.9))
    return events


class Office:
    """A hub database receiving its day's events, and the replicator sending them."""

    def __init__(self, root: Path, site: str, events: list[dict[str, Any]]) -> None:
        from hub.store import open_db

        self.site, self.events = site, events
        self.path = root / f"{site}.db"
        self.db = open_db(self.path)
        self.written = 0
        self.commit_at: dict[int, float] = {}
        self.lags: list[float] = []
        self.acked = 0
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._pending: list[int] = []
        self.replicator: Any = None

    def write(self, upto: int, *, timed: bool) -> None:
        batch = self.events[self.written:upto]
        if not batch:
            return
        with self.db.conn:
            self.db.conn.executemany(
                "INSERT INTO events(at, day, type, data) VALUES (?,?,?,?)",
                [(e["at"], DAY.isoformat(), e["type"], json.dumps(e, separators=(",", ":"))) for e in batch])
        last = self.db.execute("SELECT MAX(seq) FROM events").fetchone()[0]
        if timed:
            now = time.monotonic()
            with self._lock:
                for seq in range(last - len(batch) + 1, last + 1):
                    self.commit_at[seq] = now
                    self._pending.append(seq)
        self.written = upto

    def on_acked(self, n: int) -> None:
        now = time.monotonic()
        with self._lock:
            self.acked = max(self.acked, n)
            keep = []
            for seq in self._pending:
                if seq <= n:
                    self.lags.append(now - self.commit_at.pop(seq))
                else:
                    keep.append(seq)
            self._pending = keep
            if self.acked >= len(self.events):
                self.done.set()


def main(quick: bool = False) -> dict[str, Any]:
    import psycopg

    from central import db as D
    from central.service import CentralConfig, CentralService
    from central.stats import SiteStats
    from hub.broker import hash_password
    from hub.central_link import CentralConfig as LinkConfig
    from hub.central_link import Replicator
    from tests.broker_fixture import free_port
    from tests.central.conftest import private_postgres

    n_offices, tickets = (10, 1000) if quick else (50, 5000)
    speedup, live_s = (100.0, 10.0) if quick else (100.0, 30.0)
    t0 = time.monotonic()
    day_events = busy_day(tickets)
    gen_s = time.monotonic() - t0
    with tempfile.TemporaryDirectory(prefix="sorra-bench-central-") as tmp, \
            private_postgres(durable=True) as pg:
        root = Path(tmp)
        db_url = pg.create_db()
        service = CentralService(CentralConfig(data_dir=root / "central", db_url=db_url, mqtt_port=free_port(),
                                               http_port=free_port(), bind="127.0.0.1", web=False)).start()
        offices: list[Office] = []
        try:
            with psycopg.connect(db_url, autocommit=True) as conn:
                for i in range(n_offices):
                    site = f"office{i:02d}"
                    D.put_site(conn, site, f"Office {i}", site, hash_password("pw-" + site))
                    offices.append(Office(root, site, day_events))
            service.reload_sites()
            url = service.site_url()
            for o in offices:
                o.replicator = Replicator(o.path, LinkConfig(url, o.site, o.site, "pw-" + o.site),
                                          on_acked=o.on_acked).start()
            for o in offices:
                assert o.replicator.connected.wait(30), "an office could not connect"

            # 1. live: each office writes its events as they happen, SPEEDUP × real time
            day_start = day_events[0]["at"]
            live_start = time.monotonic()
            while (elapsed := time.monotonic() - live_start) < live_s:
                office_now = day_start + elapsed * speedup
                upto = next((i for i, e in enumerate(day_events) if e["at"] > office_now), len(day_events))
                for o in offices:
                    o.write(upto, timed=True)
                time.sleep(0.05)
            live_events = sum(o.written for o in offices)
            deadline = time.monotonic() + 120
            while any(o.acked < o.written for o in offices) and time.monotonic() < deadline:
                time.sleep(0.05)
            lags = [lag for o in offices for lag in o.lags]

            # 2. catch-up: the rest of the day at once
            stored_before = service.consumer.stored_events if service.consumer else 0
            catch_start = time.monotonic()
            for o in offices:
                o.write(len(day_events), timed=False)
            backlog = sum(len(day_events) for _ in offices) - live_events
            limit = 900 if not quick else 300
            for o in offices:
                o.done.wait(max(0.0, limit - (time.monotonic() - catch_start)))
            catch_s = time.monotonic() - catch_start
            complete = all(o.done.is_set() for o in offices)
            stored = (service.consumer.stored_events if service.consumer else 0) - stored_before

            # 3. size
            with psycopg.connect(db_url, autocommit=True) as conn:
                conn.execute("VACUUM ANALYZE")
                size = {t: conn.execute("SELECT pg_total_relation_size(%s)", [t]).fetchone()[0]
                        for t in ("events", "tickets", "site_day", "sites")}
                report_day = D.report(conn, DAY.isoformat())
                # 4. a year across all offices: the replicated day plus the rest of the year's site_day rows
                conn.execute(
                    "INSERT INTO site_day SELECT d.site, g::date, d.issued, d.served, d.no_show, d.cancelled,"
                    " d.unserved, d.open, d.called, d.wait_sum, d.wait_max FROM site_day d,"
                    " generate_series(%s::date, %s::date, '1 day') g"
                    " WHERE d.day = %s AND extract(isodow FROM g) < 6 ON CONFLICT DO NOTHING",
                    [date(DAY.year, 1, 1), date(DAY.year, 12, 31), DAY])
                conn.execute("ANALYZE site_day")
                times = []
                for _ in range(5):
                    t = time.monotonic()
                    year = D.report(conn, f"{DAY.year}-01-01", f"{DAY.year}-12-31")
                    times.append(time.monotonic() - t)
                year_days = conn.execute("SELECT count(DISTINCT day) FROM site_day").fetchone()[0]
            stats = SiteStats(root / "central", lambda: psycopg.connect(db_url, autocommit=True))
            t = time.monotonic()
            office_report = stats.report(offices[0].site, DAY.isoformat(), DAY.isoformat())
            office_cold_s = time.monotonic() - t
            t = time.monotonic()
            stats.report(offices[0].site, DAY.isoformat(), DAY.isoformat())
            office_warm_s = time.monotonic() - t
        finally:
            for o in offices:
                if o.replicator is not None:
                    o.replicator.stop()
                o.db.close()
            service.stop()

    issued = sum(1 for e in day_events if e["type"] == "ticket.issued")
    counts_ok = all(r["issued"] == issued for r in report_day.values()) and len(report_day) == n_offices
    total_bytes = sum(size.values())
    per_office_day = total_bytes / n_offices
    year_report_s = sorted(times)[len(times) // 2]
    figures = {
        "quick": quick,
        "offices": n_offices, "tickets_per_office_day": issued, "events_per_office_day": len(day_events),
        "generate_day_s": round(gen_s, 2),
        "live": {"seconds": live_s, "speedup": speedup, "events": live_events,
                 "events_per_s": round(live_events / live_s, 1),
                 "lag_p50_ms": round(percentile(lags, 50) * 1000, 1), "lag_p99_ms": round(percentile(lags, 99) * 1000, 1),
                 "lag_max_ms": round(max(lags) * 1000, 1) if lags else None},
        "catch_up": {"events": backlog, "stored": stored, "seconds": round(catch_s, 2), "complete": complete,
                     "events_per_s_stored": round(stored / catch_s, 1) if catch_s else None},
        "postgres_bytes": size,
        "bytes_per_office_day": round(per_office_day),
        "mb_per_office_year": round(per_office_day * WORKING_DAYS / 1e6, 1),
        "year_report": {"offices": len(year), "days": year_days, "median_s": round(year_report_s, 4),
                        "target_s": REPORT_TARGET_S},
        "office_full_report_day": {"cold_s": round(office_cold_s, 2), "warm_s": round(office_warm_s, 3),
                                   "issued": office_report["totals"]["issued"]},
        "counts_match": counts_ok,
        "target_met": bool(complete and counts_ok and year_report_s < REPORT_TARGET_S),
    }
    return write_result("central_quick" if quick else "central", figures)


if __name__ == "__main__":
    import sys

    main(quick="--quick" in sys.argv)
