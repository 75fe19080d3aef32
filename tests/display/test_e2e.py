"""End to end with the real hub: a counter press → hub → broker → display model → repainted panel."""

from __future__ import annotations

import pytest

from display.controller import DisplayController
from display.views.window import DisplayWindow
from sorra.bus import BusClient
from sorra.config.display import DisplaySection
from sorra.qt import main_thread_invoker
from tests.display.fakes import RecordingAnnouncer


@pytest.fixture
def office(hub):
    hub.admin.add_service("A", names={"hu": "Okmányok", "en": "Documents"}, prefix="A")
    hub.admin.add_service("B", names={"hu": "Útlevél", "en": "Passports"}, prefix="B")
    hub.admin.add_counter(3, "3")
    hub.admin.add_counter(5, "Pénztár")
    hub.admin.add_clerk("kovacs", "Kovács Anna", "1234", profile=[("A", 1), ("B", 1)])
    hub.admin.add_clerk("nagy", "Nagy Béla", "4321", profile=[("B", 1)])
    hub.admin.set_office(name={"hu": "Kormányablak Teszt", "en": "Government Window Test"})
    return hub


def test_press_to_display(qtbot, office) -> None:
    hub = office
    kiosk = hub.client("kiosk-1", "kiosk")
    c3 = hub.client("counter-3", "counter", counter=3)
    c5 = hub.client("counter-5", "counter", counter=5)
    c3.call("clerk.login", {"clerk": "kovacs", "pin": "1234"})
    c5.call("clerk.login", {"clerk": "nagy", "pin": "4321"})

    announcer = RecordingAnnouncer()
    ctl = DisplayController(DisplaySection(call_takeover_s=1), announcer=announcer, invoke=main_thread_invoker())
    win = DisplayWindow(ctl, lang="hu")
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    qtbot.waitExposed(win)
    bus = BusClient(hub.device_settings("display-1", "display"))
    ctl.attach(bus)
    bus.start()
    try:
        qtbot.waitUntil(lambda: ctl.state.online and ctl.state.office_name == "Kormányablak Teszt", timeout=10000)
        a1 = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]["number"]
        b1 = kiosk.call("ticket.issue", {"services": ["B"], "lang": "en"})["ticket"]["number"]
        qtbot.waitUntil(lambda: {r.service: r.waiting for r in ctl.state.queue} == {"A": 1, "B": 1},
                        timeout=10000)
        with qtbot.waitSignal(win.takeover.painted, timeout=10000, check_params_cb=lambda n: n == a1):
            c3.call("counter.call_next")
        assert ctl.state.current.counter == 3
        with qtbot.waitSignal(win.takeover.painted, timeout=10000, check_params_cb=lambda n: n == b1):
            c5.call("counter.call_next")
        assert ctl.state.current.counter_title == "Pénztár"
        assert [r.number for r in ctl.state.recent] == [a1]
        with qtbot.waitSignal(win.takeover.shown, timeout=10000):
            c3.call("counter.recall")
        assert ctl.state.current.number == a1 and ctl.state.current.recall
        assert (a1, b1) == ("A001", "B001")
        assert announcer.written == [
            "Az A 1-es sorszámot várjuk a 3-as ablakhoz.",
            "Ticket B 1, please go to counter 5.",  # the ticket was taken in English
            "Ismét várjuk az A 1-es sorszámot a 3-as ablakhoz.",
        ]
        # the hub restarts: the display keeps its state, marks itself offline, then catches up
        hub.stop()
        qtbot.waitUntil(lambda: not ctl.state.online, timeout=10000)
        assert ctl.state.current.number == a1
        hub.start()
        qtbot.waitUntil(lambda: ctl.state.online, timeout=20000)
        assert ctl.state.current.number == a1
        assert len(announcer.said) == 3  # the retained calls were not announced again
    finally:
        bus.stop()
