"""The setup menu's pages: a schema-driven settings form plus each page's actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from sorra import config as cfgmod
from sorra.setup.controller import Page, SetupController
from sorra.setup.hardware import GpioTest, Result
from sorra.setup.widgets import Runner, make_button, mm, restyle, say

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
        self.save_button = make_button(_("Save"))
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
        say(self.message, result)
        if result.ok:
            self.reload()
            self.saved.emit(self.ctl.config)


class SettingsPage(QWidget):
    """A form plus optional action buttons (tests) with one result line."""

    def __init__(self, ctl: SetupController, page: Page, _: Callable[[str], str], runner: Runner) -> None:
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
        button = make_button(text)

        def start() -> None:
            button.setEnabled(False)
            say(self.result, self._("Testing…"))

            def done(result: Result) -> None:
                button.setEnabled(True)
                say(self.result, result)

            self.runner.run(fn, done)

        button.clicked.connect(start)
        self.actions.addWidget(button)
        return button


# ---- hub and pairing ---------------------------------------------------------------------------------


class HubPage(SettingsPage):
    def __init__(self, ctl: SetupController, page: Page, _: Callable[[str], str], runner: Runner) -> None:
        super().__init__(ctl, page, _, runner)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.extra.addWidget(self.summary)
        self.code = QLabel("")
        self.code.setObjectName("code")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.extra.addWidget(self.code)
        self.pair_button = make_button(_("Pair now"))
        self.pair_button.clicked.connect(self.start_pairing)
        self.cancel_button = make_button(_("Cancel pairing"))
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
        say(self.result, self._("Looking for the hub…"))
        self.job = self.ctl.start_pairing(
            lambda code: invoke(lambda: self.code.setText(code)),
            lambda text: invoke(lambda: say(self.result, text)),
            lambda result: invoke(lambda: self._finished(result)))

    def _finished(self, result: Result) -> None:
        self.job = None
        self.code.setText("")
        self.cancel_button.setEnabled(False)
        say(self.result, result)
        self.form.reload()
        self.refresh()

    def cancel_pairing(self) -> None:
        if self.job is not None:
            self.job.stop.set()


# ---- GPIO live test ------------------------------------------------------------------------------------


class GpioPage(SettingsPage):
    def __init__(self, ctl: SetupController, page: Page, _: Callable[[str], str], runner: Runner) -> None:
        super().__init__(ctl, page, _, runner)
        self.test: GpioTest | None = None
        self.lights: dict[str, QLabel] = {}
        self.toggles: dict[str, QPushButton] = {}
        self.start_button = make_button(_("Start live test"))
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
            say(self.result, test)
            return
        self.test = test
        self.start_button.setText(self._("Stop live test"))
        say(self.result, self._("Press each button; tap an LED to switch it."))
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
            b = make_button(f"{name.replace('led_', 'LED ').replace('_', ' ')}\nGPIO{pin}", "board")
            b.setCheckable(True)
            b.toggled.connect(lambda on, n=name: self.test and self.test.set_output(n, on))
            self.board.addWidget(b, row // 3, row % 3)
            self.toggles[name] = b
            row += 1

    def _light(self, name: str, pressed: bool) -> None:
        lamp = self.lights.get(name)
        if lamp is not None:
            lamp.setProperty("lit", "true" if pressed else "false")
            restyle(lamp)

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
        refresh = make_button(_("Refresh"))
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

    def __init__(self, ctl: SetupController, page: Page, _: Callable[[str], str], runner: Runner) -> None:
        super().__init__(ctl, page, _, runner)
        self.unpair_button = self._confirming(_("Unpair from the hub"), lambda: ctl.unpair())
        self.reset_button = self._confirming(_("Factory reset"), lambda: ctl.factory_reset())

    def _confirming(self, text: str, action: Callable[[], Result]) -> QPushButton:
        button = make_button(text, "danger")
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
                say(self.result, result)
                self.form.reload()
                self.changed.emit()

            self.runner.run(action, done)

        button.clicked.connect(press)
        self.actions.addWidget(button)
        return button
