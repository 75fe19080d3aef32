"""Statistics against hand-computed figures on a fixed event log, and rebuild == incremental."""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
from datetime import datetime
from pathlib import Path

import pytest

from hub.engine import Engine
from hub.engine.pins import hash_pin
from hub.stats import FACT_TABLES, catch_up, compute, current, install, rebuild
from hub.stats.export import contacts_csv, to_csv, to_xlsx
from hub.store import Store

DAY1 = "2026-11-23"  # a Monday
DAY2 = "2026-11-24"


class Clock:
    def __init__(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso).timestamp()

    def __call__(self) -> float:
        return self.now

    def at(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso).timestamp()


class Office:
    """Engine + store with the statistics projector, committing after every command."""

    def __init__(self, path: Path, start: str) -> None:
        self.store = Store(path)
        install(self.store)
        self.clock = Clock(start)
        self.e = Engine(self.clock, self.store.load_state())

    def __call__(self, when: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.clock.at(when)
        result = fn(*args, **kwargs)
        self.store.commit(self.e.state, self.e.take_events())
        return result


def t(day: str, hhmmss: str) -> str:
    return f"{day}T{hhmmss}+01:00"


def scenario(path: Path) -> Office:
    o = Office(path, t(DAY1, "08:00:00"))
    e = o.e
    o(t(DAY1, "08:00:00"), e.upsert_service, {"id": "A", "names": {"hu": "Okmány", "en": "Documents"},
                                              "prefix": "A", "sla_s": 600})
    o(t(DAY1, "08:00:00"), e.upsert_service, {"id": "B", "names": {"hu": "Adó", "en": "Tax"}, "prefix": "B",
                                              "sla_s": 300})
    o(t(DAY1, "08:00:00"), e.upsert_counter, 1, "Ablak 1")
    o(t(DAY1, "08:00:00"), e.upsert_counter, 2, "Ablak 2")
    o(t(DAY1, "08:00:00"), e.upsert_clerk, {"id": "anna", "name": "Kiss Anna", "pin_hash": hash_pin("1234", "s")})
    o(t(DAY1, "08:00:00"), e.upsert_clerk, {"id": "bela", "name": "Nagy Béla", "pin_hash": hash_pin("1234", "s"),
                                            "profile": [{"service": "B", "weight": 1}]})
    o(t(DAY1, "09:00:00"), e.issue_ticket, ["A"])  # A001
    o(t(DAY1, "09:01:00"), e.issue_ticket, ["A"])  # A002
    o(t(DAY1, "09:02:00"), e.issue_ticket, ["B", "A"])  # B001
    o(t(DAY1, "09:03:00"), e.login, 1, "anna", "1234")
    o(t(DAY1, "09:03:00"), e.login, 2, "bela", "1234")
    assert o(t(DAY1, "09:05:00"), e.call_next, 1).number == "A001"  # waited 300
    assert o(t(DAY1, "09:05:00"), e.call_next, 2).number == "B001"  # waited 180
    o(t(DAY1, "09:06:00"), e.start, 1)
    o(t(DAY1, "09:10:00"), e.finish, 1)  # A001 served in 300
    o(t(DAY1, "09:10:00"), e.finish, 2)  # B001 case B in 300; back first in line for A
    assert o(t(DAY1, "09:11:00"), e.call_next, 1).number == "B001"  # waited 60
    o(t(DAY1, "09:14:00"), e.finish, 1)  # 180
    assert o(t(DAY1, "09:14:00"), e.call_next, 2) is None
    assert o(t(DAY1, "09:15:00"), e.call_next, 1).number == "A002"  # waited 840
    o(t(DAY1, "09:16:00"), e.no_show, 1)
    o(t(DAY1, "09:17:00"), e.return_ticket, "20261123-A002")
    assert o(t(DAY1, "09:18:00"), e.call_next, 1).number == "A002"  # waited 60
    o(t(DAY1, "09:20:00"), e.transfer, 1, service="B")  # 120 at the desk
    assert o(t(DAY1, "09:21:00"), e.call_next, 2).number == "A002"  # waited 60 (for B)
    o(t(DAY1, "09:22:00"), e.issue_ticket, ["B"])  # B002
    o(t(DAY1, "09:23:00"), e.cancel_ticket, "20261123-B002")
    o(t(DAY1, "09:25:00"), e.finish, 2)  # 240; A still pending: first in line again
    o(t(DAY1, "09:25:10"), e.feedback, 2, "bad")
    o(t(DAY1, "09:26:00"), e.background_start, 2, "Phone call")
    assert o(t(DAY1, "09:26:00"), e.call_next, 1).number == "A002"  # waited 60
    o(t(DAY1, "09:30:00"), e.finish, 1)  # 240
    o(t(DAY1, "09:30:30"), e.feedback, 1, "good")
    o(t(DAY1, "09:31:00"), e.pause, 1, "Lunch")
    o(t(DAY1, "09:36:00"), e.background_stop, 2)  # 600 s
    o(t(DAY1, "09:40:00"), e.issue_ticket, ["A"])  # A003, never called
    o(t(DAY1, "09:41:00"), e.resume, 1)
    o(t(DAY1, "16:00:00"), e.logout, 1)
    o(t(DAY1, "16:00:00"), e.logout, 2)
    # Day 2: one customer.
    o(t(DAY2, "10:00:00"), e.issue_ticket, ["A"])
    o(t(DAY2, "10:05:00"), e.login, 1, "anna", "1234")
    o(t(DAY2, "10:10:00"), e.call_next, 1)  # waited 600: exactly the target
    o(t(DAY2, "10:15:00"), e.finish, 1)  # 300
    o(t(DAY2, "11:00:00"), e.logout, 1)
    return o


NAMES = {"A": {"name": "Okmány", "sla_s": 600}, "B": {"name": "Adó", "sla_s": 300}}
CLERKS = {"anna": "Kiss Anna", "bela": "Nagy Béla"}


@pytest.fixture
def office(tmp_path: Path) -> Office:
    o = scenario(tmp_path / "sorra.db")
    yield o
    o.store.close()


def report(o: Office, start: str, end: str) -> dict:
    return compute(current(o.store.db.conn), start, end, services=NAMES, clerks=CLERKS)


def test_day_one_matches_the_hand_computed_figures(office: Office) -> None:
    r = report(office, DAY1, DAY1)
    tot = r["totals"]
    assert (tot["issued"], tot["served"], tot["no_show"], tot["cancelled"], tot["unserved"], tot["open"]) == (5, 3, 0, 1, 1, 0)
    # waits: 300, 180, 60, 840, 60, 60, 60
    assert tot["wait"]["n"] == 7
    assert tot["wait"]["mean"] == pytest.approx(1560 / 7)
    assert tot["wait"]["median"] == 60
    assert tot["wait"]["p90"] == pytest.approx(516)  # 300 + 0.4 × (840 − 300)
    assert tot["wait"]["max"] == 840
    # service times: 300, 300, 180, 120, 240, 240
    assert tot["service"]["n"] == 6
    assert tot["service"]["mean"] == 230
    assert tot["service"]["median"] == 240
    assert tot["service"]["p90"] == 300
    assert (tot["sla_within"], tot["sla_n"], tot["sla_pct"]) == (6, 7, 85.7)
    assert (tot["fcr"], tot["fcr_pct"]) == (2, 66.7)
    assert tot["csat"] == {"good": 1, "neutral": 0, "bad": 1, "n": 2, "pct": 50.0}
    assert (tot["transfers"], tot["returns"]) == (1, 1)
    assert tot["background"] == {"n": 1, "total_s": 600}

    svc = {s["id"]: s for s in r["services"]}
    a, b = svc["A"], svc["B"]
    assert (a["issued"], a["served"], a["unserved"]) == (4, 3, 1)
    assert (b["issued"], b["served"], b["cancelled"]) == (3, 2, 1)
    assert a["wait"]["mean"] == 264 and a["wait"]["median"] == 60 and a["wait"]["p90"] == pytest.approx(624)
    assert b["wait"]["mean"] == 120 and b["wait"]["median"] == 120 and b["wait"]["p90"] == pytest.approx(168)
    assert (a["sla_pct"], b["sla_pct"]) == (80.0, 100.0)
    assert a["csat"]["good"] == 1 and b["csat"]["bad"] == 1

    clerks = {c["id"]: c for c in r["clerks"]}
    anna, bela = clerks["anna"], clerks["bela"]
    assert (anna["contacts"], anna["finished"], anna["no_shows"], anna["transfers"]) == (5, 3, 1, 1)
    assert anna["service"]["mean"] == 210 and anna["service"]["median"] == 210
    assert anna["service"]["p90"] == pytest.approx(282)
    assert anna["serving_s"] == 840
    assert (anna["logged_in_s"], anna["paused_s"]) == (25020, 600)
    assert anna["utilisation_pct"] == round(100 * 840 / 24420, 1)
    assert (bela["contacts"], bela["finished"], bela["serving_s"]) == (2, 2, 540)
    assert bela["service"]["median"] == 270 and bela["service"]["p90"] == pytest.approx(294)
    assert (bela["background_n"], bela["background_s"]) == (1, 600)
    assert bela["utilisation_pct"] == round(100 * 1140 / 25020, 1)

    hour9 = r["hours"][9]
    assert (hour9["issued"], hour9["calls"], hour9["wait"]["n"]) == (5, 7, 7)
    assert sum(h["issued"] for h in r["hours"]) == 5
    assert r["weekday_hour"][0][9] == 5


def test_a_range_adds_days_and_lists_each(office: Office) -> None:
    r = report(office, DAY1, DAY2)
    assert r["totals"]["issued"] == 6 and r["totals"]["served"] == 4
    assert r["totals"]["wait"]["n"] == 8 and r["totals"]["wait"]["max"] == 840
    assert r["totals"]["sla_within"] == 7  # 600 s against a 600 s target is within
    days = {d["day"]: d for d in r["by_day"]}
    assert days[DAY2]["issued"] == 1 and days[DAY2]["wait"]["median"] == 600
    assert days[DAY1]["wait"]["median"] == 60
    anna = next(c for c in r["clerks"] if c["id"] == "anna")
    assert anna["logged_in_s"] == 25020 + 3300


def _facts(conn: sqlite3.Connection) -> dict[str, list]:
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in FACT_TABLES}


