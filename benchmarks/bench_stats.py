"""Statistics over a year of a large office: 2 million tickets, under a second.

A synthetic year (2025, weekdays; ~7,850 tickets a day, 12 services, 40
clerks; transfers, no-shows, cancellations, feedback, background work,
sign-ins and pauses) is written straight into the fact tables — the same
rows the projector writes, without replaying 10 million events through the
engine (the projector's own cost is part of the engine benchmark's commits).
Then :func:`hub.stats.compute` runs over the whole year:

* ``cold_s``: the first report, which also packs every day (once per day,
  ever: packs are kept);
* ``warm_s``: the same report again (what a manager waits for), median of 5;
* a month and a single day, for scale.

Target: ``warm_s`` < 1 s for ≥ 2,000,000 tickets.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.common import write_result

TZ = ZoneInfo("Europe/Budapest")
SERVICES = {f"S{i:02d}": (180 + 40 * i, 420 + 30 * i, 600 + 60 * (i % 4)) for i in range(12)}
"""service → (mean wait s, mean service s, SLA s)"""
CLERKS = [f"clerk{i:02d}" for i in range(40)]
TARGET_S = 1.0


def _hour_weights() -> list[float]:
    return [0.0] * 8 + [1.0 + 0.6 * math.exp(-((h - 9.5) ** 2) / 2) + 0.4 * math.exp(-((h - 13) ** 2))
                        for h in range(8, 18)] + [0.0] * 6


def generate(conn: sqlite3.Connection, start: date, days: int, per_day: int, seed: int = 1,
             weekdays_only: bool = True) -> int:
    """Fill the fact tables with a plausible office; returns the number of tickets."""
    rng = random.Random(seed)
    hours = _hour_weights()
    hour_list = list(range(24))
    services = list(SERVICES)
    shares = [1.0 / (1 + i * 0.35) for i in range(len(services))]
    n_tickets = 0
    d = start
    made = 0
    while made < days:
        if weekdays_only and d.weekday() >= 5:
            d += timedelta(days=1)
            continue
        made += 1
        day = d.isoformat()
        base = datetime(d.year, d.month, d.day, tzinfo=TZ).timestamp()
        n = int(per_day * rng.uniform(0.85, 1.15))
        tickets, cases, contacts, feedback = [], [], [], []
        for k in range(n):
            hour = rng.choices(hour_list, hours)[0]
            issued = base + hour * 3600 + rng.random() * 3600
            sid = rng.choices(services, shares)[0]
            mean_wait, mean_serve, _ = SERVICES[sid]
            clerk = rng.choice(CLERKS)
            counter = CLERKS.index(clerk) + 1
            tid = f"{day.replace('-', '')}-{sid}{k:05d}"
            r = rng.random()
            wait = rng.lognormvariate(math.log(mean_wait), 0.6)
            serve = rng.lognormvariate(math.log(mean_serve), 0.5)
            called = issued + wait
            outcome, transfers, returns = "served", 0, 0
            if r < 0.05:
                outcome = "no_show"
                contacts.append((tid, day, sid, counter, clerk, issued, called, wait,
                                 hour, datetime.fromtimestamp(called, TZ).hour, None, called + 60, None,
                                 "no_show", 1, 0, 0, 0))
            elif r < 0.07:
                outcome = "cancelled"
            elif r < 0.09:
                outcome = "unserved"
            else:
                if r < 0.14:  # transferred once, then served
                    transfers = 1
                    contacts.append((tid, day, sid, counter, clerk, issued, called, wait, hour,
                                     datetime.fromtimestamp(called, TZ).hour, called + 30, called + serve / 2,
                                     serve / 2, "transferred", 1, 0, 0, 0))
                    called += serve / 2 + rng.uniform(60, 600)
                    clerk = rng.choice(CLERKS)
                    counter = CLERKS.index(clerk) + 1
                elif r < 0.16:
                    returns = 1
                first = int(transfers == 0)
                contacts.append((tid, day, sid, counter, clerk, called - wait if first else called - 120, called,
                                 wait if first else 120.0, hour, datetime.fromtimestamp(called, TZ).hour,
                                 called + 20, called + serve, serve, "finished", first, 0, 0, 1))
                if rng.random() < 0.2:
                    feedback.append((called + serve + 5, day, counter, clerk, tid, sid,
                                     rng.choices(("good", "neutral", "bad"), (75, 15, 10))[0]))
            tickets.append((tid, day, issued, hour, sid, 1, "kiosk", int(rng.random() < 0.04), 0, outcome,
                            None, 1, 0, transfers, returns, int(outcome == "no_show"), None, clerk, counter))
            cases.append((tid, sid, day, outcome, 0, clerk if outcome == "served" else None,
                          counter if outcome == "served" else None, None))
        conn.executemany("INSERT INTO stat_ticket(id, day, issued_at, hour, service, n_services, channel, priority,"
                         " appointment, outcome, first_called_at, calls, recalls, transfers, returns, no_shows,"
                         " ended_at, last_clerk, last_counter) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                         tickets)
        conn.executemany("INSERT INTO stat_case(ticket, service, day, outcome, via_transfer, clerk, counter,"
                         " served_at) VALUES (?,?,?,?,?,?,?,?)", cases)
        conn.executemany("INSERT INTO stat_contact(ticket, day, service, counter, clerk, queued_at, called_at, wait_s,"
                         " wait_hour, call_hour, started_at, ended_at, service_s, outcome, first, implicit, recalls,"
                         " cases_done) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", contacts)
        conn.executemany("INSERT INTO stat_feedback(at, day, counter, clerk, ticket, service, score)"
                         " VALUES (?,?,?,?,?,?,?)", feedback)
        sessions, backgrounds = [], []
        for i, clerk in enumerate(CLERKS):
            start_t = base + 8 * 3600 + rng.uniform(-600, 900)
            sessions.append((day, "login", clerk, i + 1, start_t, start_t + 8 * 3600, ""))
            sessions.append((day, "pause", clerk, i + 1, start_t + 4 * 3600, start_t + 4.5 * 3600, "Lunch"))
            for j in range(rng.randint(0, 4)):
                b0 = start_t + rng.uniform(0, 7 * 3600)
                backgrounds.append((f"{day}-{clerk}-{j}", day, i + 1, clerk, rng.choice(["Case file", "Phone call"]),
                                    b0, b0 + 600, 600.0, "stop"))
        conn.executemany("INSERT INTO stat_session(day, kind, clerk, counter, start, end, reason)"
                         " VALUES (?,?,?,?,?,?,?)", sessions)
        conn.executemany("INSERT INTO stat_background(id, day, counter, clerk, kind, started_at, stopped_at,"
                         " duration_s, reason) VALUES (?,?,?,?,?,?,?,?,?)", backgrounds)
        n_tickets += n
        d += timedelta(days=1)
    conn.execute("INSERT OR REPLACE INTO stat_meta(key, value) VALUES ('day', ?)",
                 [json.dumps((d + timedelta(days=1)).isoformat())])
    conn.commit()
    return n_tickets


def service_info() -> dict[str, dict[str, object]]:
    return {sid: {"name": f"Service {sid}", "sla_s": sla} for sid, (_, _, sla) in SERVICES.items()}


def main(per_day: int = 7850, days: int = 255) -> dict[str, object]:
    from hub.stats import compute
    from hub.store import open_db

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stats.db"
        db = open_db(path)
        conn = db.conn
        conn.execute("PRAGMA synchronous=OFF")
        t0 = time.perf_counter()
        n = generate(conn, date(2025, 1, 1), days, per_day)
        gen_s = time.perf_counter() - t0
        contacts = conn.execute("SELECT COUNT(*) FROM stat_contact").fetchone()[0]
        first, last = conn.execute("SELECT MIN(day), MAX(day) FROM stat_ticket").fetchone()
        names = service_info()
        clerks = {c: c.title() for c in CLERKS}

        def run(start: str, end: str) -> tuple[float, dict]:
            t = time.perf_counter()
            conn.execute("BEGIN")
            r = compute(conn, start, end, services=names, clerks=clerks)
            conn.commit()
            return time.perf_counter() - t, r

        cold_s, year = run(first, last)
        warm = [run(first, last)[0] for _ in range(5)]
        month = [run("2025-03-01", "2025-03-31")[0] for _ in range(3)]
        one_day = [run("2025-06-02", "2025-06-02")[0] for _ in range(3)]
        db_mb = path.stat().st_size / 1e6
        db.close()
    warm_s = statistics.median(warm)
    figures = {
        "tickets": n, "contacts": contacts, "days": days, "range": [first, last],
        "generate_s": round(gen_s, 1), "db_mb": round(db_mb, 1),
        "cold_s": round(cold_s, 3), "warm_s": round(warm_s, 3), "warm_runs_s": [round(x, 3) for x in warm],
        "month_s": round(statistics.median(month), 3), "day_s": round(statistics.median(one_day), 3),
        "check": {"issued": year["totals"]["issued"], "served": year["totals"]["served"],
                  "median_wait_s": year["totals"]["wait"]["median"], "p90_wait_s": year["totals"]["wait"]["p90"]},
        "target": {"tickets_at_least": 2_000_000, "warm_s_below": TARGET_S},
        "target_met": n >= 2_000_000 and warm_s < TARGET_S,
    }
    return write_result("stats", figures)


if __name__ == "__main__":
    main()
