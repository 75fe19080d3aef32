"""A counter terminal's controller wired to the real hub fixture (real broker, bus client, engine, SQLite).

Nothing here stands in for the bus or the hub: the controller talks to a real
:class:`sorra.bus.BusClient` paired with the ``hub`` fixture, and the tests
read what the hub really did (engine state, its event log, its stored
replies). What is controlled: the controller's clock (:class:`Clock`), the
LEDs and the LED display (the hardware package's own stand-ins), and the
thread that hands bus callbacks to the controller (:class:`Relay`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from counter_terminal.controller import CounterController, Settings
from counter_terminal.hardware import DummyDisplay, NoLights
from counter_terminal.runner import SerialInvoker
from sorra.bus import BusClient

DEVICE = "counter-3"


class Clock:
    """The controller's monotonic clock, moved by the test (notices, signals, windows)."""

    def __init__(self, t: float = 5000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


class Watch:
    """Keeps the latest view model; ``wait(pred)`` blocks until it satisfies ``pred``."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.vm: Any = None

    def __call__(self, vm: Any) -> None:
        with self.cond:
            self.vm = vm
            self.cond.notify_all()

    def wait(self, pred: Callable[[Any], bool], timeout: float = 10.0) -> Any:
        with self.cond:
            ok = self.cond.wait_for(lambda: self.vm is not None and pred(self.vm), timeout)
            assert ok, f"last view model: {self.vm}"
            return self.vm


class Relay:
    """The controller's ``invoke``: passes work to its thread, or holds it while ``hold()`` is on.

    Holding lets a test act between a reply's arrival and its handling (stop
    the broker after the first step of a two-step press was answered).
    """

    def __init__(self, invoker: SerialInvoker) -> None:
        self.invoker = invoker
        self.cond = threading.Condition()
        self.held: list[Callable[[], None]] | None = None

    def __call__(self, fn: Callable[[], None]) -> None:
        with self.cond:
            if self.held is not None:
                self.held.append(fn)
                self.cond.notify_all()
                return
        self.invoker(fn)

    def hold(self) -> None:
        with self.cond:
            self.held = []

    def release(self) -> None:
        with self.cond:
            held, self.held = self.held or [], None
        for fn in held:
            self.invoker(fn)


def set_up_office(hub: Any) -> Any:
    """Two services, counters 3 and 4, two clerks (only ``nagy`` may edit priorities)."""
    hub.admin.add_service("A", names={"hu": "Okmány", "en": "Documents"}, prefix="A")
    hub.admin.add_service("B", names={"hu": "Útlevél", "en": "Passport"}, prefix="B")
    hub.admin.add_counter(3, "Ablak 3")
    hub.admin.add_counter(4, "Ablak 4")
    hub.admin.add_clerk("kovacs", "Kovács Anna", "1234", profile=[("A", 1), ("B", 1)])
    hub.admin.add_clerk("nagy", "Nagy Béla", "4321", profile=[("A", 1), ("B", 3)], may_edit_profile=True)
    return hub


class Rig:
    """A controller for counter 3 on the real hub; call :meth:`close` at the end."""

    def __init__(self, hub: Any, invoker: SerialInvoker, *, clerk: str | None = "kovacs",
                 paired: int = 3, status: Callable[[dict[str, Any]], None] | None = None,
                 **settings: Any) -> None:
        self.hub = hub
        self.invoker = invoker
        self.relay = Relay(invoker)
        if clerk is not None:
            pin = {"kovacs": "1234", "nagy": "4321"}[clerk]
            hub.admin.counter(3, "clerk.login", {"clerk": clerk, "pin": pin})
        bus_settings = hub.device_settings(DEVICE, "counter", counter=paired)
        bus_settings.reconnect_min_s, bus_settings.reconnect_max_s = 0.05, 0.3
        bus_settings.resend_after_s = 0.5
        self.bus = BusClient(bus_settings)
        self.offline = threading.Event()
        self.bus.on_connection(lambda online: None if online else self.offline.set())
        self.clock = Clock()
        self.lights = NoLights()
        self.display = DummyDisplay()
        self.watch = Watch()
        options = {"counter": 3, "lang": "hu", "send_deadline_s": 10.0, "refused_signal_s": 4.0,
                   "feedback_window_s": 60.0, **settings}
        self.c = CounterController(self.bus, Settings(**options), lights=self.lights, display=self.display,
                                   listener=self.watch, invoke=self.relay, clock=self.clock, status=status)
        self.do(self.c.start)
        self.bus.start()
        self.wait(lambda vm: vm.online and vm.counter_name == "Ablak 3" and self.c.services)

    def close(self) -> None:
        self.bus.stop()

    # ---- the terminal --------------------------------------------------------

    def do(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the controller's thread and return its result."""
        return self.invoker.call(fn)

    def press(self, action: Any) -> bool:
        return self.do(lambda: self.c.press(action))

    def vm(self) -> Any:
        return self.do(lambda: self.c.vm)

    def modes(self) -> dict[str, str]:
        return self.do(lambda: dict(self.lights.modes))

    def beeps(self) -> list[str]:
        return self.do(lambda: list(self.lights.beeps))

    def shown(self) -> str:
        """What the LED number display shows."""
        return self.do(lambda: self.display.text)

    def wait(self, pred: Callable[[Any], bool], timeout: float = 10.0) -> Any:
        return self.watch.wait(pred, timeout)

    def wait_notice(self, code: str, timeout: float = 10.0) -> Any:
        return self.wait(lambda vm: vm.notice is not None and vm.notice.code == code, timeout)

    def wait_settled(self, timeout: float = 10.0) -> Any:
        """No press on its way and a customer at the desk."""
        return self.wait(lambda vm: vm.pending is None and vm.ticket is not None, timeout)

    def broker_down(self, *, shown: bool = True) -> None:
        """Stop the broker; wait until the bus client (and, if ``shown``, the screen) knows."""
        self.offline.clear()
        self.hub.broker.supervisor.stop()
        assert self.offline.wait(10), "the bus client did not notice the broker going away"
        if shown:
            self.wait(lambda vm: not vm.online)

    def broker_up(self) -> None:
        self.hub.broker.supervisor.start()
        self.wait(lambda vm: vm.online, timeout=20)

    # ---- the hub (real engine, real store) -------------------------------------

    def issue(self, service: str = "A") -> str:
        return self.hub.admin.call("admin.ticket_issue", {"services": [service]})["ticket"]["number"]

    def at_counter(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Counter 3 does ``op`` from the hub's side (the manager's page), not from this terminal."""
        return self.hub.admin.counter(3, op, args)

    def read(self, fn: Callable[[Any], Any]) -> Any:
        """Read the hub's state on its engine thread (after everything queued before)."""
        return self.hub.hub.worker.run_in_worker(fn)

    def tickets(self) -> dict[str, str]:
        """Number → state of today's tickets."""
        return self.read(lambda e: {t.number: t.state for t in e.state.tickets.values()})

    def hub_ops(self) -> list[str]:
        """The ops the hub received from this terminal (each request id once), oldest first; not the
        clerk roster the terminal reads on every connect (a read, not a press)."""
        db = self.hub.hub.store.db
        return self.read(lambda e: [r[0] for r in db.execute(
            "SELECT op FROM requests WHERE device = ? AND op != 'clerk.roster' ORDER BY at, rowid",
            [DEVICE]).fetchall()])

    def hub_reply(self, req: str) -> dict[str, Any] | None:
        store = self.hub.hub.store
        return self.read(lambda e: store.reply_for(DEVICE, req))

    def hub_events(self, kind: str) -> list[dict[str, Any]]:
        import json

        db = self.hub.hub.store.db
        return self.read(lambda e: [json.loads(r[0]) for r in db.execute(
            "SELECT data FROM events WHERE type = ? ORDER BY seq", [kind]).fetchall()])
