"""The kiosk against a real hub over a real broker: controller, bus client, printer worker.

:class:`Pump` is the controller's ``invoke``: callbacks from the bus and the
printer threads wait in a queue until the test thread runs them, so the
controller has one owner, like on the GUI thread, and tests wait on events
(``pump.until(...)``), never on sleeps. :class:`FakeClock` drives the
controller's timers (inactivity, late replies).
"""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from hub.broker import BrokerAccount
from kiosk.controller import KioskController
from kiosk.model import Screen
from kiosk.printing import PrinterService, TicketRenderer, load_template
from kiosk.printing.device import FakeDevice, PrinterDevice
from sorra.bus import BusClient
from sorra.config.kiosk import KioskSection
from tests.broker_fixture import MqttTestClient
from tests.kiosk.escpos_decode import Decoded, decode

SERVICES = [
    dict(id="passport", names={"hu": "Útlevél", "en": "Passport"}, prefix="U",
         info={"hu": "Hozza magával: régi útlevél, fénykép nem kell.", "en": "Bring your old passport."},
         group="Okmányok"),
    dict(id="idcard", names={"hu": "Személyi igazolvány", "en": "Identity card"}, prefix="S",
         info={"hu": "Hozza magával: lakcímkártya.", "en": "Bring your address card."}, group="Okmányok"),
    dict(id="tax", names={"hu": "Adóügyek", "en": "Taxes"}, prefix="T", info={}, group="Adó"),
]


class Pump:
    def __init__(self) -> None:
        self.queue: queue.Queue[Callable[[], None]] = queue.Queue()

    def __call__(self, fn: Callable[[], None]) -> None:
        self.queue.put(fn)

    def run_pending(self) -> None:
        while True:
            try:
                fn = self.queue.get_nowait()
            except queue.Empty:
                return
            fn()

    def until(self, predicate: Callable[[], bool], what: str = "", timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        self.run_pending()
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            try:
                fn = self.queue.get(timeout=min(left, 0.05))
            except queue.Empty:
                continue
            fn()
            self.run_pending()


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


@dataclass
class Rig:
    hub: Any
    ctl: KioskController
    bus: BusClient
    device: PrinterDevice
    printer: PrinterService
    pump: Pump
    clock: FakeClock
    device_id: str
    stopped: list[Callable[[], None]] = field(default_factory=list)

    @property
    def state(self):
        return self.ctl.state

    def wait_screen(self, screen: Screen, timeout: float = 10.0) -> None:
        self.pump.until(lambda: self.ctl.state.screen is screen, f"screen {screen}", timeout)

    def wait_catalogue(self, ids: set[str] | None = None) -> None:
        """Until the kiosk offers these services (default: the test catalogue). The hub sends the
        room-wide state at most every ``ROOM_STATE_EVERY_S``, so set-up right before may still be on its way."""
        wanted = ids if ids is not None else {svc["id"] for svc in SERVICES}
        self.pump.until(lambda: wanted <= {s.id for s in self.ctl._catalogue.items(self.ctl.state.lang) if s.open},
                        "the catalogue")

    def tick_until(self, predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        def check() -> bool:
            self.ctl.tick()
            return predicate()

        self.pump.until(check, what, timeout)

    def jobs(self) -> list[Decoded]:
        assert isinstance(self.device, FakeDevice)
        return [decode(j) for j in self.device.printer.jobs]

    def hub_tickets(self) -> list[Any]:
        return list(self.hub.hub.engine.state.tickets.values())

    def close(self) -> None:
        for fn in reversed(self.stopped):
            fn()


def add_services(hub: Any) -> None:
    for svc in SERVICES:
        hub.admin.add_service(**svc)


def make_rig(hub: Any, *, device_id: str = "kiosk-1", device: PrinterDevice | None = None,
             settings: KioskSection | None = None, lang: str = "hu") -> Rig:
    bus_settings = hub.device_settings(device_id, "kiosk")
    bus_settings.reconnect_min_s = 0.05
    bus_settings.reconnect_max_s = 0.3
    bus = BusClient(bus_settings)
    device = device or FakeDevice("TM-T88V")
    printer = PrinterService(device, TicketRenderer(load_template(), profile="TM-T88V"), status_interval_s=60)
    pump, clock = Pump(), FakeClock()
    settings = settings or KioskSection(offline_grace_s=0, issue_timeout_s=8, idle_timeout_s=45, idle_warning_s=10)
    ctl = KioskController(bus, printer, settings, lang=lang, device_name=device_id, device=device_id, invoke=pump,
                          clock=clock)
    rig = Rig(hub, ctl, bus, device, printer, pump, clock, device_id)
    ctl.start()
    printer.start()
    bus.start()
    rig.stopped += [printer.stop, bus.stop]
    return rig


@pytest.fixture
def rig(hub):
    add_services(hub)
    r = make_rig(hub)
    r.wait_screen(Screen.START)
    r.wait_catalogue()
    yield r
    r.close()


class Observer:
    """The hub's admin account watching a device's requests and status on the broker."""

    def __init__(self, hub: Any, device: str) -> None:
        account = BrokerAccount("admin", hub.hub.secrets["admin_password"], "admin", "admin")
        self.client = MqttTestClient("127.0.0.1", hub.port, account)
        self.client.connect()
        self.rpc_topic = hub.topics.rpc(device)
        self.status_topic = hub.topics.status(device)
        self.client.subscribe(self.rpc_topic)
        self.client.subscribe(self.status_topic)
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []

    def _handle(self, msg: Any) -> None:
        payload = json.loads(msg.payload) if msg.payload else {}
        (self.requests if msg.topic == self.rpc_topic else self.statuses).append(payload)

    def drain(self) -> None:
        while True:
            try:
                self._handle(self.client.messages.get_nowait())
            except queue.Empty:
                return

    def wait(self, predicate: Callable[[Observer], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        self.drain()
        while not predicate(self):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("observer: timed out")
            try:
                self._handle(self.client.messages.get(timeout=left))
            except queue.Empty:
                continue

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def observer(rig):
    obs = Observer(rig.hub, rig.device_id)
    yield obs
    obs.close()
