"""The on-screen setup menu with pytest-qt: PIN, editing, live GPIO test, pairing, gesture."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QLabel, QLineEdit, QWidget

from sorra import config as cfgmod
from sorra.setup.controller import SetupController
from sorra.setup.gesture import SetupGesture, install_setup_gesture
from sorra.setup.views import SetupWindow
from tests.discovery.helpers import LOOP, hub_announced, new_site


def window(qtbot, tmp_path, role: str = "counter", **values) -> SetupWindow:
    """The window as an app opens it: worker-thread results come back on the GUI thread."""
    path = tmp_path / "device.toml"
    cfgmod.save(cfgmod.set_values(cfgmod.DeviceConfig(), {"device.role": role, **values}), path)
    w = SetupWindow(SetupController(path, interfaces=LOOP, pin_factory=MockFactory()), lang="en")
    qtbot.addWidget(w)
    w.resize(1024, 600)
    w.show()
    return w


def press_pin(qtbot, w: SetupWindow, pin: str) -> None:
    for digit in pin:
        qtbot.mouseClick(w.pin_page.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(w.pin_page.keys["OK"], Qt.MouseButton.LeftButton)


def test_the_menu_opens_only_with_the_pin(qtbot, tmp_path):
    w = window(qtbot, tmp_path)
    assert w.stack.currentWidget() is w.pin_page
    press_pin(qtbot, w, "1234")
    assert w.pin_page.message.text() == "Wrong PIN." and w.stack.currentWidget() is w.pin_page
    press_pin(qtbot, w, "0000")
    assert w.stack.currentWidget() is w.menu
    assert [w.nav.item(i).text() for i in range(w.nav.count())][:3] == ["Device", "Hub and pairing",
                                                                       "Buttons and LEDs"]


def test_editing_saves_valid_values_and_explains_wrong_ones(qtbot, tmp_path):
    w = window(qtbot, tmp_path)
    press_pin(qtbot, w, "0000")
    page = w.select("device")
    name = page.form.editors["device.name"]
    assert isinstance(name, QLineEdit)
    name.setText("Ablak 2")
    page.form.editors["counter.number"].setValue(2)
    qtbot.mouseClick(page.form.save_button, Qt.MouseButton.LeftButton)
    saved = cfgmod.load(w.ctl.path)
    assert saved.device.name == "Ablak 2" and saved.counter.number == 2
    assert "Saved" in page.form.message.text()

    gpio = w.select("gpio")
    gpio.form.editors["gpio.next"].setText("forty")
    qtbot.mouseClick(gpio.form.save_button, Qt.MouseButton.LeftButton)
    assert "gpio.next" in gpio.form.message.text() and gpio.form.message.property("state") == "error"
    assert cfgmod.load(w.ctl.path).gpio.next == 17


def test_changing_the_role_rebuilds_the_pages(qtbot, tmp_path):
    w = window(qtbot, tmp_path, role="counter")
    press_pin(qtbot, w, "0000")
    page = w.select("device")
    page.form.editors["device.role"].setCurrentText("kiosk")
    qtbot.mouseClick(page.form.save_button, Qt.MouseButton.LeftButton)
    assert "printer" in w.pages and "gpio" not in w.pages


def test_live_gpio_test_lights_up_on_a_press(qtbot, tmp_path):
    w = window(qtbot, tmp_path, **{"gpio.pin_factory": "mock"})
    press_pin(qtbot, w, "0000")
    page = w.select("gpio")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert set(page.lights) >= {"next", "recall"} and "led_ready" in page.toggles
    factory = w.ctl.pin_factory
    factory.pin(27).drive_low()
    qtbot.waitUntil(lambda: page.lights["recall"].property("lit") == "true", timeout=3000)
    factory.pin(27).drive_high()
    qtbot.waitUntil(lambda: page.lights["recall"].property("lit") == "false", timeout=3000)
    qtbot.mouseClick(page.toggles["led_serving"], Qt.MouseButton.LeftButton)
    assert factory.pin(6).state
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)  # stop: pins released
    assert not page.lights and page.test is None


def test_a_test_reports_its_result_on_the_page(qtbot, tmp_path):
    w = window(qtbot, tmp_path, role="kiosk", **{"printer.type": "dummy"})
    press_pin(qtbot, w, "0000")
    page = w.select("printer")
    button = next(page.actions.itemAt(i).widget() for i in range(page.actions.count()))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.result.property("state") == "ok", timeout=10000)
    assert "test ticket sent" in page.result.text()


def test_pairing_from_the_screen(qtbot, tmp_path, hub_factory):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    w = window(qtbot, tmp_path, role="display", **{"device.site": site})
    press_pin(qtbot, w, "0000")
    page = w.select("hub")
    assert "Paired: no" in page.summary.text()
    qtbot.mouseClick(page.pair_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.code.text()), timeout=15000)
    code = page.code.text()
    assert [p["code"] for p in h.hub.pairing.pending()["pending"]] == [code]
    h.hub.pairing.approve(code)
    qtbot.waitUntil(lambda: "Paired: yes" in page.summary.text(), timeout=15000)
    assert page.code.text() == "" and page.result.property("state") == "ok"
    assert cfgmod.load(w.ctl.path).hub.fingerprint == h.hub.pairing.identity.fingerprint
    assert not page.pair_button.isEnabled()


def test_unpair_asks_for_a_second_press(qtbot, tmp_path):
    w = window(qtbot, tmp_path)
    press_pin(qtbot, w, "0000")
    page = w.select("reset")
    qtbot.mouseClick(page.unpair_button, Qt.MouseButton.LeftButton)
    assert page.unpair_button.text() == "Press again to confirm" and page.result.text() == ""
    qtbot.mouseClick(page.unpair_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not paired" in page.result.text(), timeout=5000)


@pytest.fixture
def app_window(qtbot):
    main = QWidget()
    main.resize(800, 480)
    QLabel("a device app", main)
    qtbot.addWidget(main)
    main.show()
    return main


def test_five_taps_in_the_corner_open_the_menu(qtbot, app_window, tmp_path):
    now = [0.0]
    gesture = SetupGesture(app_window, corner_px=60, clock=lambda: now[0])
    opened = []
    gesture.triggered.connect(lambda: opened.append(True))
    for _ in range(4):
        qtbot.mouseClick(app_window, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        now[0] += 0.3
    qtbot.mouseClick(app_window, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))  # a customer's tap resets
    for _ in range(4):
        qtbot.mouseClick(app_window, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
        now[0] += 2.0  # too slow: taps older than 3 s do not count
    assert not opened
    for _ in range(5):
        qtbot.mouseClick(app_window, Qt.MouseButton.LeftButton, pos=QPoint(5, 50))
        now[0] += 0.2
    assert opened == [True]


def test_ctrl_alt_s_opens_the_setup_window_with_the_pin_first(qtbot, app_window, tmp_path):
    path = tmp_path / "device.toml"
    cfgmod.save(cfgmod.DeviceConfig(), path)
    gesture = install_setup_gesture(app_window, path, fullscreen=False)
    qtbot.keyClick(app_window, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    setup = gesture.opened["window"]
    assert isinstance(setup, SetupWindow)
    qtbot.addWidget(setup)
    assert setup.stack.currentWidget() is setup.pin_page
    setup.close()
    assert gesture.opened["window"] is None
