"""The controller on a real Mosquitto: live calls, the offline mark, catch-up from retained state."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from display.controller import DisplayController
from sorra.bus import BusClient, BusSettings
from tests.display.fakes import (
    RecordingAnnouncer,
    RecordingListener,
    call,
    queue_state,
    services_state,
)


def display_settings(broker, device: str = "display-1") -> BusSettings:
    account = broker.add_account("display", device)
    return BusSettings(host=broker.host, port=broker.port, username=account.username,
                       password=account.password, site=broker.site, device=device, role="display",
                       reconnect_min_s=0.05, reconnect_max_s=0.3)


class Rig:
    def __init__(self, broker) -> None:
        self.broker = broker
        self.settings = display_settings(broker)
        self.hub = broker.client()  # publishes as the hub would (hub account)
        self.announcer = RecordingAnnouncer()
        self.listener = RecordingListener()
        self.controller = DisplayController(announcer=self.announcer)
        self.controller.add_listener(self.listener)
        self.bus: BusClient | None = None

    def start_display(self) -> None:
        self.bus = BusClient(self.settings)
        self.controller.attach(self.bus)
        self.bus.start()
        assert self.bus.wait_connected(10)

    def stop_display(self) -> None:
        assert self.bus is not None
        self.bus.stop()

    def publish(self, suffix: str, payload: dict, retain: bool = False) -> None:
        self.hub.publish(self.broker.topic(suffix), json.dumps(payload), qos=1, retain=retain)

    def hub_online(self, online: bool) -> None:
        self.publish("device/hub/status", {"device": "hub", "role": "hub", "online": online}, retain=True)

    def wait(self, predicate, timeout: float = 10.0) -> None:
        assert self.listener.wait_for(predicate, timeout), "display did not get there"


@pytest.fixture
def rig(broker) -> Iterator[Rig]:
    r = Rig(broker)
    yield r
    if r.bus is not None:
        r.bus.stop()


def now() -> float:
    import time

    return time.time()


def test_live_call_and_retained_state(rig: Rig) -> None:
    rig.publish("state/services", services_state(at=now()), retain=True)
    rig.publish("state/queue", queue_state(at=now()), retain=True)
    rig.hub_online(True)
    rig.start_display()
    state = rig.controller.state
    rig.wait(lambda: len(state.queue) == 3 and state.office_name and state.online)
    c = call("A042", 3, at=now())
    rig.publish("event/call", c)
    rig.publish("state/calls", {"calls": [c], "at": now()}, retain=True)
    rig.wait(lambda: state.current is not None and state.current.number == "A042")
    assert rig.announcer.event.wait(5)
    assert rig.announcer.written == ["Az A 42-es sorszámot várjuk a 3-as ablakhoz."]
    assert [x.number for x in rig.listener.arrived] == ["A042"]


def test_offline_mark_and_catch_up_after_the_broker_returns(rig: Rig) -> None:
    rig.hub_online(True)
    first = call("A001", 1, at=now())
    rig.publish("state/calls", {"calls": [first], "at": now()}, retain=True)
    rig.start_display()
    state = rig.controller.state
    rig.wait(lambda: state.online and state.current is not None)
    supervisor = rig.broker.supervisor
    supervisor.stop()  # broker away
    rig.wait(lambda: not state.online)
    assert state.current.number == "A001"  # the last state stays on screen
    supervisor.start(rig.broker.accounts)
    rig.wait(lambda: state.online, timeout=15)
    hub = rig.broker.client()  # the hub reconnects and republishes
    second = call("B002", 2, at=now())
    hub.publish(rig.broker.topic("state/calls"), json.dumps({"calls": [first, second], "at": now()}),
                qos=1, retain=True)
    rig.wait(lambda: state.current is not None and state.current.number == "B002")
    assert [r.number for r in state.recent] == ["A001"]
    assert rig.announcer.written[-1] == "A B 2-es sorszámot várjuk a 2-es ablakhoz."


def test_hub_loss_shows_offline_with_the_broker_up(rig: Rig) -> None:
    rig.hub_online(True)
    rig.start_display()
    state = rig.controller.state
    rig.wait(lambda: state.online)
    rig.hub_online(False)  # what the hub's Last Will publishes
    rig.wait(lambda: not state.online)
    rig.hub_online(True)
    rig.wait(lambda: state.online)


def test_a_display_that_was_away_catches_up_once(rig: Rig) -> None:
    rig.hub_online(True)
    rig.start_display()
    state = rig.controller.state
    rig.wait(lambda: state.online)
    rig.stop_display()  # network drop on the display's side; its session stays on the broker
    missed = call("C003", 4, at=now())
    rig.publish("event/call", missed)  # queued for the display's persistent session
    rig.publish("state/calls", {"calls": [missed], "at": now()}, retain=True)
    before = sum(1 for c in rig.listener.states if "calls" in c)
    rig.start_display()
    # it arrives twice (the queued event and the retained state): wait for both
    rig.wait(lambda: sum(1 for c in rig.listener.states if "calls" in c) >= before + 2)
    assert state.current is not None and state.current.number == "C003"
    assert rig.announcer.written == ["A C 3-as sorszámot várjuk a 4-es ablakhoz."]
    assert len(rig.listener.arrived) == 1
