"""The clerk screen before the terminal works: the shared :class:`sorra.qt.startup.StartupPanel`
in the counter terminal's look (800 × 480, a card and the setup hint below it).

For the technician; the runner (:mod:`sorra.qt.runner`) drives it on the GUI
thread while the LED display shows the same code. A terminal that knows its
counter says so in the approve command; one that does not asks for ``--counter N``.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from counter_terminal.texts import Texts
from counter_terminal.views import theme
from counter_terminal.views.widgets import card, label
from sorra.qt.startup import RoleWords, StartupPanel, approve_command

__all__ = ["StartupWindow", "approve_command", "words"]

WIDTH, HEIGHT = 800, 480
CENTER = Qt.AlignmentFlag.AlignCenter


def words(lang: str) -> RoleWords:
    t = Texts(lang)
    return RoleWords(refused=t("Refused: this is not the hub this terminal was paired with."),
                     cannot_start=t("The terminal cannot start yet."))


def _label(name: str) -> QLabel:
    if name == "title":
        return label(name="title", wrap=True)
    if name == "code":
        lab = label(size=76, bold=True)
        lab.setStyleSheet(f"color: {theme.ACCENT}; font-size: 76px; font-weight: bold; "
                          f'font-family: "DejaVu Sans Mono";')
    elif name == "command":
        lab = label(wrap=True, bold=True)
        lab.setStyleSheet('font-family: "DejaVu Sans Mono"; font-size: 20px; font-weight: bold;')
    elif name == "banner":
        lab = label(wrap=True, size=15)
        bg, fg = theme.LEVEL_COLOURS["error"]
        lab.setStyleSheet(f"background: {bg}; color: {fg}; border-radius: 6px; padding: 6px; "
                          "font-size: 15px; font-weight: bold;")
    else:
        size = {"lead": 20, "instruction": 18, "detail": 15, "hint": 14}[name]
        lab = label(name="muted" if name in ("detail", "hint") else "", wrap=True, size=size)
    lab.setAlignment(CENTER)
    return lab


def _arrange(panel: QWidget, labels: dict[str, QLabel]) -> None:
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(24, 16, 24, 12)
    frame, box = card()
    box.setContentsMargins(20, 14, 20, 14)
    box.setSpacing(8)
    for name in ("title", "lead", "code", "instruction", "command", "banner", "detail"):
        labels[name].setAlignment(CENTER)
        box.addWidget(labels[name])
    outer.addWidget(frame, 1)
    outer.addWidget(labels["hint"])


class StartupWindow(StartupPanel):
    def __init__(self, lang: str = "hu", counter: int = 0) -> None:
        super().__init__(lang, words(lang), counter=counter, make_label=_label, arrange=_arrange)
        self.setWindowTitle("Sorra")
        self.setFixedSize(WIDTH, HEIGHT)
        self.setStyleSheet(theme.STYLE)
