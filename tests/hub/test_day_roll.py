"""End of day on a running hub: stuck tickets closed, numbering restarts, history kept."""

from __future__ import annotations

import sqlite3
import threading

from tests.engine.helpers import Clock


def test_end_of_day_closes_stuck_tickets_and_restarts_numbers(hub_factory) -> None:
    clock = Clock("2026-11-23T17:55:00+01:00")
    hub = hub_factory("hub", clock=clock)
    hub.admin.add_service("A", {"hu": "Okmány", "en": "Documents"}, "A")
    kiosk = hub.client("kiosk-1", "kiosk")
    counter = hub.client("counter-1", "counter", 1)
    first = [kiosk.call("ticket.issue", {"services": ["A"]})["ticket"] for _ in range(3)]
    counter.call("counter.resume")
    counter.call("counter.call_next")
    queue_empty = threading.Event()
    kiosk.subscribe_state("queue", lambda s, p: p and p["waiting"] == 0 and queue_empty.set())

    clock.advance(15 * 3600)  # next morning
    nxt = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    assert nxt["number"] == "A001" and nxt["id"] != first[0]["id"]
    states = hub.hub.worker.run_in_worker(lambda e: {t.number: t.state for t in e.state.tickets.values()})
    assert states == {"A001": "waiting"}  # only today's ticket in memory
    counter_state = hub.hub.worker.run_in_worker(lambda e: e.state.counters[1].state)
    assert counter_state == "closed"
    db = sqlite3.connect(hub.data_dir / "sorra.db")
    rows = dict(db.execute("SELECT id, state FROM tickets"))
    assert {rows[t["id"]] for t in first} == {"closed"}  # history kept, stuck ones closed
    assert rows[nxt["id"]] == "waiting"
    db.close()
