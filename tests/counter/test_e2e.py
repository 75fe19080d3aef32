"""End to end: gpiozero MockFactory presses → real hub and broker → LED display bytes on a pty."""

from __future__ import annotations

import os
import select
import threading
import tty

import pytest
from gpiozero.pins.mock import MockFactory

from counter_terminal.app import CounterApp
from counter_terminal.hardware.number_display import textline_frame
from sorra.bus import BusClient
from sorra.config import parse
from tests.counter.rig import Clock, Watch

WIDTH = 6


class Pty:
    """The LED display's side of the serial line."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.buf = b""

    def wait_for(self, data: bytes, timeout: float = 10.0) -> None:
        while data not in self.buf:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"display got only {self.buf!r}, waiting for {data!r}"
            self.buf += os.read(self.master, 1024)

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def office(hub):
    hub.admin.add_service("A", names={"hu": "Okmány", "en": "Documents"}, prefix="A")
    hub.admin.add_service("B", names={"hu": "Útlevél", "en": "Passport"}, prefix="B")
    hub.admin.add_counter(3, "3. ablak")
    hub.admin.add_counter(4, "4. ablak")
    hub.admin.add_clerk("kovacs", "Kovács Anna", "1234", profile=[("A", 1), ("B", 1)])
    kiosk = hub.client("kiosk-1", "kiosk")
    return hub, kiosk


@pytest.fixture
def terminal(office):
    hub, kiosk = office
    settings = hub.device_settings("counter-3", "counter", counter=3)
    pty = Pty()
    factory = MockFactory()
    clock = Clock()
    cfg = parse({
        "device": {"id": "counter-3", "role": "counter", "site": hub.site, "lang": "hu"},
        "hub": {"host": settings.host, "mqtt_port": settings.port, "username": settings.username,
                "password": settings.password},
        "counter": {"number": 3, "offline_send_deadline_s": 30, "hold_s": 1.5, "debounce_s": 0.05},
        "gpio": {"pin_factory": "mock"},
        "serial_display": {"model": "textline", "port": pty.path, "width": WIDTH},
    })
    app = CounterApp(cfg, headless=True, pin_factory=factory,
                     button_options={"clock": clock, "run_thread": False})
    watch = Watch()
    app.controller.add_listener(watch)
    app.start(tick=False)
    watch.wait(lambda vm: vm.online and vm.counter_name == "3. ablak")
    app.invoke(lambda: app.controller.login("kovacs", "1234"))
    watch.wait(lambda vm: vm.clerk_id == "kovacs" and vm.state == "open" and vm.pending is None)

    class T:
        pass

    t = T()
    t.hub, t.kiosk, t.app, t.watch, t.pty, t.factory, t.clock = hub, kiosk, app, watch, pty, factory, clock
    t.c = app.controller

    def tap(pin: int) -> None:
        p = factory.pin(pin)
        p.drive_low()
        clock.advance(0.12)
        app.buttons.poll()
        p.drive_high()
        clock.advance(0.3)
        app.buttons.poll()

    def hold(pin: int) -> None:
        p = factory.pin(pin)
        p.drive_low()
        clock.advance(1.6)
        app.buttons.poll()  # the hold fires here, while the button is still down
        p.drive_high()
        clock.advance(0.3)
        app.buttons.poll()

    def issue(service: str = "A") -> str:
        return kiosk.call("ticket.issue", {"services": [service]})["ticket"]["number"]

    t.tap, t.hold, t.issue = tap, hold, issue
    yield t
    app.stop()
    factory.reset()
    pty.close()


NEXT, RECALL, DONE, NO_SHOW, TRANSFER = 17, 27, 22, 23, 24


def test_press_next_calls_the_ticket_and_the_led_display_shows_it(terminal):
    t = terminal
    calls = []
    got_call = threading.Event()
    tv: BusClient = t.hub.client("display-1", "display")
    tv.subscribe_event("call", lambda topic, p: (calls.append(p), got_call.set()))
    number = t.issue()
    t.tap(NEXT)
    t.pty.wait_for(textline_frame(number, WIDTH))
    vm = t.watch.wait(lambda vm: vm.ticket is not None and vm.state == "called")
    assert vm.ticket.number == number and vm.ticket.services == ("Okmány",)
    assert t.app.lights.modes["serving"] == "blink"
    assert t.factory.pin(5).state == 0  # ready LED off: a customer is called
    assert got_call.wait(10) and calls[-1]["number"] == number and calls[-1]["counter"] == 3
    # Recall, arrived (hold Recall), Done
    t.tap(RECALL)
    t.watch.wait(lambda vm: vm.notice is not None and vm.notice.code == "recalled")
    t.hold(RECALL)
    t.watch.wait(lambda vm: vm.state == "serving")
    assert t.factory.pin(6).state == 1  # serving LED steady
    t.tap(DONE)
    t.watch.wait(lambda vm: vm.ticket is None and vm.state == "open" and vm.pending is None)
    t.pty.wait_for(textline_frame("", WIDTH))


def test_hold_next_finishes_and_calls_the_next(office, terminal):
    t = terminal
    office[0].admin.set_office(next_finishes=False)  # the office wants Done (or a hold) first
    t.watch.wait(lambda vm: not vm.next_finishes)
    first, second = t.issue(), t.issue()
    t.tap(NEXT)
    t.watch.wait(lambda vm: vm.ticket is not None and vm.ticket.number == first)
    t.tap(NEXT)  # a tap with a customer at the desk is refused: nobody skipped
    vm = t.watch.wait(lambda vm: vm.notice is not None and vm.notice.code == "customer_at_desk")
    assert vm.ticket.number == first
    t.hold(NEXT)
    t.pty.wait_for(textline_frame(second, WIDTH))
    t.watch.wait(lambda vm: vm.ticket is not None and vm.ticket.number == second and vm.pending is None)


def test_bouncing_next_calls_one_customer(terminal):
    t = terminal
    first, _second = t.issue(), t.issue()
    p = t.factory.pin(NEXT)
    for _ in range(6):  # contact bounce on press
        p.drive_low()
        t.clock.advance(0.002)
        p.drive_high()
        t.clock.advance(0.001)
    p.drive_low()
    t.clock.advance(0.2)
    t.app.buttons.poll()
    for _ in range(4):  # and on release
        p.drive_high()
        t.clock.advance(0.002)
        p.drive_low()
    p.drive_high()
    t.clock.advance(0.2)
    t.app.buttons.poll()
    t.watch.wait(lambda vm: vm.ticket is not None and vm.pending is None)
    queue = t.hub.hub.engine.state.tickets
    called = [tk for tk in queue.values() if tk.state != "waiting"]
    assert [tk.number for tk in called] == [first]


def test_press_while_the_broker_is_down_is_applied_once_after_it_returns(terminal):
    t = terminal
    number = t.issue()
    t.issue()
    t.hub.broker.supervisor.stop()
    t.watch.wait(lambda vm: not vm.online)
    assert t.factory.pin(19).state == 1  # offline LED
    t.tap(NEXT)
    t.watch.wait(lambda vm: vm.pending == "next")
    assert t.app.lights.modes["ready"] == "blink_fast"
    t.tap(NEXT)  # ignored: never a second call queued behind the first
    t.watch.wait(lambda vm: vm.notice is not None and vm.notice.code == "busy")
    t.hub.broker.supervisor.start()
    t.pty.wait_for(textline_frame(number, WIDTH), timeout=20)
    t.watch.wait(lambda vm: vm.online and vm.pending is None and vm.ticket is not None, timeout=20)
    tickets = t.hub.hub.engine.state.tickets.values()
    assert sorted(tk.state for tk in tickets) == ["called", "waiting"]


def test_press_that_cannot_be_sent_in_time_is_refused_visibly_and_not_applied(terminal):
    t = terminal
    t.c.settings.send_deadline_s = 0.5
    t.issue()
    t.hub.broker.supervisor.stop()
    t.watch.wait(lambda vm: not vm.online)
    t.tap(NEXT)
    vm = t.watch.wait(lambda vm: vm.notice is not None and vm.notice.code == "refused_offline")
    assert vm.refused and vm.pending is None
    assert t.app.lights.modes["offline"] == "blink_fast"
    t.hub.broker.supervisor.start()
    t.watch.wait(lambda vm: vm.online, timeout=20)
    tickets = list(t.hub.hub.engine.state.tickets.values())
    assert [tk.state for tk in tickets] == ["waiting"]  # nothing was done
