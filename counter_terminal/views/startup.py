"""The clerk screen before the terminal works: the pairing code, the search for the hub, a refused hub.

For the technician; :func:`counter_terminal.app.find_hub` drives it (through
``invoke``, on the GUI thread) while the LED display shows the same code.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from counter_terminal.texts import Texts
from counter_terminal.views import theme
from counter_terminal.views.widgets import card, label

WIDTH, HEIGHT = 800, 480
CENTER = Qt.AlignmentFlag.AlignCenter


def approve_command(code: str, counter: int = 0) -> str:
    """What the technician types on the hub (a terminal that knows its counter says it itself)."""
    suffix = "" if counter else " --counter N"
    return f"sorra hub device approve {code.replace(' ', '')}{suffix}"


class StartupWindow(QWidget):
    def __init__(self, lang: str = "hu", counter: int = 0) -> None:
        super().__init__()
        self.setWindowTitle("Sorra")
        self.setFixedSize(WIDTH, HEIGHT)
        self.setStyleSheet(theme.STYLE)
        self.t = Texts(lang)
        self.counter = counter
        self.code = ""
        self.phase = "searching"
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 16, 24, 12)
        frame, box = card()
        box.setContentsMargins(20, 14, 20, 14)
        box.setSpacing(8)
        self.title = label(name="title", wrap=True)
        self.lead = label(wrap=True, size=20)
        self.code_label = label(size=76, bold=True)
        self.code_label.setStyleSheet(f"color: {theme.ACCENT}; font-size: 76px; font-weight: bold; "
                                      f'font-family: "DejaVu Sans Mono";')
        self.instruction = label(wrap=True, size=18)
        self.command = label(wrap=True, bold=True)
        self.command.setStyleSheet('font-family: "DejaVu Sans Mono"; font-size: 20px; font-weight: bold;')
        self.banner = label(wrap=True, size=15)
        bg, fg = theme.LEVEL_COLOURS["error"]
        self.banner.setStyleSheet(f"background: {bg}; color: {fg}; border-radius: 6px; padding: 6px; "
                                  "font-size: 15px; font-weight: bold;")
        self.detail = label(name="muted", wrap=True, size=15)
        for w in (self.title, self.lead, self.code_label, self.instruction, self.command, self.banner, self.detail):
            w.setAlignment(CENTER)
            box.addWidget(w)
        outer.addWidget(frame, 1)
        self.hint = label(name="muted", wrap=True, size=14)
        self.hint.setAlignment(CENTER)
        outer.addWidget(self.hint)
        self.show_searching()

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

    def _render(self, phase: str, detail: str) -> None:
        t = self.t
        self.phase = phase
        pairing = phase == "code"
        self.title.setText(t("Pairing") if pairing else t("Hub refused") if phase == "refused" else t("Starting"))
        self.lead.setText({
            "searching": t("Looking for the hub…"),
            "connecting": t("Connecting to the hub…"),
            "code": t("Pairing code"),
            "refused": t("Refused: this is not the hub this terminal was paired with."),
            "problem": t("The terminal cannot start yet."),
        }[phase])
        self.code_label.setText(self.code)
        self.code_label.setVisible(pairing)
        self.instruction.setText(t("Approve it on the hub:") if pairing else
                                 t("If the hub was replaced on purpose, unpair this device in the setup menu "
                                   "and pair it again."))
        self.instruction.setVisible(pairing or phase == "refused")
        self.command.setText(approve_command(self.code, self.counter))
        self.command.setVisible(pairing)
        self.banner.setText(detail)
        self.banner.setVisible(bool(detail))
        if phase != "code":
            self.detail.setText("")
        self.hint.setText(t("Setup menu: tap the top-left corner five times, or press Ctrl+Alt+S."))

    def texts(self) -> list[str]:
        """Everything the screen shows now (tests)."""
        return [w.text() for w in (self.title, self.lead, self.code_label, self.instruction, self.command,
                                   self.banner, self.detail) if w.isVisibleTo(self) and w.text()]
