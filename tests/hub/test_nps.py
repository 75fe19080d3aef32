"""The NPS survey's answer on the real hub: an event through the worker, also for yesterday's visit."""

from __future__ import annotations

import json
import threading

import pytest

from hub.engine import EngineError
from hub.ops import Actor
from hub.worker import Job, ReadJob
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


def _rated_yesterday(hub_factory):
    """A hub with a visit finished yesterday (its ticket is in the store only) and today begun."""
    clock = Clock()
    hub = hub_factory(clock=clock)
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A")
    hub.admin.add_counter(1, "Ablak 1")
    t = hub.admin.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    hub.admin.counter(1, "counter.resume")
    hub.admin.counter(1, "counter.call_next")
    hub.admin.counter(1, "counter.finish")
    clock.advance(24 * 3600)
    hub.admin.call("admin.ticket_issue", {"services": ["A"]})  # today begins in a batch of its own
    return hub, t


def test_two_answers_for_an_earlier_days_visit_in_one_batch_log_one(hub_factory) -> None:
    """The second answer is refused as it is in a later batch: the first is not committed yet."""
    hub, t = _rated_yesterday(hub_factory)
    worker = hub.hub.worker
    holding, release = threading.Event(), threading.Event()

    def hold(_engine) -> None:  # keeps the worker busy until both answers are queued behind it
        holding.set()
        assert release.wait(10)

    held = worker.submit(ReadJob(hold))
    assert holding.wait(10)
    admin = Actor("hub-admin", "admin")
    first = worker.submit(Job(admin, "admin.nps_answer", {"token": t["token"], "score": 6}))
    second = worker.submit(Job(admin, "admin.nps_answer", {"token": t["token"], "score": 10}))
    batches: list[int] = []
    hub.hub.store.projectors.append(lambda _db, events: batches.append(len(events)))
    release.set()
    held.result(10)
    assert first.result(10)["ok"] and first.result()["result"] == {"ticket": t["id"], "score": 6}
    assert not second.result(10)["ok"] and second.result()["error"]["code"] == "conflict"
    assert batches == [1]  # both answers were in one batch (one commit, one event)
    with hub.hub.store.lock:
        logged = [json.loads(d)["score"] for (d,) in hub.hub.store.db.execute(
            "SELECT data FROM events WHERE type = 'feedback.nps'")]
    assert logged == [6]
