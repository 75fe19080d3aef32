"""Cases per outcome code, and first-contact resolution by the resolved codes, against hand-computed figures."""

from __future__ import annotations

from pathlib import Path

from hub.stats import compute, current, rebuild
from hub.stats.export import to_csv
from tests.web.test_stats import CLERKS, DAY1, NAMES, Office, t

OUTCOMES = {"DONE": {"name": "Elintézve", "resolved": True}, "DOCS": {"name": "Hiánypótlás", "resolved": False}}


def scenario(path: Path) -> Office:
    o = Office(path, t(DAY1, "08:00:00"))
    e = o.e
    at = t(DAY1, "08:00:00")
    o(at, e.upsert_service, {"id": "A", "names": {"hu": "Okmány"}, "prefix": "A", "sla_s": 600})
    o(at, e.upsert_service, {"id": "B", "names": {"hu": "Adó"}, "prefix": "B", "sla_s": 300})
    o(at, e.upsert_outcome, {"code": "DONE", "names": {"hu": "Elintézve"}, "resolved": True})
    o(at, e.upsert_outcome, {"code": "DOCS", "names": {"hu": "Hiánypótlás"}, "resolved": False})
    o(at, e.upsert_service, {"id": "A", "default_outcome": "DONE"})
    o(at, e.upsert_counter, 1, "Ablak 1")
    o(at, e.resume, 1)
    for ids in (["A"], ["A"], ["B"], ["A"]):
        o(t(DAY1, "09:00:00"), e.issue_ticket, ids)  # A001 A002 B001 A003
    o(t(DAY1, "09:01:00"), e.call_next, 1)  # A001
    o(t(DAY1, "09:05:00"), e.finish, 1, ["DOCS"])  # documents missing: not resolved
    o(t(DAY1, "09:06:00"), e.call_next, 1)  # A002
    o(t(DAY1, "09:10:00"), e.finish, 1)  # the Done button: A's default, DONE
    o(t(DAY1, "09:11:00"), e.call_next, 1)  # B001
    o(t(DAY1, "09:15:00"), e.finish, 1, ["DONE", "DOCS"])  # one resolved, one not: not resolved
    o(t(DAY1, "09:16:00"), e.call_next, 1)  # A003
    o(t(DAY1, "09:17:00"), e.no_show, 1)
    o(t(DAY1, "09:18:00"), e.return_ticket, "20261123-A003")
    o(t(DAY1, "09:19:00"), e.call_next, 1)  # A003 again
    o(t(DAY1, "09:25:00"), e.finish, 1, ["DONE"])  # resolved, but not at the first contact (a return)
    return o


def test_cases_per_outcome_and_resolution_by_the_resolved_codes(tmp_path: Path) -> None:
    o = scenario(tmp_path / "sorra.db")
    try:
        r = compute(current(o.store.db.conn), DAY1, DAY1, services=NAMES, clerks=CLERKS, outcomes=OUTCOMES)
        assert r["outcomes"] == [
            {"code": "DONE", "name": "Elintézve", "resolved": True, "cases": 3, "tickets": 3},
            {"code": "DOCS", "name": "Hiánypótlás", "resolved": False, "cases": 2, "tickets": 2},
        ]
        t_ = r["totals"]
        assert t_["served"] == 4 and t_["fcr_basis"] == "outcomes"
        assert t_["fcr"] == 1 and t_["fcr_pct"] == 25.0  # only A002 (without codes it would be 3 of 4)
        by_service = {s["id"]: s["fcr_pct"] for s in r["services"]}
        assert by_service == {"A": 33.3, "B": 0.0}
        csv = to_csv(r, "outcomes", lambda s: s).lstrip("\ufeff").splitlines()
        assert csv == ["Code,Name,Resolved,Cases,Tickets", "DONE,Elintézve,1,3,3", "DOCS,Hiánypótlás,0,2,2"]
        before = r
        rebuild(o.store.db)
        assert compute(current(o.store.db.conn), DAY1, DAY1, services=NAMES, clerks=CLERKS, outcomes=OUTCOMES) == before
        # an office without codes keeps the old definition
        plain = compute(current(o.store.db.conn), "2026-11-24", "2026-11-24", services=NAMES, clerks=CLERKS,
                        outcomes=OUTCOMES)
        assert plain["outcomes"] == [] and plain["totals"]["fcr_basis"] == "transfers"
    finally:
        o.store.close()


