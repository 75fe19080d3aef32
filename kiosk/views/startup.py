"""The kiosk's start-up screen, for the technician: the pairing code, the search for the hub, a refused hub.

It is shown instead of the kiosk until the device is paired and its hub has
proved its key (:func:`kiosk.app.find_hub` drives it through the methods
below, on the GUI thread). Citizens never see it on a working kiosk.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.views import theme
from kiosk.views.texts import Texts
from kiosk.views.widgets import label

CENTER = Qt.AlignmentFlag.AlignCenter


def approve_command(code: str) -> str:
    """What the technician types on the hub for ``code`` ("123 456")."""
    return f"sorra hub device approve {code.replace(' ', '')}"


class StartupScreen(QWidget):
    """Full screen: a card with a title, the code (when there is one), what to do, and the latest detail."""

    def __init__(self, metrics: theme.Metrics, lang: str = "hu") -> None:
        super().__init__()
        self.m = metrics
        self.tx = Texts(lang)
        self.code = ""
        self.phase = "searching"
        self.setWindowTitle("Sorra")
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        f = metrics.font
        self.setStyleSheet(theme.stylesheet(metrics) + f"""
QLabel#pairingCode {{ font-family: "DejaVu Sans Mono"; font-size: {round(f * 4.2)}px; font-weight: bold;
    color: {theme.INK}; }}
QLabel#command {{ font-family: "DejaVu Sans Mono"; font-size: {round(f * 1.05)}px; font-weight: bold;
    background: {theme.BG}; border: 3px solid {theme.BORDER}; border-radius: 10px; padding: 8px 16px; }}
""")
        self.setFixedSize(metrics.width, metrics.height)
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        header = QWidget()
        header.setObjectName("header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        hbox = QHBoxLayout(header)
        g = metrics.gap
        hbox.setContentsMargins(g * 2, g, g * 2, g)
        hbox.addWidget(label("Sorra", "officeName", wrap=False))
        root.addWidget(header)

        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(round(metrics.width * (0.9 if metrics.portrait else 0.75)))
        box = QVBoxLayout(card)
        box.setContentsMargins(g * 3, g * 3, g * 3, g * 3)
        box.setSpacing(g * 2)
        self.title = label("", "title", align=CENTER)
        self.lead = label("", "body", align=CENTER)
        self.code_label = label("", "pairingCode", wrap=False, align=CENTER)
        self.instruction = label("", "body", align=CENTER)
        self.command = label("", "command", wrap=True, align=CENTER)
        self.command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = label("", "banner_error", align=CENTER)
        self.detail = label("", "muted", align=CENTER)
        for w in (self.title, self.lead, self.code_label, self.instruction, self.command, self.banner, self.detail):
            box.addWidget(w)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 8)
        row.addStretch(1)
        root.addStretch(1)
        root.addLayout(row)
        root.addStretch(1)
        self.hint = label("", "muted", align=CENTER)
        self.hint.setContentsMargins(g * 2, 0, g * 2, g)
        root.addWidget(self.hint)
        self.show_searching()

    # ---- what the start-up reports (GUI thread) ---------------------------------------

    def show_searching(self) -> None:
        self._render("searching", "")

    def show_connecting(self) -> None:
        if self.phase != "refused":  # a refused hub stays on screen while the next try runs
            self._render("connecting", "")

    def show_code(self, code: str) -> None:
        self.code = code
        self._render("code", "")

    def show_status(self, text: str) -> None:
        self.detail.setText(text)

    def show_refused(self, text: str) -> None:
        self._render("refused", text)

    def show_problem(self, text: str) -> None:
        self._render("problem", text)

    # ---- rendering ---------------------------------------------------------------------

    def _render(self, phase: str, detail: str) -> None:
        tx = self.tx
        self.phase = phase
        pairing = phase == "code"
        self.title.setText(tx("Pairing") if pairing else tx("Hub refused") if phase == "refused" else tx("Starting"))
        self.lead.setText({
            "searching": tx("Looking for the hub…"),
            "connecting": tx("Connecting to the hub…"),
            "code": tx("Pairing code"),
            "refused": tx("Refused: this is not the hub this kiosk was paired with."),
            "problem": tx("The kiosk cannot start yet."),
        }[phase])
        self.code_label.setText(self.code)
        self.code_label.setVisible(pairing)
        self.instruction.setText(tx("Approve it on the hub:") if pairing else
                                 tx("If the hub was replaced on purpose, unpair this device in the setup menu "
                                    "and pair it again."))
        self.instruction.setVisible(pairing or phase == "refused")
        self.command.setText(approve_command(self.code))
        self.command.setVisible(pairing)
        self.banner.setText(detail)
        self.banner.setVisible(bool(detail))
        if phase != "code":
            self.detail.setText("")
        self.hint.setText(tx("Setup menu: tap the top-left corner five times, or press Ctrl+Alt+S."))

    def texts(self) -> list[str]:
        """Everything the screen shows now (tests)."""
        return [w.text() for w in (self.title, self.lead, self.code_label, self.instruction, self.command,
                                   self.banner, self.detail) if w.isVisibleTo(self) and w.text()]
