"""Presses over the real broker with a stand-in hub: offline, reconnect, exactly once.

(The end-to-end tests against the real hub are in test_e2e.py.)
"""

from __future__ import annotations

import threading

import pytest

from counter_terminal.actions import Action
from counter_terminal.controller import CounterController, Settings
from counter_terminal.hardware import DummyDisplay, NoLights
from sorra.bus import BusClient, BusSettings

from .fake_hub import FakeHub


class Watch:
    """Collects view models; wait() until a predicate holds (no sleeps)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.vms = []

    def __call__(self, vm) -> None:
        with self.cond:
            self.vms.append(vm)
            self.cond.notify_all()

    def wait(self, pred, timeout: float = 10.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: self.vms and pred(self.vms[-1]), timeout)
            assert ok, f"last view: {self.vms[-1] if self.vms else None}"
            return self.vms[-1]


@pytest.fixture
def setup(broker, invoker):
    hub = FakeHub(broker)
    hub.start()
    hub.publish_state()
    acc = broker.add_account("counter", "counter-3")
    bus = BusClient(BusSettings(broker.host, broker.port, acc.username, acc.password,
                                broker.site, acc.device, "counter",
                                reconnect_min_s=0.05, reconnect_max_s=0.3))
    watch = Watch()
    display = DummyDisplay()
    lights = NoLights()
    settings = Settings(counter=3, send_deadline_s=20.0, refused_signal_s=2)
    c = CounterController(bus, settings, lights=lights, display=display, listener=watch,
                          invoke=invoker)
    invoker.call(c.start)
    bus.start()
    watch.wait(lambda vm: vm.online and vm.clerk_id == "kovacs")

    class S:
        pass

    s = S()
    s.broker, s.hub, s.bus, s.c, s.watch, s.display, s.lights, s.invoker = (
        broker, hub, bus, c, watch, display, lights, invoker)
    s.press = lambda action: invoker.call(lambda: c.press(action))
    yield s
    bus.stop()
    hub.stop()


def test_press_online(setup):
    s = setup
    assert s.press(Action.NEXT)
    s.watch.wait(lambda vm: vm.ticket is not None and vm.pending is None)
    assert s.display.text == "A001"
    assert list(s.hub.applied.values()) == [1]


def test_press_while_the_broker_is_down_is_applied_once_after_it_returns(setup):
    s = setup
    s.broker.supervisor.stop()
    s.watch.wait(lambda vm: not vm.online)
    assert s.lights.modes["offline"] == "on"
    assert s.press(Action.NEXT)
    vm = s.watch.wait(lambda vm: vm.pending == "next")
    assert s.lights.modes["ready"] == "blink_fast"  # sending…
    assert not s.press(Action.NEXT)  # a second Next is not queued behind the first
    assert s.invoker.call(lambda: s.c.vm.notice.code) == "busy"
    s.broker.supervisor.start(s.broker.accounts)
    vm = s.watch.wait(lambda vm: vm.ticket is not None and vm.pending is None, timeout=15)
    assert vm.ticket.number == "A001" and s.display.text == "A001"
    assert [op for op, _ in s.hub.ops] == ["counter.call_next"]
    assert list(s.hub.applied.values()) == [1]


def test_press_that_cannot_be_sent_in_time_is_refused_and_never_applied(setup):
    s = setup
    s.c.settings.send_deadline_s = 0.5
    s.broker.supervisor.stop()
    s.watch.wait(lambda vm: not vm.online)
    s.press(Action.NEXT)
    vm = s.watch.wait(lambda vm: vm.notice is not None and vm.notice.code == "refused_offline")
    assert vm.refused and vm.pending is None
    assert s.lights.modes["offline"] == "blink_fast" and "refused" in s.lights.beeps
    s.broker.supervisor.start(s.broker.accounts)
    s.watch.wait(lambda vm: vm.online)
    # the refused press stays refused: a new press is the only thing the hub ever sees
    s.press(Action.NEXT)
    s.watch.wait(lambda vm: vm.ticket is not None and vm.pending is None)
    assert len(s.hub.ops) == 1 and list(s.hub.applied.values()) == [1]


def test_reply_lost_in_a_broker_restart_is_not_applied_twice(setup):
    s = setup
    s.hub.hold_replies = True  # the hub applies the press, then the broker dies before the reply
    s.press(Action.NEXT)
    s.hub.wait_applied(1)
    s.broker.supervisor.stop()
    s.watch.wait(lambda vm: not vm.online)
    assert s.invoker.call(lambda: s.c.vm.pending) == "next"
    s.hub.hold_replies = False
    s.broker.supervisor.start(s.broker.accounts)
    s.watch.wait(lambda vm: vm.ticket is not None and vm.pending is None, timeout=15)
    assert len(s.hub.ops) == 1 and list(s.hub.applied.values()) == [1]
    assert s.display.text == "A001"
