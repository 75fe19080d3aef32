"""The setup menu on screen (PyQt6): PIN pad, then one page per topic.

Thin views over :class:`sorra.setup.controller.SetupController`: every edit,
test and pairing goes through it; slow work (pairing, test print, sound) runs
on a worker thread and comes back through ``sorra.qt.main_thread_invoker()``.

Opened from a device app with :func:`sorra.setup.gesture.install_setup_gesture`
(five taps in the top-left corner, or Ctrl+Alt+S), or with ``sorra setup menu``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sorra import config as cfgmod
from sorra.config import DeviceConfig
from sorra.i18n import package_translator
from sorra.setup.controller import Page, SetupController
from sorra.setup.pages import GpioPage, HubPage, ResetPage, SettingsPage, TextPage
from sorra.setup.widgets import Runner, make_button, mm, say, stylesheet

__all__ = ["PinPage", "SetupWindow", "mm", "open_setup", "run_window"]

# ---- PIN --------------------------------------------------------------------------------------------


class PinPage(QWidget):
    unlocked = pyqtSignal()
    closed = pyqtSignal()

    def __init__(self, ctl: SetupController, _: Callable[[str], str]) -> None:
        super().__init__()
        self.ctl, self._ = ctl, _
        layout = QVBoxLayout(self)
        title = QLabel(_("Technician setup"))
        title.setObjectName("title")
        layout.addWidget(title, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(QLabel(_("Enter the setup PIN")), alignment=Qt.AlignmentFlag.AlignHCenter)
        self.entry = QLineEdit()
        self.entry.setEchoMode(QLineEdit.EchoMode.Password)
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.entry.returnPressed.connect(self.submit)
        layout.addWidget(self.entry)
        grid = QGridLayout()
        self.keys: dict[str, QPushButton] = {}
        for i, key in enumerate(["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]):
            b = make_button(key, "key")
            b.clicked.connect(lambda _c=False, k=key: self._key(k))
            grid.addWidget(b, i // 3, i % 3)
            self.keys[key] = b
        layout.addLayout(grid)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = make_button(_("Close"))
        close.clicked.connect(self.closed.emit)
        layout.addWidget(close)

    def _key(self, key: str) -> None:
        if key == "OK":
            self.submit()
        elif key == "⌫":
            self.entry.setText(self.entry.text()[:-1])
        else:
            self.entry.setText(self.entry.text() + key)

    def submit(self) -> None:
        result = self.ctl.enter_pin(self.entry.text())
        self.entry.clear()
        if result.ok:
            say(self.message, "", None)
            self.unlocked.emit()
        elif self.ctl.lockout_left():
            say(self.message, self._("Too many wrong PINs. Try again in %d s.") % self.ctl.lockout_left(), False)
        else:
            say(self.message, self._("Wrong PIN."), False)


# ---- the window --------------------------------------------------------------------------------------------


class SetupWindow(QWidget):
    """PIN first, then the pages for this device's role. ``config_changed`` after every save."""

    config_changed = pyqtSignal(object)
    closed = pyqtSignal()

    def __init__(self, ctl: SetupController, lang: str | None = None,
                 invoke: Callable[[Callable[[], None]], None] | None = None) -> None:
        super().__init__()
        from sorra.qt import main_thread_invoker

        self.ctl = ctl
        translator = package_translator(__file__, "sorra", lang or ctl.config.device.lang)
        self._ = translator.gettext
        self.runner = Runner(invoke or main_thread_invoker())
        self.setWindowTitle(self._("Sorra technician setup"))
        self.setStyleSheet(stylesheet())
        self.stack = QStackedWidget()
        outer = QVBoxLayout(self)
        outer.addWidget(self.stack)
        self.pin_page = PinPage(ctl, self._)
        self.pin_page.unlocked.connect(self.show_menu)
        self.pin_page.closed.connect(self.close)
        self.stack.addWidget(self.pin_page)
        self.menu: QWidget | None = None
        self.pages: dict[str, QWidget] = {}
        self._built_role = ""
        ctl.listeners.append(lambda cfg: self.runner.invoke(lambda: self._changed(cfg)))
        if ctl.unlocked:
            self.show_menu()

    def _changed(self, cfg: DeviceConfig) -> None:
        self.config_changed.emit(cfg)
        if self.menu is not None and cfg.device.role != self._built_role:
            self._rebuild()  # another role has other pages

    def _rebuild(self) -> None:
        old = self.menu
        for page in self.pages.values():
            if isinstance(page, GpioPage):
                page.stop_test()
        self.pages.clear()
        self.menu = None
        self.show_menu()
        if old is not None:
            self.stack.removeWidget(old)
            old.deleteLater()

    def show_menu(self) -> None:
        if self.menu is None:
            self._built_role = self.ctl.role
            self.menu = self._build_menu()
            self.stack.addWidget(self.menu)
        self.stack.setCurrentWidget(self.menu)

    def _build_menu(self) -> QWidget:
        _ = self._
        menu = QWidget()
        row = QHBoxLayout(menu)
        self.nav = QListWidget()
        self.nav.setMaximumWidth(mm(70))
        self.nav.setWordWrap(True)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content = QStackedWidget()
        for page in self.ctl.pages():
            widget = self._page(page)
            self.pages[page.id] = widget
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(widget)
            self.content.addWidget(scroll)
            self.nav.addItem(_(page.title))
        self.nav.currentRowChanged.connect(self.content.setCurrentIndex)
        self.nav.setCurrentRow(0)
        left = QVBoxLayout()
        left.addWidget(self.nav)
        close = make_button(_("Close"))
        close.clicked.connect(self.close)
        left.addWidget(close)
        row.addLayout(left)
        row.addWidget(self.content, 1)
        return menu

    def _page(self, page: Page) -> QWidget:
        _, ctl, runner = self._, self.ctl, self.runner
        if page.id == "hub":
            return HubPage(ctl, page, _, runner)
        if page.id == "gpio":
            return GpioPage(ctl, page, _, runner)
        if page.id == "network":
            return TextPage(_(page.title), lambda: "\n".join(f"{k}: {v}" for k, v in ctl.network()), _)
        if page.id == "logs":
            return TextPage(_(page.title), lambda: "\n".join(ctl.logs(200)), _)
        if page.id == "reset":
            return ResetPage(ctl, page, _, runner)
        w = SettingsPage(ctl, page, _, runner)
        if page.id == "printer":
            w.add_test(_("Test print"), ctl.test_printer)
        elif page.id == "serial_display":
            w.add_test(_("Test the LED display"), ctl.test_serial)
        elif page.id == "audio":
            w.add_test(_("Play a test call"), ctl.test_audio)
        return w

    def select(self, page_id: str) -> QWidget:
        ids = [p.id for p in self.ctl.pages()]
        self.nav.setCurrentRow(ids.index(page_id))
        return self.pages[page_id]

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        gpio = self.pages.get("gpio")
        if isinstance(gpio, GpioPage):
            gpio.stop_test()
        hub = self.pages.get("hub")
        if isinstance(hub, HubPage):
            hub.cancel_pairing()
        self.ctl.lock()
        self.closed.emit()
        super().closeEvent(event)


def open_setup(config_path: str | Path, *, parent: QWidget | None = None, fullscreen: bool = False,
               lang: str | None = None, **controller_args: Any) -> SetupWindow:
    """Show the setup window (PIN first) for the device file ``config_path``."""
    window = SetupWindow(SetupController(config_path, **controller_args), lang)
    if parent is not None:
        window.setParent(parent, Qt.WindowType.Window)
    window.setWindowModality(Qt.WindowModality.ApplicationModal)
    if fullscreen:
        window.showFullScreen()
    else:
        window.resize(1024, 600)
        window.show()
    return window


def run_window(config_path: str | Path) -> int:
    """``sorra setup menu``: the window on its own."""
    app = QApplication.instance() or QApplication([])
    cfg: DeviceConfig = cfgmod.load(config_path)
    window = open_setup(config_path, fullscreen=cfg.kiosk.fullscreen if cfg.device.role == "kiosk" else False)
    window.closed.connect(app.quit)
    return int(app.exec())
