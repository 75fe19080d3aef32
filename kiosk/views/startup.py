"""The kiosk's start-up screen, for the technician: the shared :class:`sorra.qt.startup.StartupPanel`
in the kiosk's look (a card under the header, sized for its screen).

It is shown instead of the kiosk until the device is paired and its hub has
proved its key (the runner, :mod:`sorra.qt.runner`, drives it on the GUI
thread). Citizens never see it on a working kiosk.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kiosk.views import theme
from kiosk.views.texts import Texts
from kiosk.views.widgets import label, page
from sorra.qt.startup import RoleWords, StartupPanel, approve_command

__all__ = ["StartupScreen", "approve_command", "words"]

CENTER = Qt.AlignmentFlag.AlignCenter
_STYLE = {"title": "title", "lead": "body", "code": "pairingCode", "instruction": "body", "command": "command",
          "banner": "banner_error", "detail": "muted", "hint": "muted"}


def words(lang: str) -> RoleWords:
    tx = Texts(lang)
    return RoleWords(refused=tx("Refused: this is not the hub this kiosk was paired with."),
                     cannot_start=tx("The kiosk cannot start yet."))


def _label(name: str) -> QLabel:
    lab = label("", _STYLE[name], wrap=name != "code", align=CENTER)
    if name == "command":
        lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


class StartupScreen(StartupPanel):
    """Full screen: the header, a card with the title, the code, what to do and the latest detail."""

    def __init__(self, metrics: theme.Metrics, lang: str = "hu") -> None:
        self.m = metrics
        super().__init__(lang, words(lang), make_label=_label, arrange=self._arrange)

    def _arrange(self, panel: QWidget, labels: dict[str, QLabel]) -> None:
        metrics, g, f = self.m, self.m.gap, self.m.font
        root = page(panel, metrics, f"""
QLabel#pairingCode {{ font-family: "DejaVu Sans Mono"; font-size: {round(f * 4.2)}px; font-weight: bold;
    color: {theme.INK}; }}
QLabel#command {{ font-family: "DejaVu Sans Mono"; font-size: {round(f * 1.05)}px; font-weight: bold;
    background: {theme.BG}; border: 3px solid {theme.BORDER}; border-radius: 10px; padding: 8px 16px; }}
""")
        header = QWidget()
        header.setObjectName("header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        hbox = QHBoxLayout(header)
        hbox.setContentsMargins(g * 2, g, g * 2, g)
        hbox.addWidget(label("Sorra", "officeName", wrap=False))
        root.addWidget(header)
        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(round(metrics.width * (0.9 if metrics.portrait else 0.75)))
        box = QVBoxLayout(card)
        box.setContentsMargins(g * 3, g * 3, g * 3, g * 3)
        box.setSpacing(g * 2)
        for name in ("title", "lead", "code", "instruction", "command", "banner", "detail"):
            box.addWidget(labels[name])
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 8)
        row.addStretch(1)
        root.addStretch(1)
        root.addLayout(row)
        root.addStretch(1)
        labels["hint"].setContentsMargins(g * 2, 0, g * 2, g)
        root.addWidget(labels["hint"])
