"""Shared look and small helpers of the setup menu's Qt views (no hardware, no bus)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QLabel, QPushButton, QWidget

from sorra.setup.hardware import Result

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


def restyle(widget: QWidget) -> None:
    style = widget.style()
    if style is not None:
        style.unpolish(widget)
        style.polish(widget)


def say(label: QLabel, result: Result | str, ok: bool | None = None) -> None:
    if isinstance(result, Result):
        ok, text = result.ok, result.message
    else:
        text = result
    label.setText(text)
    label.setProperty("state", "" if ok is None else ("ok" if ok else "error"))
    restyle(label)


def make_button(text: str, kind: str = "") -> QPushButton:
    b = QPushButton(text)
    if kind:
        b.setProperty("kind", kind)
    return b


class Runner:
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