def test_rebuild_equals_incremental_and_packs_stay_consistent(office: Office) -> None:
    conn = office.store.db.conn
    before_report = report(office, DAY1, DAY2)  # packs DAY1 (complete day)
    assert conn.execute("SELECT day FROM stat_pack").fetchall() == [(DAY1,)]
    before = _facts(conn)
    n = rebuild(office.store.db)
    assert n == conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert _facts(conn) == before
    assert conn.execute("SELECT COUNT(*) FROM stat_pack").fetchone()[0] == 0
    assert report(office, DAY1, DAY2) == before_report


def test_exports(office: Office) -> None:
    r = report(office, DAY1, DAY1)
    text = to_csv(r, "services", lambda s: s)
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Service,Name,Issued,Served")
    assert lines[1].startswith("A,Okmány,4,3")
    data = to_xlsx(r, lambda s: s)
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Summary", "By service", "By clerk", "By hour of the day", "By day", "By outcome code"]
    assert wb["By service"]["A2"].value == "A"
    raw = "".join(contacts_csv(current(office.store.db.conn), DAY1, DAY1)).lstrip("\ufeff").splitlines()
    assert len(raw) == 1 + 7


def test_random_days_reconcile_with_the_raw_event_log(tmp_path: Path) -> None:
    """A seeded random office over three days; every total recomputed independently from the events."""
    rng = random.Random(7)
    o = Office(tmp_path / "r.db", t(DAY1, "07:00:00"))
    e = o.e
    for sid, prefix in (("A", "A"), ("B", "B"), ("C", "C")):
        o(t(DAY1, "07:00:00"), e.upsert_service, {"id": sid, "names": {"hu": sid}, "prefix": prefix, "sla_s": 400})
    for n in (1, 2, 3):
        o(t(DAY1, "07:00:00"), e.upsert_counter, n)
        o(t(DAY1, "07:00:00"), e.upsert_clerk, {"id": f"c{n}", "name": f"Clerk {n}",
                                                "pin_hash": hash_pin("1111", "s")})
    for day in ("2026-11-23", "2026-11-24", "2026-11-25"):
        base = datetime.fromisoformat(t(day, "08:00:00")).timestamp()
        o.clock.now = base
        for n in (1, 2, 3):
            o(t(day, "08:00:00"), e.login, n, f"c{n}", "1111")
        for _ in range(400):
            o.clock.now += rng.randint(1, 90)
            k = rng.random()
            try:
                if k < 0.35:
                    e.issue_ticket(rng.sample(["A", "B", "C"], rng.choice([1, 1, 1, 2])))
                elif k < 0.65:
                    e.call_next(rng.choice([1, 2, 3]))
                elif k < 0.8:
                    e.finish(rng.choice([1, 2, 3]))
                elif k < 0.85:
                    e.no_show(rng.choice([1, 2, 3]))
                elif k < 0.88:
                    e.transfer(rng.choice([1, 2, 3]), service=rng.choice(["A", "B", "C"]))
                elif k < 0.9:
                    e.start(rng.choice([1, 2, 3]))
                elif k < 0.92:
                    ns = [x for x in e.state.tickets.values() if x.state == "no_show"]
                    if ns:
                        e.return_ticket(ns[0].id)
                elif k < 0.94:
                    w = e.waiting()
                    if w:
                        e.cancel_ticket(w[-1].id)
                elif k < 0.96:
                    e.park(rng.choice([1, 2, 3]))
                elif k < 0.98:
                    c = rng.choice([1, 2, 3])
                    parked = e.parked_at(c)
                    if parked:
                        e.unpark(c, parked[0].id)
                else:
                    e.feedback(rng.choice([1, 2, 3]), rng.choice(["good", "neutral", "bad"]))
            except Exception:
                e.take_events()  # refused commands emit nothing
                continue
            o.store.commit(e.state, e.take_events())
            if rng.random() < 0.2:  # the hub projects in batches of any size: so does this office
                catch_up(o.store.db.conn)
    o.clock.at(t("2026-11-26", "07:00:00"))
    e.end_of_day()
    o.store.commit(e.state, e.take_events())
    conn = current(o.store.db.conn)
    events = [json.loads(d) for (d,) in conn.execute("SELECT data FROM events ORDER BY seq")]

    waits, serves, called_at, issued = [], [], {}, 0
    last_finish_remaining: dict[str, list] = {}
    cancelled = set()
    scores = []
    for ev in events:
        kind = ev["type"]
        if kind == "ticket.issued":
            issued += 1
        elif kind == "ticket.called":
            called_at[ev["ticket"]] = ev["at"]
            if ev["tier"] != -1:
                waits.append(int(ev["waited_s"] + 0.5))
        elif kind in ("ticket.finished", "ticket.transferred", "ticket.parked"):
            serves.append(int(ev["at"] - called_at.pop(ev["ticket"]) + 0.5))
            if kind == "ticket.finished":
                last_finish_remaining[ev["ticket"]] = ev["remaining"]
        elif kind == "ticket.no_show":
            called_at.pop(ev["ticket"])
        elif kind == "ticket.cancelled":
            cancelled.add(ev["ticket"])
        elif kind == "feedback.submitted":
            scores.append(ev["score"])
    served = sum(1 for rem in last_finish_remaining.values() if not rem)

    r = compute(conn, DAY1, "2026-11-25", services={s: {"name": s, "sla_s": 400} for s in "ABC"})
    tot = r["totals"]
    assert tot["issued"] == issued > 100
    assert tot["served"] == served
    assert tot["cancelled"] == len(cancelled)
    assert tot["issued"] == sum(tot[k] for k in ("served", "no_show", "cancelled", "unserved", "open"))
    assert tot["open"] == 0  # the day roll closed everything
    assert tot["wait"]["n"] == len(waits)
    assert tot["wait"]["mean"] == pytest.approx(statistics.mean(waits))
    assert tot["wait"]["median"] == pytest.approx(statistics.median(waits))
    assert tot["wait"]["p90"] == pytest.approx(statistics.quantiles(waits, n=10, method="inclusive")[-1])
    assert tot["service"]["n"] == len(serves)
    assert tot["service"]["median"] == pytest.approx(statistics.median(serves))
    assert tot["sla_within"] == sum(1 for w in waits if w <= 400)
    assert tot["csat"]["n"] == len(scores) and tot["csat"]["good"] == scores.count("good")
    # the parts add up to the whole
    assert sum(s["wait"]["n"] for s in r["services"]) == len(waits)
    assert sum(c["service"]["n"] for c in r["clerks"]) == len(serves)
    assert sum(h["wait"]["n"] for h in r["hours"]) == len(waits)
    assert sum(d["issued"] for d in r["by_day"]) == issued
    assert sum(s["issued"] for s in r["services"]) == tot["cases"]
    # and a rebuild gives the same facts
    before = _facts(conn)
    rebuild(o.store.db)
    assert _facts(conn) == before
    o.store.close()


