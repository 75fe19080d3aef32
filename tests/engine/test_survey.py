"""The NPS survey's answer as an engine event: a finished visit, once, 0–10, also after the day."""

from __future__ import annotations

import pytest

from hub.engine import EngineError
from hub.engine.model import State, Ticket
from hub.engine.reducer import apply
from tests.engine.helpers import Clock, office, quick_next


def _served(clock: Clock, log: list | None = None):  # type: ignore[no-untyped-def]
    e = quick_next(office(clock))
    e.resume(1)
    t = e.issue_ticket(["A"])
    e.call_next(1)
    e.finish(1, ["ok"])
    (log if log is not None else []).extend(e.take_events())
    return e, t


def test_a_finished_visit_is_rated_once_and_the_event_replays() -> None:
    log: list = []
    e, t = _served(Clock(), log)
    waiting = e.issue_ticket(["B"])
    log += e.take_events()
    with pytest.raises(EngineError) as err:
        e.survey.answer(waiting.id, 7)
    assert err.value.code == "conflict"  # the visit has not ended
    for bad in (11, -1, "9", True):
        with pytest.raises(EngineError) as err:
            e.survey.answer(t.id, bad)  # type: ignore[arg-type]
        assert err.value.code == "bad_args"
    with pytest.raises(EngineError) as err:
        e.survey.answer("no-such", 5)
    assert err.value.code == "not_found"
    e.survey.answer(t.id, 9)
    (event,) = e.take_events()
    assert {k: event[k] for k in ("type", "ticket", "score", "day", "token", "service")} == {
        "type": "feedback.nps", "ticket": t.id, "score": 9, "day": t.day, "token": t.token, "service": "A"}
    assert e.state.tickets[t.id].nps == 9 and e.state.tickets[t.id].to_dict()["nps"] == 9  # the stored row
    replayed = State()
    for stored in [*log, event]:
        apply(replayed, stored)
    assert replayed.tickets[t.id].nps == 9
    with pytest.raises(EngineError) as err:
        e.survey.answer(t.id, 0)
    assert err.value.code == "conflict"  # one answer per ticket
    assert e.take_events() == []


def test_an_earlier_days_ticket_is_rated_from_its_stored_copy() -> None:
    clock = Clock()
    e, t = _served(clock)
    stored = Ticket.from_dict(e.state.tickets[t.id].to_dict())
    clock.advance(24 * 3600)
    e.end_of_day()
    e.take_events()
    assert t.id not in e.state.tickets  # history now: the hub passes the store's copy
    with pytest.raises(EngineError) as err:
        e.survey.answer(t.id, 8)
    assert err.value.code == "not_found"
    e.survey.answer(t.id, 8, earlier=stored)
    (event,) = e.take_events()
    assert event["day"] == t.day and event["score"] == 8
    apply(e.state, {**event, "score": 0})  # replaying it does not bring the old ticket back
    assert t.id not in e.state.tickets
    stored.nps = 8
    with pytest.raises(EngineError) as err:
        e.survey.answer(t.id, 3, earlier=stored)
    assert err.value.code == "conflict"
