"""Weeks of made-up history in the statistics tables (what the capacity page learns from)."""

from __future__ import annotations

import math
import random
import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo


def seed_history(conn: sqlite3.Connection, today: date, services: dict[str, tuple[float, float]],
                 per_hour: dict[str, dict[int, float]], *, days: int = 28, tz: str = "Europe/Budapest",
                 no_show: float = 0.05, seed: int = 1) -> int:
    """Tickets and their contacts for the working days before ``today``; returns the tickets written.

    ``services``: id → (mean_s, sd_s) of the time at the counter; ``per_hour``: id → hour → tickets.
    """
    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    n = 0
    for back in range(1, days + 1):
        day = today - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for sid, hours in per_hour.items():
            mean, sd = services[sid]
            sigma2 = math.log(1 + (sd / mean) ** 2)
            for hour, rate in hours.items():
                count = sum(1 for _ in range(int(rate * 3)) if rng.random() < 1 / 3)  # ~Poisson(rate)
                for k in range(count):
                    n += 1
                    issued = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60),
                                      tzinfo=zone).timestamp()
                    tid = f"{day.isoformat().replace('-', '')}-{sid}{n:04d}"
                    wait = rng.uniform(0, 600)
                    gone = rng.random() < no_show
                    served = rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
                    conn.execute(
                        "INSERT INTO stat_ticket(id, day, issued_at, hour, service, n_services, channel, priority,"
                        " appointment, outcome, first_called_at, calls, ended_at)"
                        " VALUES (?,?,?,?,?,1,'kiosk',0,0,?,?,1,?)",
                        [tid, day.isoformat(), issued, hour, sid, "no_show" if gone else "served",
                         issued + wait, issued + wait + (60 if gone else served)])
                    conn.execute(
                        "INSERT INTO stat_contact(ticket, day, service, counter, queued_at, called_at, wait_s,"
                        " wait_hour, call_hour, ended_at, service_s, outcome, first)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,1)",
                        [tid, day.isoformat(), sid, 1 + k % 2, issued, issued + wait, wait, hour, hour,
                         issued + wait + served, None if gone else served, "no_show" if gone else "finished"])
    conn.commit()
    return n
