"""The clerk's desk: taking a no-show back, Next at the desk with its guard, outcome codes."""

from __future__ import annotations

import pytest

from hub.engine import EngineError
from hub.engine.model import DONE, State
from hub.engine.reducer import apply
from tests.engine.helpers import Clock, office


def test_a_no_show_inside_the_window_is_listed_and_returns_first_in_line() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    late = e.issue_ticket(["A"])
    other = e.issue_ticket(["A"])
    e.call_next(1)
    clock.advance(30)
    e.no_show(1)
    assert [t.id for t in e.returnable()] == [late.id]
    clock.advance(60)
    e.return_ticket(late.id)
    assert e.returnable() == []
    assert e.call_next(1).id == late.id  # before `other`, who was in line before the return
    e.index.check(e.state)
    clock.advance(30)
    e.no_show(1)
    clock.advance(e.state.settings.no_show_return_s + 1)
    assert e.returnable() == []  # the window has passed
    with pytest.raises(EngineError) as err:
        e.return_ticket(late.id)
    assert err.value.code == "conflict"
    assert e.call_next(1).id == other.id


def test_next_at_the_desk_finishes_after_the_guard_and_the_setting_can_refuse_it() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    first = e.issue_ticket(["A"])
    second = e.issue_ticket(["A"])
    e.call_next(1)
    clock.advance(1)
    with pytest.raises(EngineError) as err:
        e.call_next(1)  # a double tap right after the call
    assert err.value.code == "too_soon"
    assert e.state.counters[1].ticket == first.id  # nothing happened
    clock.advance(e.state.settings.call_guard_s)
    assert e.call_next(1).id == second.id
    assert e.state.tickets[first.id].state == DONE
    e.update_settings(next_finishes=False)
    clock.advance(60)
    with pytest.raises(EngineError) as err:
        e.call_next(1)
    assert err.value.code == "conflict" and e.state.counters[1].ticket == second.id
    with pytest.raises(EngineError) as err:
        e.update_settings(call_guard_s=-1)
    assert err.value.code == "bad_args"


def test_outcome_codes_are_checked_and_a_plain_finish_takes_the_service_default() -> None:
    clock = Clock()
    e = office(clock)
    e.upsert_outcome({"code": "SENT", "names": {"hu": "Továbbküldve"}, "resolved": False})
    with pytest.raises(EngineError) as err:
        e.upsert_service({"id": "B", "default_outcome": "NOPE"})
    assert err.value.code == "not_found"
    e.upsert_service({"id": "B", "default_outcome": "ok"})
    e.resume(1)
    a = e.issue_ticket(["A"])
    b = e.issue_ticket(["B"])
    e.call_next(1)
    with pytest.raises(EngineError) as err:
        e.finish(1, ["ok", "unknown"])
    assert err.value.code == "bad_args" and e.state.counters[1].ticket == a.id
    e.finish(1, ["SENT", "ok", "SENT"])
    assert e.state.tickets[a.id].marks == ["SENT", "ok"]
    e.call_next(1)
    e.finish(1)  # a hardware Done: the service's default
    assert e.state.tickets[b.id].marks == ["ok"]
    # the outcome codes survive a replay
    fresh = State()
    for ev in e.take_events():
        apply(fresh, ev)
    assert fresh.snapshot()["outcomes"] == e.state.snapshot()["outcomes"]
    assert not fresh.outcomes["SENT"].resolved


def test_a_family_is_one_ticket_with_a_case_per_passport_and_waits_account_for_it() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    with pytest.raises(EngineError) as err:
        e.issue_ticket(["A"], people=10)
    assert err.value.code == "bad_args"
    family = e.issue_ticket(["A", "A", "A", "B"], people=3)
    single = e.issue_ticket(["A"])
    assert family.people == 3 and family.pending == ["A", "A", "A", "B"]
    after_family = e.wait_for(single)
    assert after_family is not None
    mean_a = e.waits.service_times.times(e.state)["A"]
    # the single customer waits behind three cases of A and one of B at the only open counter
    assert after_family[0] >= 3 * mean_a
    e.call_next(1)
    clock.advance(600)
    e.finish(1)  # the counter serves A and B: every case is done at once
    assert e.state.tickets[family.id].state == DONE
    # a transfer keeps a family's cases of one service together
    other = e.issue_ticket(["B", "A", "A"], people=2)
    e.call_next(1)  # the single A customer
    clock.advance(60)
    e.finish(1)
    e.call_next(1)
    e.transfer(1, service="A", position="first")
    assert e.state.tickets[other.id].pending == ["A", "A", "B"]


def test_background_backlog_recorded_taken_interrupted_and_finished() -> None:
    clock = Clock()
    e = office(clock)
    e.upsert_counter(2, profile=[{"service": "B", "weight": 1}])
    e.resume(1)
    e.resume(2)
    with pytest.raises(EngineError) as err:
        e.backlog.take(1)
    assert err.value.code == "not_found"  # nothing to do yet
    files = e.backlog.record("Car dealer's files", "12 registrations", ["A"])
    clock.advance(60)
    call = e.backlog.record("Phone call", "Mr Kovács")
    assert [b.id for b in e.backlog.waiting_for(e.state.counters[2])] == [call.id]  # counter 2 serves B only
    with pytest.raises(EngineError) as err:
        e.backlog.take(2, files.id)
    assert err.value.code == "conflict"
    work = e.backlog.take(1)  # the oldest
    assert work["backlog"] == files.id and work["kind"] == "Car dealer's files"
    assert e.state.backlog[files.id].taken_by == work["id"]
    with pytest.raises(EngineError) as err:
        e.backlog.take(2, files.id)  # another clerk is on it
    assert err.value.code == "conflict"
    e.issue_ticket(["A"])
    clock.advance(300)
    e.call_next(1)  # a customer comes first: the case goes back to the backlog
    assert e.state.backlog[files.id].taken_by is None
    e.finish(1)
    e.backlog.take(1, files.id)
    clock.advance(600)
    e.background_stop(1)  # done: it leaves the backlog
    assert files.id not in e.state.backlog and call.id in e.state.backlog
    fresh = State()
    for ev in e.take_events():
        apply(fresh, ev)
    assert fresh.snapshot()["backlog"] == e.state.snapshot()["backlog"]
    assert fresh.backlog_seq == e.state.backlog_seq == 2