def test_a_family_counts_a_case_per_passport_and_its_people(tmp_path: Path) -> None:
    o = Office(tmp_path / "sorra.db", t(DAY1, "08:00:00"))
    e = o.e
    o(t(DAY1, "08:00:00"), e.upsert_service, {"id": "A", "names": {"hu": "Okmány"}, "prefix": "A"})
    o(t(DAY1, "08:00:00"), e.upsert_service, {"id": "B", "names": {"hu": "Adó"}, "prefix": "B"})
    o(t(DAY1, "08:00:00"), e.upsert_counter, 1, "Ablak 1")
    o(t(DAY1, "08:00:00"), e.resume, 1)
    o(t(DAY1, "09:00:00"), e.issue_ticket, ["A", "A", "A", "B"], people=3)
    o(t(DAY1, "09:01:00"), e.issue_ticket, ["A"])
    o(t(DAY1, "09:02:00"), e.call_next, 1)
    o(t(DAY1, "09:20:00"), e.finish, 1)
    try:
        r = compute(current(o.store.db.conn), DAY1, DAY1, services=NAMES, clerks=CLERKS)
        assert r["totals"]["issued"] == 2 and r["totals"]["cases"] == 5 and r["totals"]["people"] == 4
        cases = {s["id"]: (s["issued"], s["served"]) for s in r["services"]}
        assert cases == {"A": (4, 3), "B": (1, 1)}
        before = r
        rebuild(o.store.db)
        assert compute(current(o.store.db.conn), DAY1, DAY1, services=NAMES, clerks=CLERKS) == before
    finally:
        o.store.close()


def test_the_backlog_per_kind_and_per_clerk(tmp_path: Path) -> None:
    from hub.engine.pins import hash_pin

    o = Office(tmp_path / "sorra.db", t(DAY1, "08:00:00"))
    e = o.e
    o(t(DAY1, "08:00:00"), e.upsert_counter, 1, "Ablak 1")
    o(t(DAY1, "08:00:00"), e.upsert_clerk, {"id": "anna", "name": "Kiss Anna", "pin_hash": hash_pin("1234", "s")})
    o(t(DAY1, "08:00:00"), e.login, 1, "anna", "1234")
    o(t(DAY1, "08:10:00"), e.backlog.record, "Files", "car dealer")
    o(t(DAY1, "08:20:00"), e.backlog.record, "Files", "second dealer")
    o(t(DAY1, "08:30:00"), e.backlog.record, "Phone call", "call back")
    o(t(DAY1, "09:00:00"), e.backlog.take, 1)  # the first files
    o(t(DAY1, "09:10:00"), e.background_stop, 1)  # done: 600 s of work, an hour after it was recorded
    o(t(DAY1, "09:20:00"), e.backlog.take, 1)  # the second files …
    o(t(DAY1, "09:25:00"), e.logout, 1)  # … interrupted: back in the backlog, 300 s worked
    try:
        r = compute(current(o.store.db.conn), DAY1, DAY1, services=NAMES, clerks=CLERKS)
        assert r["backlog"]["kinds"] == [
            {"kind": "Files", "recorded": 2, "done": 1, "open": 1, "work_s": 900, "wait_s": 3600},
            {"kind": "Phone call", "recorded": 1, "done": 0, "open": 1, "work_s": 0, "wait_s": None},
        ]
        assert r["backlog"]["clerks"] == [{"id": "anna", "name": "Kiss Anna", "done": 1, "work_s": 600}]
        assert [b for b in r["backgrounds"] if b["kind"] == "Files"] == [{"kind": "Files", "n": 2, "total_s": 900}]
        before = r
        rebuild(o.store.db)
        assert compute(current(o.store.db.conn), DAY1, DAY1, services=NAMES, clerks=CLERKS) == before
    finally:
        o.store.close()
