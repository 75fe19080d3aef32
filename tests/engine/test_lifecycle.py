"""The ticket life cycle and the routing rules of call_next, on the pure engine."""

from __future__ import annotations

import pytest

from hub.engine import EngineError, State, apply
from hub.engine.pins import hash_pin
from tests.engine.helpers import Clock, office, quick_next


def test_numbers_are_per_prefix_and_restart_next_day() -> None:
    clock = Clock()
    e = office(clock)
    a1 = e.issue_ticket(["A"])
    a2 = e.issue_ticket(["A"])
    b1 = e.issue_ticket(["B"])
    assert (a1.number, a2.number, b1.number) == ("A001", "A002", "B001")
    clock.advance(24 * 3600)
    a_next = e.issue_ticket(["A"])
    assert a_next.number == "A001"
    assert a_next.id != a1.id
    # yesterday's open tickets were closed by the day roll, not lost
    events = e.take_events()
    closed = [ev for ev in events if ev["type"] == "day.closed"]
    assert closed and set(closed[0]["tickets"]) == {a1.id, a2.id, b1.id}


def test_call_is_routed_front_then_appointments_then_priority_then_weighted() -> None:
    clock = Clock()
    e = quick_next(office(clock))
    e.resume(1)
    plain = e.issue_ticket(["A"])
    clock.advance(60)
    prio = e.issue_ticket(["A"], priority=True)
    clock.advance(60)
    e.book({"code": "APT1", "service": "A", "at": clock() + 30})
    appt = e.check_in("APT1")
    later = e.issue_ticket(["A"])
    e.resume(2)
    e.upsert_counter(2, profile=[{"service": "A", "weight": 1}])
    called = e.call_next(2)
    assert called is not None and called.id == appt.id  # due appointment (lead time 300 s)
    e.no_show(2)
    assert e.state.tickets[appt.id].state == "no_show"
    e.return_ticket(appt.id)
    assert e.call_next(2).id == appt.id  # returning customer: front of line
    assert e.call_next(2).id == prio.id  # then the priority customer
    assert e.call_next(2).id == plain.id  # then the longest waiting
    assert e.call_next(2).id == later.id
    assert e.call_next(2) is None


def test_weights_prefer_a_service_but_long_waits_still_count() -> None:
    clock = Clock()
    e = quick_next(office(clock))
    e.upsert_counter(1, profile=[{"service": "A", "weight": 1}, {"service": "B", "weight": 3}])
    e.resume(1)
    a = e.issue_ticket(["A"])
    clock.advance(100)
    b = e.issue_ticket(["B"])
    clock.advance(10)
    # A waited 110 s × 1 = 110; B waited 10 s × 3 = 30 → A
    assert e.call_next(1).id == a.id
    c = e.issue_ticket(["A"])
    clock.advance(5)
    # B waited 15 s (+1) × 3 = 48 > A 5 s (+1) × 1 → B
    assert e.call_next(1).id == b.id
    assert e.call_next(1).id == c.id


def test_counter_without_profile_serves_everything_and_profile_limits() -> None:
    clock = Clock()
    e = office(clock)
    e.upsert_counter(2, profile=[{"service": "B", "weight": 1}])
    e.resume(1)
    e.resume(2)
    a = e.issue_ticket(["A"])
    assert e.call_next(2) is None  # counter 2 serves only B
    assert e.call_next(1).id == a.id


def test_transfer_to_counter_first_in_line_and_to_service_last() -> None:
    clock = Clock()
    e = quick_next(office(clock))
    e.resume(1)
    e.resume(2)
    t1 = e.issue_ticket(["A"])
    t2 = e.issue_ticket(["A"])
    t3 = e.issue_ticket(["B"])
    assert e.call_next(1).id == t1.id
    e.transfer(1, to_counter=2, position="first")
    assert e.state.tickets[t1.id].target_counter == 2
    assert e.call_next(1).id == t2.id  # t1 is only for counter 2
    assert e.call_next(2).id == t1.id
    e.transfer(2, service="B", position="last")
    assert e.state.tickets[t1.id].pending[0] == "B"
    clock.advance(1)
    assert e.call_next(2).id == t3.id  # t3 was in B's line before t1 came back to it
    assert e.call_next(2).id == t1.id
    assert e.state.tickets[t1.id].transfers == 2


def test_multi_service_ticket_returns_first_for_remaining_cases() -> None:
    clock = Clock()
    e = office(clock)
    e.upsert_counter(1, profile=[{"service": "A", "weight": 1}])
    e.upsert_counter(2, profile=[{"service": "B", "weight": 1}])
    e.resume(1)
    e.resume(2)
    family = e.issue_ticket(["A", "B"])
    other_b = e.issue_ticket(["B"])
    assert e.call_next(1).id == family.id
    e.finish(1)
    t = e.state.tickets[family.id]
    assert t.state == "waiting" and t.pending == ["B"] and t.front
    assert e.call_next(2).id == family.id  # front of line, before other_b
    e.finish(2)
    assert e.state.tickets[family.id].state == "done"
    assert e.call_next(2).id == other_b.id


def test_next_finishes_the_current_customer_and_stops_background_work() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    t1 = e.issue_ticket(["A"])
    t2 = e.issue_ticket(["A"])
    e.call_next(1)
    e.start(1)
    clock.advance(120)
    e.call_next(1)
    assert e.state.tickets[t1.id].state == "done"
    assert e.state.tickets[t2.id].state == "called"
    e.finish(1)
    e.background_start(1, kind="mail", note="case 17")
    assert e.state.counters[1].background
    assert e.call_next(1) is None
    assert e.state.counters[1].background is None
    finished = [ev for ev in e.take_events() if ev["type"] == "ticket.finished"]
    assert [ev["implicit"] for ev in finished] == [True, False]


