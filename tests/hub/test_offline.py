"""Devices across broker and hub outages: a request is applied exactly once or refused."""

from __future__ import annotations

import threading

import pytest

from sorra.bus import RequestError
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
