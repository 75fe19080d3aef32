"""The setup menu on screen (PyQt6): PIN pad, then one page per topic.

Thin views over :class:`sorra.setup.controller.SetupController`: every edit,
test and pairing goes through it; slow work (pairing, test print, sound) runs
on a worker thread and comes back through ``sorra.qt.main_thread_invoker()``.

Opened from a device app with :func:`sorra.setup.gesture.install_setup_gesture`
(five taps in the top-left corner, or Ctrl+Alt+S), or with ``sorra setup menu``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sorra import config as cfgmod
from sorra.config import DeviceConfig
from sorra.i18n import package_translator
from sorra.setup.controller import Page, SetupController
from sorra.setup.hardware import GpioTest, Result

FONT = "DejaVu Sans"
INK, PAPER, ACCENT, GOOD, BAD = "#111111", "#ffffff", "#0b3d91", "#0a6b2d", "#a4000f"


def mm(millimetres: float) -> int:
    """Pixels for a physical size on the primary screen (touch targets are ≥ 15 mm)."""
    screen = QGuiApplication.primaryScreen()
    dpi = screen.physicalDotsPerInch() if screen is not None else 96.0
    dpi = dpi if 50 < dpi < 600 else 96.0
    return round(millimetres * dpi / 25.4)


def stylesheet() -> str:
    target = mm(15)
    return f"""
    QWidget {{ font-family: "{FONT}"; font-size: 18px; color: {INK}; background: {PAPER}; }}
    QPushButton {{ min-height: {target}px; min-width: {target}px; padding: 0 16px; border-radius: 6px;
                   background: {ACCENT}; color: #ffffff; font-weight: bold; }}
    QPushButton:disabled {{ background: #8a8a8a; color: #ffffff; }}
    QPushButton[kind="danger"] {{ background: {BAD}; }}
    QPushButton[kind="key"] {{ font-size: 28px; }}
    QListWidget {{ font-size: 20px; border: 1px solid #666666; }}
    QListWidget::item {{ min-height: {target}px; padding-left: 12px; }}
    QListWidget::item:selected {{ background: {ACCENT}; color: #ffffff; }}
    QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox {{ min-height: {mm(10)}px; border: 1px solid #444444;
                                                     padding: 0 8px; }}
    QCheckBox::indicator {{ width: {mm(9)}px; height: {mm(9)}px; }}
    QPushButton[kind="board"] {{ font-size: 16px; padding: 0 4px; }}
    QLabel#title {{ font-size: 26px; font-weight: bold; }}
    QLabel#code {{ font-family: "DejaVu Sans Mono"; font-size: 64px; font-weight: bold; color: {ACCENT}; }}
    QLabel[state="ok"] {{ color: {GOOD}; font-weight: bold; }}
    QLabel[state="error"] {{ color: {BAD}; font-weight: bold; }}
    QLabel[lit="true"] {{ background: {GOOD}; color: #ffffff; font-weight: bold; }}
    QLabel[lit="false"] {{ background: #e6e6e6; color: {INK}; }}
    """


def _restyle(widget: QWidget) -> None:
    style = widget.style()
    if style is not None:
        style.unpolish(widget)
        style.polish(widget)


def _say(label: QLabel, result: Result | str, ok: bool | None = None) -> None:
    if isinstance(result, Result):
        ok, text = result.ok, result.message
    else:
        text = result
    label.setText(text)
    label.setProperty("state", "" if ok is None else ("ok" if ok else "error"))
    _restyle(label)


def _button(text: str, kind: str = "") -> QPushButton:
    b = QPushButton(text)
    if kind:
        b.setProperty("kind", kind)
    return b


class _Runner:
    """Runs slow calls off the GUI thread and hands the result back on it."""

    def __init__(self, invoke: Callable[[Callable[[], None]], None]) -> None:
        self.invoke = invoke

    def run(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        def work() -> None:
            try:
                result = fn()
            except Exception as err:  # shown to the technician
                result = Result(False, str(err))
            self.invoke(lambda: done(result))

        threading.Thread(target=work, name="setup-task", daemon=True).start()


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
            b = _button(key, "key")
            b.clicked.connect(lambda _c=False, k=key: self._key(k))
            grid.addWidget(b, i // 3, i % 3)
            self.keys[key] = b
        layout.addLayout(grid)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = _button(_("Close"))
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
            _say(self.message, "", None)
            self.unlocked.emit()
        elif self.ctl.lockout_left():
            _say(self.message, self._("Too many wrong PINs. Try again in %d s.") % self.ctl.lockout_left(), False)
        else:
            _say(self.message, self._("Wrong PIN."), False)


# ---- generic settings form ---------------------------------------------------------------------------


class Form(QWidget):
    """One editor per config key, chosen from the schema; Save applies them all, validated."""

    saved = pyqtSignal(object)

    def __init__(self, ctl: SetupController, keys: list[str], _: Callable[[str], str]) -> None:
        super().__init__()
        self.ctl, self._ = ctl, _
        self.editors: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        for key in keys:
            editor = self._editor(key)
            editor.setToolTip(cfgmod.field_doc(key))
            self.editors[key] = editor
            layout.addRow(QLabel(key.split(".", 1)[1].replace("_", " ")), editor)
        self.save_button = _button(_("Save"))
        self.save_button.clicked.connect(self.save)
        layout.addRow(self.save_button)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addRow(self.message)
        self.reload()

    def _editor(self, key: str) -> QWidget:
        value = self.ctl.value(key)
        choices = cfgmod.choices(key)
        if choices:
            box = QComboBox()
            box.addItems([str(c) for c in choices])
            return box
        if isinstance(value, bool):
            return QCheckBox()
        annotation = self.ctl.config.__class__.model_fields[key.split(".")[0]].annotation
        field_type = annotation.model_fields[key.split(".")[1]].annotation  # type: ignore[union-attr]
        if field_type is float:
            spin = QDoubleSpinBox()
            spin.setRange(0, 10_000)
            spin.setDecimals(1)
            return spin
        if field_type is int:
            spin = QSpinBox()
            spin.setRange(0, 65535)
            return spin
        edit = QLineEdit()
        if cfgmod.is_secret(key):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText(self._("unchanged"))
        elif type(None) in (getattr(field_type, "__args__", ()) or ()):
            edit.setPlaceholderText(self._("none"))
        return edit

    def reload(self) -> None:
        for key, editor in self.editors.items():
            value = self.ctl.value(key)
            if isinstance(editor, QComboBox):
                editor.setCurrentText(str(value))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                editor.setValue(value)
            elif isinstance(editor, QLineEdit):
                editor.setText("" if cfgmod.is_secret(key) or value is None else cfgmod.shown(value))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                out[key] = editor.currentText()
            elif isinstance(editor, QCheckBox):
                out[key] = editor.isChecked()
            elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
                out[key] = editor.value()
            elif isinstance(editor, QLineEdit):
                if cfgmod.is_secret(key) and not editor.text():
                    continue  # left empty: unchanged
                out[key] = editor.text()
        return out

    def save(self) -> None:
        result = self.ctl.apply(self.values())
        _say(self.message, result)
        if result.ok:
            self.reload()
            self.saved.emit(self.ctl.config)


class SettingsPage(QWidget):
    """A form plus optional action buttons (tests) with one result line."""

    def __init__(self, ctl: SetupController, page: Page, _: Callable[[str], str], runner: _Runner) -> None:
        super().__init__()
        self.ctl, self._, self.runner = ctl, _, runner
        self.layout_ = QVBoxLayout(self)
        title = QLabel(_(page.title))
        title.setObjectName("title")
        self.layout_.addWidget(title)
        self.actions = QHBoxLayout()
        self.layout_.addLayout(self.actions)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.layout_.addWidget(self.result)
        self.extra = QVBoxLayout()
        """Page-specific widgets between the result line and the settings (live test board)."""
        self.layout_.addLayout(self.extra)
        self.form = Form(ctl, ctl.keys(page.id), _)
        self.layout_.addWidget(self.form)
        self.layout_.addStretch(1)

    def add_test(self, text: str, fn: Callable[[], Result]) -> QPushButton:
        button = _button(text)

        def start() -> None:
            button.setEnabled(False)
            _say(self.result, self._("Testing…"))

            def done(result: Result) -> None:
                button.setEnabled(True)
                _say(self.result, result)

            self.runner.run(fn, done)

        button.clicked.connect(start)
        self.actions.addWidget(button)
        return button


# ---- hub and pairing ---------------------------------------------------------------------------------


class HubPage(SettingsPage):
    def __init__(self, ctl: SetupController, page: Page, _: Callable[[str], str], runner: _Runner) -> None:
        super().__init__(ctl, page, _, runner)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.extra.addWidget(self.summary)
        self.code = QLabel("")
        self.code.setObjectName("code")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.extra.addWidget(self.code)
        self.pair_button = _button(_("Pair now"))
        self.pair_button.clicked.connect(self.start_pairing)
        self.cancel_button = _button(_("Cancel pairing"))
        self.cancel_button.clicked.connect(self.cancel_pairing)
        self.cancel_button.setEnabled(False)
        self.actions.addWidget(self.pair_button)
        self.actions.addWidget(self.cancel_button)
        self.add_test(_("Check the hub"), ctl.check_hub)
        self.job: Any = None
        self.refresh()

    def refresh(self) -> None:
        s = self.ctl.hub_summary()
        _ = self._
        lines = [f"{_('Paired')}: {_(s['paired'])}", f"{_('Site')}: {s['site']}", f"{_('Device')}: {s['device']}",
                 f"{_('Hub')}: {s['hub']}"]
        if s["key"]:
            lines.append(f"{_('Hub key')}: {s['key']}")
        self.summary.setText("\n".join(lines))
        self.pair_button.setEnabled(s["paired"] == "no" and self.job is None)

    def start_pairing(self) -> None:
        invoke = self.runner.invoke
        self.pair_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        _say(self.result, self._("Looking for the hub…"))
        self.job = self.ctl.start_pairing(
            lambda code: invoke(lambda: self.code.setText(code)),
            lambda text: invoke(lambda: _say(self.result, text)),
            lambda result: invoke(lambda: self._finished(result)))

    def _finished(self, result: Result) -> None:
        self.job = None
        self.code.setText("")
        self.cancel_button.setEnabled(False)
        _say(self.result, result)
        self.form.reload()
        self.refresh()

    def cancel_pairing(self) -> None:
        if self.job is not None:
            self.job.stop.set()


# ---- GPIO live test ------------------------------------------------------------------------------------


class GpioPage(SettingsPage):
    def __init__(self, ctl: SetupController, page: Page, _: Callable[[str], str], runner: _Runner) -> None:
        super().__init__(ctl, page, _, runner)
        self.test: GpioTest | None = None
        self.lights: dict[str, QLabel] = {}
        self.toggles: dict[str, QPushButton] = {}
        self.start_button = _button(_("Start live test"))
        self.start_button.clicked.connect(self.toggle_test)
        self.actions.addWidget(self.start_button)
        self.board = QGridLayout()
        self.extra.addLayout(self.board)

    def toggle_test(self) -> None:
        if self.test is not None:
            self.stop_test()
            return
        invoke = self.runner.invoke
        test = self.ctl.open_gpio_test(lambda name, pressed: invoke(lambda: self._light(name, pressed)))
        if isinstance(test, Result):
            _say(self.result, test)
            return
        self.test = test
        self.start_button.setText(self._("Stop live test"))
        _say(self.result, self._("Press each button; tap an LED to switch it."))
        row = 0
        for name, pin in test.inputs.items():
            lamp = QLabel(f"{name.replace('_', ' ')}\nGPIO{pin}")
            lamp.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lamp.setMinimumHeight(mm(12))
            lamp.setProperty("lit", "true" if test.state.get(name) else "false")
            self.board.addWidget(lamp, row // 3, row % 3)
            self.lights[name] = lamp
            row += 1
        for name, pin in test.outputs.items():
            b = _button(f"{name.replace('led_', 'LED ').replace('_', ' ')}\nGPIO{pin}", "board")
            b.setCheckable(True)
            b.toggled.connect(lambda on, n=name: self.test and self.test.set_output(n, on))
            self.board.addWidget(b, row // 3, row % 3)
            self.toggles[name] = b
            row += 1

    def _light(self, name: str, pressed: bool) -> None:
        lamp = self.lights.get(name)
        if lamp is not None:
            lamp.setProperty("lit", "true" if pressed else "false")
            _restyle(lamp)

    def stop_test(self) -> None:
        if self.test is not None:
            self.test.close()
            self.test = None
        for w in list(self.lights.values()) + list(self.toggles.values()):
            self.board.removeWidget(w)
            w.deleteLater()
        self.lights.clear()
        self.toggles.clear()
        self.start_button.setText(self._("Start live test"))


# ---- information and reset --------------------------------------------------------------------------------


class TextPage(QWidget):
    def __init__(self, title: str, fill: Callable[[], str], _: Callable[[str], str]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        label = QLabel(title)
        label.setObjectName("title")
        layout.addWidget(label)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setStyleSheet('font-family: "DejaVu Sans Mono"; font-size: 15px;')
        layout.addWidget(self.text)
        refresh = _button(_("Refresh"))
        refresh.clicked.connect(self.refresh)
        layout.addWidget(refresh)
        self._fill = fill
        self.refresh()

    def refresh(self) -> None:
        self.text.setPlainText(self._fill())
        bar = self.text.verticalScrollBar()
        if bar is not None:
            bar.setValue(bar.maximum())


class ResetPage(SettingsPage):
    """Unpair, factory reset (each asks for a second press), and the setup PIN."""

    changed = pyqtSignal()

    def __init__(self, ctl: SetupController, page: Page, _: Callable[[str], str], runner: _Runner) -> None:
        super().__init__(ctl, page, _, runner)
        self.unpair_button = self._confirming(_("Unpair from the hub"), lambda: ctl.unpair())
        self.reset_button = self._confirming(_("Factory reset"), lambda: ctl.factory_reset())

    def _confirming(self, text: str, action: Callable[[], Result]) -> QPushButton:
        button = _button(text, "danger")
        armed = {"on": False}

        def press() -> None:
            if not armed["on"]:
                armed["on"] = True
                button.setText(self._("Press again to confirm"))
                return
            armed["on"] = False
            button.setText(text)
            button.setEnabled(False)

            def done(result: Result) -> None:
                button.setEnabled(True)
                _say(self.result, result)
                self.form.reload()
                self.changed.emit()

            self.runner.run(action, done)

        button.clicked.connect(press)
        self.actions.addWidget(button)
        return button


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
        self.runner = _Runner(invoke or main_thread_invoker())
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
        close = _button(_("Close"))
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
