"""The technician's setup menu on a running kiosk: it opens, takes typing, and a saved change restarts the app."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtTest import QTest
from PyQt6.QtWidgets import QApplication

from kiosk.app import KioskLauncher
from kiosk.model import Screen
from sorra import config as cfgmod
from sorra.config import parse


def test_setup_menu_on_the_kiosk_takes_typing_and_a_saved_change_restarts_the_kiosk(qtbot, hub, tmp_path):
    hub.admin.add_service("A", names={"hu": "Okmány", "en": "Documents"}, prefix="A")
    s = hub.device_settings("kiosk-1", "kiosk")
    path = tmp_path / "kiosk.toml"
    cfgmod.save(parse({"device": {"id": "kiosk-1", "role": "kiosk", "site": hub.site},
                       "hub": {"host": s.host, "mqtt_port": s.port, "username": s.username, "password": s.password},
                       "kiosk": {"fullscreen": False}, "printer": {"type": "dummy"}}), path)
    restarts: list[bool] = []
    launcher = KioskLauncher(cfgmod.load(path), path, windowed=True, interfaces=None,
                             on_restart=lambda: restarts.append(True))
    launcher.start()  # credentials and an address set by hand: straight to the kiosk, no start-up screen
    try:
        assert launcher.app is not None and not launcher.startup.isVisible()
        qtbot.waitUntil(lambda: launcher.app.controller.state.screen is Screen.START, timeout=10000)
        window = launcher.window
        QTest.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        setup = launcher.gestures[-1].opened["window"]
        assert setup is not None
        setup.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is setup)
        # the kiosk's scanner filter leaves the technician's keyboard alone
        QTest.keyClicks(setup.pin_page.entry, "0000")
        QTest.keyClick(setup.pin_page.entry, Qt.Key.Key_Return)
        assert setup.ctl.unlocked
        assert setup.ctl.apply({"device.name": "Entrance"}).ok
        qtbot.waitUntil(lambda: setup.menu is not None)
        QApplication.processEvents()  # config_changed arrives through the GUI thread's queue
        assert not restarts  # not while the technician is still in the menu
        setup.close()
        qtbot.waitUntil(lambda: restarts == [True], timeout=5000)
        assert cfgmod.load(path).device.name == "Entrance"
    finally:
        launcher.stop()