def test_refusals_change_nothing() -> None:
    clock = Clock()
    e = office(clock)
    before = e.state.snapshot()
    e.take_events()
    with pytest.raises(EngineError) as err:
        e.call_next(1)
    assert err.value.code == "conflict"  # counter closed
    with pytest.raises(EngineError) as err:
        e.issue_ticket(["NOPE"])
    assert err.value.code == "not_found"
    with pytest.raises(EngineError):
        e.recall(1)
    with pytest.raises(EngineError):
        e.transfer(1, service="A")
    assert e.take_events() == []
    assert e.state.snapshot() == before


def test_clerk_login_pause_and_profile_rights() -> None:
    clock = Clock()
    e = office(clock)
    e.upsert_clerk({"id": "kata", "name": "Kata", "pin_hash": hash_pin("1234", "salt"),
                    "profile": [{"service": "B", "weight": 1}]})
    with pytest.raises(EngineError) as err:
        e.login(1, "kata", "9999")
    assert err.value.code == "forbidden"
    e.login(1, "kata", "1234")
    assert e.state.counters[1].state == "open" and e.state.counters[1].clerk == "kata"
    a = e.issue_ticket(["A"])
    b = e.issue_ticket(["B"])
    assert e.call_next(1).id == b.id  # the clerk's profile, not the counter's (all)
    with pytest.raises(EngineError):
        e.pause(1, "lunch")  # busy
    e.finish(1)
    e.pause(1, "lunch")
    assert e.state.counters[1].state == "paused"
    with pytest.raises(EngineError) as err:
        e.set_profile([{"service": "A", "weight": 1}], clerk="kata", by_clerk=True)
    assert err.value.code == "forbidden"
    e.upsert_clerk({"id": "kata", "may_edit_profile": True})
    e.set_profile([{"service": "A", "weight": 2}], clerk="kata", by_clerk=True)
    assert e.call_next(1).id == a.id  # Next also ends the pause
    # the same clerk logging in elsewhere leaves the first counter
    e.finish(1)
    e.upsert_counter(2)
    e.login(2, "kata", "1234")
    assert e.state.counters[1].clerk is None and e.state.counters[2].clerk == "kata"


def test_no_show_return_window() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    t = e.issue_ticket(["A"])
    e.call_next(1)
    e.no_show(1)
    clock.advance(e.state.settings.no_show_return_s + 1)
    with pytest.raises(EngineError) as err:
        e.return_ticket(t.id)
    assert err.value.code == "conflict"


def test_park_and_unpark() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    t = e.issue_ticket(["A"])
    u = e.issue_ticket(["A"])
    e.call_next(1)
    e.park(1)
    assert e.state.tickets[t.id].state == "parked"
    assert e.call_next(1).id == u.id
    with pytest.raises(EngineError):
        e.unpark(1, t.id)  # busy with u
    e.finish(1)
    assert e.unpark(1, t.id).state == "called"


def test_opening_hours_close_issuing() -> None:
    clock = Clock(start="2026-11-23T07:00:00+01:00")  # Monday 07:00 Budapest
    e = office(clock)
    e.update_settings(hours={"0": [["08:00", "12:00"]]})
    with pytest.raises(EngineError) as err:
        e.issue_ticket(["A"])
    assert err.value.code == "closed"
    clock.advance(3600)
    assert e.issue_ticket(["A"]).number == "A001"


def test_priority_rule_boosts_a_long_queue() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    e.upsert_rule({"id": "b-long", "service": "B", "min_waiting": 3, "boost": 50})
    a = e.issue_ticket(["A"])
    clock.advance(30)
    bs = [e.issue_ticket(["B"]) for _ in range(3)]
    clock.advance(2)
    assert [r.id for r in e.active_rules()] == ["b-long"]
    assert e.call_next(1).id == bs[0].id  # 3 s × 50 beats 33 s × 1
    assert e.state.tickets[a.id].state == "waiting"


def test_replay_rebuilds_state() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    for _ in range(3):
        e.issue_ticket(["A"])
    e.call_next(1)
    e.recall(1)
    e.finish(1, ["resolved"])
    events = e.take_events()
    fresh = State()
    for ev in events:
        apply(fresh, ev)
    assert fresh.snapshot() == e.state.snapshot()


def test_estimate_beats_nothing_when_counters_serve_different_services() -> None:
    clock = Clock()
    e = office(clock)
    e.upsert_counter(1, profile=[{"service": "A", "weight": 1}])
    e.upsert_counter(2, profile=[{"service": "B", "weight": 1}])
    e.resume(1)
    e.resume(2)
    for _ in range(4):
        e.issue_ticket(["A"])
    b = e.issue_ticket(["B"])
    est = e.estimate()
    assert est.wait_s[b.id] == 0  # counter 2 is free for B at once
    assert est.new_ticket_s["A"] == pytest.approx(4 * 300)
    assert est.ahead[b.id] in range(0, 5)


def test_engine_imports_nothing_of_the_outside() -> None:
    """The standard library and hub.engine only (import-linter checks the same from ./run test)."""
    import ast
    import pathlib
    import sys

    engine = pathlib.Path(__file__).resolve().parents[2] / "hub" / "engine"  # from any working directory
    paths = sorted(engine.glob("*.py"))
    assert len(paths) > 3, f"no engine modules found in {engine}"
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root in sys.stdlib_module_names or root == "hub", f"{path} imports {name}"
                if root == "hub":
                    assert name.startswith("hub.engine"), f"{path} imports {name}"


