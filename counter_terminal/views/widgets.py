"""Small building blocks: touch buttons, the PIN keypad, cards."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from counter_terminal.views import theme


def touch_button(text: str, kind: str = "secondary", on_click: Callable[[], None] | None = None,
                 *, object_name: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setStyleSheet(theme.button_style(kind))
    b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    if object_name:
        b.setObjectName(object_name)
    if on_click is not None:
        b.clicked.connect(lambda _checked=False: on_click())
    return b


def card() -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 10)
    layout.setSpacing(4)
    return frame, layout


def label(text: str = "", *, name: str = "", wrap: bool = False, size: int | None = None,
          bold: bool = False) -> QLabel:
    lab = QLabel(text)
    if name:
        lab.setObjectName(name)
    lab.setWordWrap(wrap)
    style = []
    if size:
        style.append(f"font-size: {size}px;")
    if bold:
        style.append("font-weight: bold;")
    if style:
        lab.setStyleSheet(" ".join(style))
    return lab




class Keypad(QWidget):
    """Numeric keypad for the PIN: digits, backspace, OK."""

    digit = pyqtSignal(str)
    backspace = pyqtSignal()
    ok = pyqtSignal()

    def __init__(self, ok_text: str) -> None:
        super().__init__()
        grid = QGridLayout(self)
        grid.setSpacing(6)
        grid.setContentsMargins(0, 0, 0, 0)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK"]
        self.buttons: dict[str, QPushButton] = {}
        for i, key in enumerate(keys):
            if key == "OK":
                b = touch_button(ok_text, "next", self.ok.emit)
            elif key == "⌫":
                b = touch_button(key, "secondary", self.backspace.emit)
            else:
                b = touch_button(key, "secondary", lambda k=key: self.digit.emit(k))
            b.setMinimumHeight(theme.MIN_TOUCH_PX)
            self.buttons[key] = b
            grid.addWidget(b, i // 3, i % 3)


def row(*widgets: QWidget, spacing: int = 8) -> QHBoxLayout:
    layout = QHBoxLayout()
    layout.setSpacing(spacing)
    for w in widgets:
        layout.addWidget(w)
    return layout
