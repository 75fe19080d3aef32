"""Devices across broker and hub outages: a request is applied exactly once or refused."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from hub.worker import ReadJob
from sorra.bus import BusClient, RequestError
from tests.hub_fixture import TestHub


@pytest.fixture
def office(hub: TestHub) -> TestHub:
    hub.admin.add_service("A", {"hu": "Okmány", "en": "Documents"}, "A")
    hub.admin.add_counter(1, "Ablak 1")
    return hub


def _state_event(client, name: str, predicate) -> threading.Event:
    ev = threading.Event()

    def on(suffix: str, payload: dict | None) -> None:
        if payload is not None and predicate(payload):
            ev.set()
    client.subscribe_state(name, on)
    return ev


def test_press_while_broker_is_down_is_applied_once_after_it_returns(office: TestHub) -> None:
    kiosk = office.client("kiosk-1", "kiosk")
    counter = office.client("counter-1", "counter", 1)
    offline = threading.Event()
    online_again = threading.Event()
    counter.on_connection(lambda up: (online_again if up else offline).set())
    for _ in range(2):
        kiosk.call("ticket.issue", {"services": ["A"]})
    counter.call("counter.resume")
    office.broker.supervisor.stop()
    assert offline.wait(10)
    press = counter.request("counter.call_next", send_deadline_s=60)
    assert not press.done()
    office.broker.supervisor.start()
    assert online_again.wait(20)
    ticket = press.result(20)["ticket"]
    assert ticket["number"] == "A001"
    states = office.hub.worker.run_in_worker(lambda e: sorted((t.number, t.state) for t in e.state.tickets.values()))
    assert states == [("A001", "called"), ("A002", "waiting")]


def test_press_that_cannot_be_sent_in_time_is_refused_and_not_applied(office: TestHub) -> None:
    kiosk = office.client("kiosk-1", "kiosk")
    counter = office.client("counter-1", "counter", 1)
    offline = threading.Event()
    counter.on_connection(lambda up: None if up else offline.set())
    kiosk.call("ticket.issue", {"services": ["A"]})
    counter.call("counter.resume")
    office.broker.supervisor.stop()
    assert offline.wait(10)
    press = counter.request("counter.call_next", send_deadline_s=0.5)
    with pytest.raises(RequestError) as err:
        press.result(10)
    assert err.value.code == "offline"
    office.broker.supervisor.start()
    assert counter.wait_connected(20)
    # nothing was called: the ticket still waits
    assert office.hub.worker.run_in_worker(lambda e: [t.state for t in e.state.tickets.values()]) == ["waiting"]


def test_device_presence_raises_and_clears_an_alert(office: TestHub) -> None:
    watcher = office.client("display-1", "display")
    raised = _state_event(watcher, "alerts", lambda p: any(a["code"] == "device.offline" and a["source"] == "kiosk-1"
                                                           for a in p["alerts"]))
    kiosk = office.client("kiosk-1", "kiosk")
    kiosk.stop()
    assert raised.wait(10)
    cleared = _state_event(watcher, "alerts", lambda p: not any(a["source"] == "kiosk-1" for a in p["alerts"]))
    again = office.client("kiosk-1", "kiosk")
    assert again.connected
    assert cleared.wait(10)


def test_a_hub_already_online_gets_a_pending_request_once_and_a_hub_coming_online_again(broker) -> None:
    """The retained "hub online" a device finds on connecting sends nothing twice; a hub that
    comes online while the device is connected gets what is unanswered again at once."""
    import json

    from sorra.bus import BusClient, BusSettings
    from sorra.protocol.topics import Topics

    topics = Topics(broker.site)
    account = broker.add_account("kiosk", "kiosk-1")
    hub = broker.client()  # the hub's account: nobody answers, the test watches what arrives
    hub.subscribe(topics.rpc("kiosk-1"))
    hub.publish(topics.status("hub"), json.dumps({"online": True, "at": 1.0}), retain=True)
    settings = BusSettings(broker.host, broker.port, account.username, account.password, broker.site,
                           "kiosk-1", "kiosk", resend_after_s=600.0)
    kiosk = BusClient(settings)
    marker: list[str] = []

    def on_status(suffix: str, payload: dict | None) -> None:
        # Runs on the client's network thread just after it handled the status: whatever that
        # sent is already queued, so the marker arrives after it.
        if suffix == "device/hub/status" and payload and payload.get("at") == 1.0 and not marker:
            marker.append("sent")
            kiosk.request("ticket.issue", {"services": ["A"]}, req="marker")

    kiosk.subscribe_status(on_status)
    kiosk.request("ticket.issue", {"services": ["A"]}, req="first")  # pending before connecting
    kiosk.start()
    try:
        def reqs(n: int) -> list[str]:
            return [json.loads(hub.wait_message(10).payload)["req"] for _ in range(n)]

        assert reqs(2) == ["first", "marker"]
        hub.publish(topics.status("hub"), json.dumps({"online": True, "at": 2.0}), retain=True)
        assert sorted(reqs(2)) == ["first", "marker"]
    finally:
        kiosk.stop()


def test_a_reply_sent_while_the_device_was_away_reaches_it_when_it_returns(office: TestHub) -> None:
    """Replies go at QoS 0 (``BusService._send_reply``): the broker keeps none for a device that is
    away. The device re-sends what is unanswered when it reconnects, and the hub answers from its
    store: the same ticket, issued once."""
    settings = dataclasses.replace(office.device_settings("kiosk-1", "kiosk"), resend_after_s=600.0)
    kiosk = BusClient(settings)  # re-sends on reconnecting only, not on a timer
    kiosk.start()
    assert kiosk.wait_connected(10)
    try:
        _answered_after_the_device_returns(office, kiosk)
    finally:
        kiosk.stop()


def _answered_after_the_device_returns(office: TestHub, kiosk: BusClient) -> None:
    gate = threading.Event()
    answered = threading.Event()
    worker = office.hub.worker
    after_commit = worker.on_committed

    def watching(events: list, done: list) -> None:
        after_commit(events, done)  # replies sent (or queued to the outbox)
        if any(d.job.req == "away-1" for d in done):
            answered.set()

    worker.on_committed = watching
    worker.submit(ReadJob(lambda _engine: gate.wait(10)))  # the engine is busy for a moment
    network = kiosk._client
    stored = threading.Event()
    network.on_publish = lambda *_args: stored.set()  # the broker has the request (PUBACK)
    future = kiosk.request("ticket.issue", {"services": ["A"]}, req="away-1")
    assert stored.wait(10)
    network.disconnect()  # the device's connection drops (its pending requests stay)
    network.loop_stop()
    assert not kiosk.connected
    gate.set()
    assert answered.wait(10)  # committed and answered
    store = office.hub.store
    assert store.reply_for("kiosk-1", "away-1") is not None
    assert office.hub.bus.flush(5)  # the reply went out while the device was away
    assert not future.done()
    network.reconnect()
    network.loop_start()
    ticket = future.result(10)["ticket"]
    assert store.reply_for("kiosk-1", "away-1")["result"]["ticket"]["id"] == ticket["id"]
    with store.lock:
        issued = store.db.execute("SELECT COUNT(*) FROM events WHERE type = 'ticket.issued'").fetchone()[0]
    assert issued == 1