def test_a_services_no_shows_add_up_to_the_totals(tmp_path: Path) -> None:
    """A no-show not yet closed by the day's end counts for its service too, and a return takes it back."""
    o = Office(tmp_path / "n.db", t(DAY1, "08:00:00"))
    e = o.e
    o(t(DAY1, "08:00:00"), e.upsert_service, {"id": "A", "names": {"hu": "Okmány"}, "prefix": "A"})
    o(t(DAY1, "08:00:00"), e.upsert_counter, 1)
    o(t(DAY1, "08:00:00"), e.upsert_clerk, {"id": "anna", "name": "Kiss Anna", "pin_hash": hash_pin("1234", "s")})
    o(t(DAY1, "08:00:00"), e.login, 1, "anna", "1234")
    o(t(DAY1, "09:00:00"), e.issue_ticket, ["A"])
    o(t(DAY1, "09:01:00"), e.call_next, 1)
    o(t(DAY1, "09:02:00"), e.no_show, 1)
    try:
        r = compute(current(o.store.db.conn), DAY1, DAY1, services=NAMES, clerks=CLERKS)
        a = next(s for s in r["services"] if s["id"] == "A")
        assert r["totals"]["no_show"] == 1
        assert (a["no_show"], a["open"]) == (1, 0)
        o(t(DAY1, "09:03:00"), e.return_ticket, "20261123-A001")
        r = compute(current(o.store.db.conn), DAY1, DAY1, services=NAMES, clerks=CLERKS)
        a = next(s for s in r["services"] if s["id"] == "A")
        assert (r["totals"]["no_show"], a["no_show"], a["open"]) == (0, 0, 1)
    finally:
        o.store.close()
