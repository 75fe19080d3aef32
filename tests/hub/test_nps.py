"""The NPS survey's answer on the real hub: an event through the worker, also for yesterday's visit."""

from __future__ import annotations

import json

import pytest

from hub.engine import EngineError
from tests.engine.helpers import Clock


def test_yesterdays_visit_is_rated_once_from_the_stored_ticket(hub_factory) -> None:
    clock = Clock()
    hub = hub_factory(clock=clock)
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A")
    hub.admin.add_counter(1, "Ablak 1")
    hub.admin.add_clerk("kata", "Kata", "1234")
    hub.admin.counter(1, "clerk.login", {"clerk": "kata", "pin": "1234"})
    t = hub.admin.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    hub.admin.counter(1, "counter.call_next")
    hub.admin.counter(1, "counter.finish")
    with pytest.raises(EngineError) as err:
        hub.admin.call("admin.nps_answer", {"token": "no-such-token", "score": 5})
    assert err.value.code == "not_found"
    clock.advance(24 * 3600)  # the link is opened the next day: the ticket is in the store only
    assert hub.admin.call("admin.nps_answer", {"token": t["token"], "score": 6}) == {"ticket": t["id"], "score": 6}
    assert t["id"] not in hub.hub.engine.state.tickets
    with pytest.raises(EngineError) as err:
        hub.admin.call("admin.nps_answer", {"token": t["token"], "score": 10})
    assert err.value.code == "conflict"
    with hub.hub.store.lock:
        rows = hub.hub.store.db.execute("SELECT ticket, day, service, clerk, score FROM nps_answer").fetchall()
        (logged,) = [json.loads(d) for (d,) in hub.hub.store.db.execute(
            "SELECT data FROM events WHERE type = 'feedback.nps'")]
    assert rows == [(t["id"], "2026-11-23", "A", "kata", 6)]  # counted on the visit's day
    assert logged["ticket"] == t["id"] and logged["day"] == "2026-11-23"
