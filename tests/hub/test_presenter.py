"""The presenter builds its hot payloads as plain dicts (no validation on the hub): here each
is validated against its protocol model, and validating must change nothing — no field missing
or extra, none out of order, not even an int where the model says float (JSON ``1`` vs ``1.0``)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from hub.engine.pins import hash_pin
from hub.presenter import Presenter
from sorra.protocol.messages import (
    CallInfo,
    CallsState,
    CounterState,
    QueueEntry,
    QueueState,
    TicketInfo,
)
from tests.engine.helpers import Clock, office, quick_next


def _as_validated(model: type[BaseModel], payload: dict[str, Any]) -> None:
    assert list(payload) == list(model.model_fields), model.__name__
    validated = model.model_validate(payload).model_dump()
    assert json.dumps(validated) == json.dumps(payload), model.__name__


def test_payloads_are_what_their_models_would_dump() -> None:
    clock = Clock()
    clock.now = float(int(clock.now))  # whole seconds: an int slipping through would show
    e = quick_next(office(clock))
    for n in (1, 2):
        e.upsert_clerk({"id": f"k{n}", "name": f"Kata {n}", "pin_hash": hash_pin("1111", "s1")})
        e.login(n, f"k{n}", "1111")
    issued = [e.issue_ticket(["A"]), e.issue_ticket(["B", "B"], people=3, note="család"),
              e.issue_ticket(["A"], priority=True), e.issue_ticket(["A", "B"]), e.issue_ticket(["B"])]
    clock.advance(30)
    e.call_next(1)
    e.no_show(1)  # a no-show the clerks may take back
    e.call_next(1)
    e.park(1)
    e.call_next(2)
    e.background_start(1, "post", "levelek")
    e.backlog.record("post", "irat", services=["A"])
    clock.advance(5)
    p = Presenter(e, "http://hub.local")

    queue = p.queue()
    _as_validated(QueueState, queue)
    for entry in queue["services"].values():
        _as_validated(QueueEntry, entry)
    for c in e.state.counters.values():
        state = p.counter(c)
        _as_validated(CounterState, state)
        for t in [state["ticket"], *state["parked"], *state["no_shows"]]:
            if t is not None:
                _as_validated(TicketInfo, t)
    for t in issued:
        _as_validated(TicketInfo, p.ticket(e.state.tickets[t.id]))
    called = e.state.tickets[e.state.counters[2].ticket]
    call = p.call(called, 2, clock.now, recall=False)
    _as_validated(CallInfo, call)
    _as_validated(CallsState, p.calls([call, p.call(called, 2, clock.now + 1, recall=True)], clock.now))
    # What this test is about is really there: a called, a parked and a no-show ticket, a background.
    desk = p.counter(e.state.counters[1])
    assert desk["parked"] and desk["no_shows"] and desk["background"] and desk["backlog"]
    assert p.counter(e.state.counters[2])["ticket"]["counter_name"]
    assert any(p.ticket(e.state.tickets[t.id])["ahead"] for t in issued)
