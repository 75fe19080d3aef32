"""Remote tickets on the pure engine: place kept, passed over while away, first in line on check-in."""

from __future__ import annotations

import pytest

from hub.engine import Engine, EngineError, State, apply
from hub.engine.queueindex import queue_index
from tests.engine.helpers import Clock, office, quick_next


def remote_office(clock: Clock) -> Engine:
    e = quick_next(office(clock))
    e.upsert_service({"id": "A", "remote": True})
    e.resume(1)
    return e


def join(e: Engine, code: str, contact: str = "+36301234567", origin: str = "ip-1", service: str = "A"):
    return e.remote.join(service, contact=contact, origin=origin, code=code, token=f"tok{code}")


def test_remote_ticket_is_passed_over_keeps_its_place_and_goes_first_on_check_in() -> None:
    clock = Clock()
    e = remote_office(clock)
    early = e.issue_ticket(["A"])
    clock.advance(10)
    r = join(e, "123456")
    assert (r.state, r.channel, r.number) == ("not_arrived", "remote", "A002")
    clock.advance(10)
    x, y = e.issue_ticket(["A"]), e.issue_ticket(["A"])
    e.take_events()

    assert e.call_next(1).id == early.id  # ahead of the remote ticket: nothing passed
    assert e.state.tickets[r.id].passed == 0
    assert e.call_next(1).id == x.id  # the remote ticket's turn: passed over
    events = e.take_events()
    passed = [ev for ev in events if ev["type"] == "ticket.passed_over"]
    assert passed and passed[-1]["tickets"] == [r.id] and passed[-1]["by"] == x.id
    assert not any(ev["type"] == "ticket.no_show" for ev in events)
    t = e.state.tickets[r.id]
    assert (t.state, t.passed, t.queue_seq) == ("not_arrived", 1, r.queue_seq)  # same place

    late = e.issue_ticket(["A"])
    clock.advance(120)
    checked = e.remote.check_in("123456")
    assert (checked.state, checked.front, checked.arrived_at) == ("waiting", True, clock())
    clock.advance(30)
    called = e.call_next(1)
    assert called.id == r.id  # first in line, before y (who passed it) and the later one
    call = [ev for ev in e.take_events() if ev["type"] == "ticket.called"][-1]
    assert call["waited_s"] == 30  # counted from check-in, not from joining
    assert e.call_next(1).id == y.id
    assert e.call_next(1).id == late.id
    queue_index(e.state).check(e.state)


def test_checked_in_before_its_turn_it_simply_keeps_its_place() -> None:
    clock = Clock()
    e = remote_office(clock)
    a = e.issue_ticket(["A"])
    clock.advance(5)
    r = join(e, "222222")
    clock.advance(5)
    b = e.issue_ticket(["A"])
    clock.advance(5)
    e.remote.check_in("222222")
    assert e.state.tickets[r.id].front is False
    assert [e.call_next(1).id for _ in range(3)] == [a.id, r.id, b.id]


def test_not_arrived_ticket_is_not_counted_ahead_of_others_and_gets_its_own_figure() -> None:
    clock = Clock()
    e = remote_office(clock)
    e.close(1)
    e.resume(1)
    first = e.issue_ticket(["A"])
    r = join(e, "333333")
    after = e.issue_ticket(["A"])
    wait, ahead = e.wait_for(e.state.tickets[after.id])
    assert ahead == 1  # only `first`: the remote ticket will not be called before it checks in
    r_wait, r_ahead = e.wait_for(e.state.tickets[r.id])
    assert r_ahead == 1 and r_wait == e.wait_for(e.state.tickets[first.id])[0]
    assert queue_index(e.state).waiting_for("A") == 2
    e.call_next(1)
    e.call_next(1)  # `after` passes the remote ticket
    assert e.wait_for(e.state.tickets[r.id]) == (0.0, 0)  # first in line once here


def test_limits_per_contact_per_address_and_office_cap() -> None:
    clock = Clock()
    e = remote_office(clock)
    e.update_settings(remote_per_contact=1, remote_per_origin_day=2, remote_max_waiting=3)
    join(e, "100001", contact="+36301111111", origin="ip-1")
    with pytest.raises(EngineError) as err:
        join(e, "100002", contact="+36301111111", origin="ip-2")
    assert err.value.code == "contact_limit"
    join(e, "100003", contact="+36302222222", origin="ip-1")
    with pytest.raises(EngineError) as err:
        join(e, "100004", contact="+36303333333", origin="ip-1")
    assert err.value.code == "origin_limit"
    join(e, "100005", contact="+36304444444", origin="ip-3")
    with pytest.raises(EngineError) as err:
        join(e, "100006", contact="+36305555555", origin="ip-4")
    assert err.value.code == "remote_full"
    e.remote.check_in("100005")  # one fewer away: room again
    join(e, "100007", contact="+36305555555", origin="ip-4")
    with pytest.raises(EngineError) as err:
        join(e, "100007", contact="+36306666666", origin="ip-5")
    assert err.value.code == "conflict"  # the code is taken today
    with pytest.raises(EngineError) as err:
        join(e, "100008", contact="+36306666666", origin="ip-5", service="B")
    assert err.value.code == "not_found"  # B is not offered remotely
    # a finished remote ticket frees its contact
    t = e.remote.find("100001")
    e.cancel_ticket(t.id)
    e.update_settings(remote_max_waiting=10)
    join(e, "100009", contact="+36301111111", origin="ip-6")
    e.update_settings(remote_max_waiting=0)
    with pytest.raises(EngineError) as err:
        join(e, "100010", contact="+36307777777", origin="ip-7")
    assert err.value.code == "remote_full"
    for bad in (-1, "3", 2.5):
        with pytest.raises(EngineError) as err:
            e.update_settings(remote_per_contact=bad)
        assert err.value.code == "bad_args"


def test_only_when_the_office_is_open() -> None:
    clock = Clock(start="2026-11-23T07:00:00+01:00")
    e = quick_next(office(clock))
    e.upsert_service({"id": "A", "remote": True})
    e.update_settings(hours={"0": [["08:00", "12:00"]]})
    with pytest.raises(EngineError) as err:
        join(e, "444444")
    assert err.value.code == "closed"


def test_check_in_errors() -> None:
    clock = Clock()
    e = remote_office(clock)
    with pytest.raises(EngineError) as err:
        e.remote.check_in("999999")
    assert err.value.code == "not_found"
    join(e, "555555")
    e.remote.check_in("555555")
    with pytest.raises(EngineError) as err:
        e.remote.check_in("555555")
    assert err.value.code == "already_checked_in"
    t = join(e, "666666", contact="+36309999999")
    e.cancel_ticket(t.id)
    with pytest.raises(EngineError) as err:
        e.remote.check_in("666666")
    assert err.value.code == "cancelled"
    with pytest.raises(EngineError) as err:
        join(e, "12345")
    assert err.value.code == "bad_args"


def test_never_arrived_is_closed_at_day_end_and_state_replays() -> None:
    clock = Clock()
    e = remote_office(clock)
    r = join(e, "777777")
    e.issue_ticket(["A"])
    e.call_next(1)
    events = e.take_events()
    fresh = State()
    for ev in events:
        apply(fresh, ev)
    assert fresh.snapshot() == e.state.snapshot()
    queue_index(fresh).check(fresh)
    clock.advance(24 * 3600)
    e.end_of_day()
    closed = [ev for ev in e.take_events() if ev["type"] == "day.closed"]
    assert r.id in closed[0]["tickets"]
