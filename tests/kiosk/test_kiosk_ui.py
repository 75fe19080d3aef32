"""pytest-qt: the kiosk window driven by taps, against a real hub over a real broker.

Every flow ends on the printer's bytes (decoded) or the hub's state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QApplication, QPushButton

from kiosk.app import KioskApp
from kiosk.model import PrintState, Screen
from kiosk.printing import PrinterState
from kiosk.printing.device import FakeDevice, open_device
from kiosk.views import InputFilter, KioskWindow, Metrics
from kiosk.views.widgets import Tile
from sorra.config import DeviceConfig
from sorra.config.kiosk import KioskSection, PrinterSection
from sorra.qt import main_thread_invoker
from tests.hub_fixture import later_today
from tests.kiosk.conftest import FakeClock, add_services
from tests.kiosk.escpos_decode import decode
from tests.kiosk.printer_peers import NetworkPrinterPeer, PtyPrinterPeer

WAIT_MS = 10_000


class UI:
    def __init__(self, hub, qtbot, *, device=None, clock=None, screen="1280x800", device_id="kiosk-ui"):
        settings = hub.device_settings(device_id, "kiosk")
        settings.reconnect_min_s, settings.reconnect_max_s = 0.05, 0.3
        cfg = DeviceConfig(
            kiosk=KioskSection(screen=screen, offline_grace_s=0, fullscreen=False),
            printer=PrinterSection(type="dummy", profile="TM-T88V", status_interval_s=60),
        )
        cfg.device.id = device_id
        kwargs = {"clock": clock} if clock else {}
        self.hub, self.qtbot = hub, qtbot
        self.app = KioskApp(cfg, invoke=main_thread_invoker(), settings=settings,
                            device=device or FakeDevice("TM-T88V"), **kwargs)
        self.ctl = self.app.controller
        self.window = KioskWindow(Metrics.for_screen(screen), self.ctl)
        qtbot.addWidget(self.window)
        self.ctl.on_change(self.window.render)
        self.ticker = QTimer()
        self.ticker.timeout.connect(self.ctl.tick)
        self.ticker.start(50)
        self.app.start()
        self.window.show()

    def close(self):
        self.ticker.stop()
        self.app.stop()

    @classmethod
    @contextmanager
    def started(cls, hub, qtbot, **kwargs) -> Iterator[UI]:
        """A kiosk on its start screen, offering every service the hub has; closed afterwards."""
        u = cls(hub, qtbot, **kwargs)
        try:
            u.wait_screen(Screen.START)
            u.wait_catalogue()
            yield u
        finally:
            u.close()

    def wait_catalogue(self) -> None:
        """Until the kiosk offers every service the hub has. The hub sends its state at most every
        ROOM_STATE_EVERY_S, so services set up just before may still be on their way."""
        wanted = set(self.hub.hub.worker.run_in_worker(
            lambda e: [sid for sid, svc in e.state.services.items() if svc.enabled]))
        self.qtbot.waitUntil(
            lambda: wanted <= {s.id for s in self.ctl._catalogue.items(self.state.lang)}, timeout=WAIT_MS)

    @property
    def state(self):
        return self.ctl.state

    def wait_screen(self, screen: Screen, timeout: int = WAIT_MS) -> None:
        self.qtbot.waitUntil(lambda: self.state.screen is screen and self.window.stack.currentWidget()
                             is self.window.screens[screen], timeout=timeout)

    def current(self):
        return self.window.stack.currentWidget()

    def tap(self, widget) -> None:
        assert widget.isVisible(), f"{widget.objectName() or widget} is not on screen"
        self.qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)

    def tap_tile(self, title: str) -> None:
        def tiles():
            return [t for t in self.current().findChildren(Tile) if t.isVisible() and t.title.text() == title]

        self.qtbot.waitUntil(lambda: bool(tiles()), timeout=WAIT_MS)
        self.tap(tiles()[0])

    def button(self, name: str) -> QPushButton:
        def found():
            return [b for b in self.window.findChildren(QPushButton, name) if b.isVisible()]

        self.qtbot.waitUntil(lambda: bool(found()), timeout=WAIT_MS)
        return found()[0]

    def wait_printed(self) -> None:
        self.qtbot.waitUntil(
            lambda: self.state.ticket is not None and self.state.ticket.print_state is not PrintState.PRINTING,
            timeout=WAIT_MS,
        )

    def hub_tickets(self):
        return list(self.hub.hub.engine.state.tickets.values())


@pytest.fixture
def ui(hub, qtbot):
    add_services(hub)
    with UI.started(hub, qtbot) as u:
        yield u


def choose_passport(ui: UI) -> None:
    ui.tap(ui.button("getTicket"))
    ui.wait_screen(Screen.CATALOGUE)
    ui.tap_tile("Okmányok")
    ui.tap_tile("Útlevél")
    ui.wait_screen(Screen.REVIEW)


def test_tap_a_service_and_get_a_printed_ticket(ui):
    assert ui.window.office.text() == "Ügyfélszolgálat"
    choose_passport(ui)
    review = ui.current()
    assert "Hozza magával: régi útlevél, fénykép nem kell." in [lab.text() for lab in review.findChildren(type(review.title))]
    ui.tap(ui.button("confirm"))
    ui.wait_screen(Screen.TICKET)
    ui.wait_printed()
    screen = ui.current()
    t = ui.state.ticket
    assert screen.number.text() == t.number == "U001"
    assert screen.qr.data == t.status_url and screen.qr.isVisible()
    assert screen.banner.text() == "Kérjük, vegye el a sorszámot lent."
    (job,) = [decode(j) for j in ui.app.device.printer.jobs]
    assert "U001" in job.lines and "Útlevél" in job.lines
    assert job.of("codepage") == ["cp852"]
    assert "Ön előtt nincs senki: hamarosan szólítjuk." in job.joined
    assert job.of("qr_data") == [t.status_url]
    assert job.kinds()[-1] == "cut"
    ui.tap(ui.button("done"))
    ui.wait_screen(Screen.START)


def test_language_switch_any_time_and_several_services_with_priority(ui):
    ui.tap(ui.button("lang_en"))
    assert ui.button("getTicket").text() == "Get a ticket"
    ui.tap(ui.button("getTicket"))
    ui.wait_screen(Screen.CATALOGUE)
    ui.tap_tile("Okmányok")  # group names are the office's own words
    ui.tap_tile("Identity card")
    ui.tap(ui.button("addAnother"))
    ui.tap_tile("Adó")
    ui.tap_tile("Taxes")
    ui.wait_screen(Screen.REVIEW)
    ui.tap(ui.button("lang_hu"))  # switch mid-flow: the selection stays
    assert [s.name for s in ui.state.selected] == ["Személyi igazolvány", "Adóügyek"]
    ui.tap(ui.button("priority"))
    assert ui.state.priority
    ui.tap(ui.button("confirm"))
    ui.wait_screen(Screen.TICKET)
    ui.wait_printed()
    (job,) = [decode(j) for j in ui.app.device.printer.jobs]
    assert "Elsőbbségi ügyfél" in job.lines
    assert "Személyi igazolvány" in job.lines and "Adóügyek" in job.lines
    (t,) = ui.hub_tickets()
    assert t.services == ["idcard", "tax"] and t.priority


def test_double_tap_on_print_issues_one_ticket(ui):
    choose_passport(ui)
    confirm = ui.button("confirm")
    ui.qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    ui.qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)  # the finger bounced
    ui.wait_screen(Screen.TICKET)
    ui.wait_printed()
    assert len(ui.hub_tickets()) == 1
    assert len(ui.app.device.printer.jobs) == 1


def test_appointment_by_keypad_and_by_keyboard_wedge_scanner(ui):
    now = ui.hub.hub.engine.clock()
    ui.hub.admin.call("admin.appointment_book", {"code": "K7Q2M9", "service": "tax", "at": later_today(now, 900)})
    ui.tap(ui.button("checkIn"))
    ui.wait_screen(Screen.CHECK_IN)
    keys = {b.text(): b for b in ui.current().key_buttons}
    for ch in "K7Q2M9":
        ui.tap(keys[ch])
    assert ui.current().code.text() == "K7Q2M9"
    ui.tap(ui.button("submitCode"))
    ui.wait_screen(Screen.TICKET)
    ui.wait_printed()
    assert ui.state.ticket.appointment == "K7Q2M9"
    assert "Időpontfoglalás: K7Q2M9" in decode(ui.app.device.printer.jobs[0]).lines
    ui.tap(ui.button("done"))
    ui.wait_screen(Screen.START)

    # the scanner types the booking QR's URL and Enter, on the start screen
    keys_filter = InputFilter(ui.ctl.touch, ui.ctl.scanned)
    QApplication.instance().installEventFilter(keys_filter)
    try:
        ui.qtbot.keyClicks(ui.window, "https://hub/booking/k7q2m9")
        ui.qtbot.keyClick(ui.window, Qt.Key.Key_Return)
    finally:
        QApplication.instance().removeEventFilter(keys_filter)
    ui.wait_screen(Screen.TICKET)
    assert ui.state.ticket.number == "T001"  # the same ticket: checking in twice issues nothing new
    assert len(ui.hub_tickets()) == 1


def test_unknown_code_is_explained(ui):
    ui.tap(ui.button("checkIn"))
    for ch in "ZZZ1":
        ui.tap([b for b in ui.current().key_buttons if b.text() == ch][0])
    ui.tap(ui.button("submitCode"))
    ui.qtbot.waitUntil(lambda: ui.state.problem is not None, timeout=WAIT_MS)
    ui.wait_screen(Screen.CHECK_IN)
    assert ui.current().banner.isVisible()
    assert "nem találunk foglalást" in ui.current().banner.text()


def test_network_printer_out_of_paper_then_reprint(hub, qtbot):
    add_services(hub)
    peer = NetworkPrinterPeer()
    peer.state = "paper_out"
    device = open_device(PrinterSection(type="network", host=peer.host, port=peer.port, timeout_s=1))
    ui = UI(hub, qtbot, device=device)
    try:
        ui.wait_screen(Screen.START)
        ui.wait_catalogue()
        qtbot.waitUntil(lambda: ui.state.printer == "paper_out", timeout=WAIT_MS)
        assert ui.current().banner.isVisible()  # the start screen warns: the ticket will be on screen
        choose_passport(ui)
        ui.tap(ui.button("confirm"))
        ui.wait_screen(Screen.TICKET)
        ui.wait_printed()
        screen = ui.current()
        assert ui.state.ticket.print_state is PrintState.FAILED
        assert screen.banner.text().startswith("Kifogyott a papír a nyomtatóból.")
        assert screen.qr.isVisible() and screen.qr.data == ui.state.ticket.status_url
        qtbot.waitUntil(lambda: any(a["code"] == "printer.paper_out" for a in hub.hub.alerts.snapshot()["alerts"]),
                        timeout=WAIT_MS)
        qtbot.waitUntil(lambda: (hub.hub.bus.presence.get("kiosk-ui", {}).get("printer") or {}).get("state")
                        == "paper_out", timeout=WAIT_MS)
        assert b"U001" not in peer.received

        peer.state = "ok"
        ui.tap(ui.button("reprint"))
        ui.wait_printed()
        assert ui.state.ticket.print_state is PrintState.PRINTED
        assert peer.received.count(ui.state.ticket.status_url.encode()) == 1  # one job, one QR
        assert len(ui.hub_tickets()) == 1
        qtbot.waitUntil(lambda: not hub.hub.alerts.snapshot()["alerts"], timeout=WAIT_MS)
    finally:
        ui.close()
        peer.close()


def test_serial_printer_on_a_pty(hub, qtbot):
    add_services(hub)
    peer = PtyPrinterPeer()
    device = open_device(PrinterSection(type="serial", serial_port=peer.port, timeout_s=0.3))
    ui = UI(hub, qtbot, device=device)
    try:
        ui.wait_screen(Screen.START)
        ui.wait_catalogue()
        choose_passport(ui)
        ui.tap(ui.button("confirm"))
        ui.wait_screen(Screen.TICKET)
        ui.wait_printed()
        assert ui.state.ticket.print_state is PrintState.PRINTED
        assert peer.contains("Útlevél".encode("cp852"))
        peer.state = "cover_open"
        ui.app.printer.poll_now()
        qtbot.waitUntil(lambda: ui.state.printer == PrinterState.COVER_OPEN.value, timeout=WAIT_MS)
    finally:
        ui.close()
        peer.close()


def test_hub_away_shows_out_of_service_and_comes_back_by_itself(ui):
    ui.hub.stop()
    ui.wait_screen(Screen.OUT_OF_SERVICE)
    assert ui.current().title.text() == "Átmenetileg nem működik"
    ui.hub.start()
    ui.wait_screen(Screen.START, timeout=20_000)


def test_closed_office(ui):
    tz = ZoneInfo(ui.hub.hub.engine.state.settings.tz)
    today = datetime.fromtimestamp(ui.hub.hub.engine.clock(), tz).date().isoformat()
    ui.hub.admin.set_office(holidays=[today], message={"hu": "Ma ünnepnap van.", "en": "Holiday today."})
    ui.wait_screen(Screen.CLOSED)
    assert ui.current().title.text() == "Az ügyfélszolgálat zárva van"
    assert ui.current().message.text() == "Ma ünnepnap van."
    ui.tap(ui.button("lang_en"))
    ui.qtbot.waitUntil(lambda: ui.current().message.text() == "Holiday today.", timeout=WAIT_MS)
    ui.hub.admin.set_office(holidays=[])
    ui.wait_screen(Screen.START)


def test_inactivity_warning_then_start(hub, qtbot):
    add_services(hub)
    clock = FakeClock()
    ui = UI(hub, qtbot, clock=clock)
    try:
        ui.wait_screen(Screen.START)
        ui.wait_catalogue()
        ui.tap(ui.button("getTicket"))
        ui.wait_screen(Screen.CATALOGUE)
        clock.advance(36)
        qtbot.waitUntil(lambda: ui.window.overlay.isVisible(), timeout=WAIT_MS)
        assert ui.window.overlay.title.text() == "Itt van még?"
        ui.tap(ui.button("keepAlive"))
        qtbot.waitUntil(lambda: not ui.window.overlay.isVisible(), timeout=WAIT_MS)
        assert ui.state.screen is Screen.CATALOGUE
        clock.advance(45)
        ui.wait_screen(Screen.START)
        assert not ui.window.overlay.isVisible()
    finally:
        ui.close()


def test_queue_figures_update_in_place_under_the_finger(ui):
    ui.tap(ui.button("getTicket"))
    ui.tap_tile("Okmányok")
    ui.qtbot.waitUntil(lambda: len(ui.current().findChildren(Tile)) == 2, timeout=WAIT_MS)
    tile = next(t for t in ui.current().findChildren(Tile) if t.title.text() == "Útlevél")
    assert tile.foot.text() == "Nincs várakozó"
    other = ui.hub.client("kiosk-2", "kiosk")  # another kiosk issues a passport ticket
    other.call("ticket.issue", {"services": ["passport"]})
    ui.qtbot.waitUntil(lambda: tile.foot.text().startswith("1 várakozó"), timeout=WAIT_MS)
    assert tile in ui.current().findChildren(Tile)  # the same widget: a press on it is not lost
    ui.tap(tile)
    ui.wait_screen(Screen.REVIEW)
