"""Over the whole display while it pairs, or when it refuses a hub: for the technician.

A display that is already paired shows its cached content while it looks for
the hub (the header's offline mark says it is not connected); this overlay
appears only while there is a pairing code to show, before the first code of
a new display, and when the hub that answers is not the one it paired with.
:class:`display.app.DisplayApp` drives it through ``invoke`` (GUI thread).
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from display.views import theme
from display.views.i18n import translator

CENTER = Qt.AlignmentFlag.AlignCenter


def approve_command(code: str) -> str:
    return f"sorra hub device approve {code.replace(' ', '')}"


class StartupOverlay(QWidget):
    def __init__(self, parent: QWidget, lang: str = "hu") -> None:
        super().__init__(parent)
        self.t = translator(lang)
        self.code = ""
        self.phase = "hidden"
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setObjectName("startup")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.labels: dict[str, QLabel] = {}
        for name in ("title", "lead", "code", "instruction", "command", "banner", "detail", "hint"):
            lab = QLabel("", self)
            lab.setObjectName(name)
            lab.setAlignment(CENTER)
            lab.setWordWrap(name != "code")
            lab.setTextFormat(Qt.TextFormat.PlainText)
            self.labels[name] = lab
            layout.addWidget(lab)
            if name == "detail":
                layout.addStretch(1)
        parent.installEventFilter(self)
        self._fit()
        self.hide()

    # ---- what the start-up reports (GUI thread) ----------------------------------------------

    def show_searching(self) -> None:
        self._render("searching", "")

    def show_code(self, code: str) -> None:
        self.code = code
        self._render("code", "")

    def show_status(self, text: str) -> None:
        self.labels["detail"].setText(text)

    def show_connecting(self) -> None:
        if self.phase != "refused":  # a refused hub stays on screen while the next try runs
            self.done()  # a paired display shows its content while it connects

    def show_refused(self, text: str) -> None:
        self._render("refused", text)

    def show_problem(self, text: str) -> None:
        if self.phase != "hidden":  # a new display says why it cannot pair; a paired one keeps its content
            self._render("problem", text)

    def done(self) -> None:
        self.phase = "hidden"
        self.hide()

    # ---- rendering ----------------------------------------------------------------------------

    def _render(self, phase: str, detail: str) -> None:
        g = self.t.gettext
        self.phase = phase
        pairing = phase == "code"
        lab = self.labels
        lab["title"].setText(g("Pairing") if pairing or phase == "searching" else
                             g("Hub refused") if phase == "refused" else g("Starting"))
        lab["lead"].setText({
            "searching": g("Looking for the hub…"),
            "code": g("Pairing code"),
            "refused": g("Refused: this is not the hub this display was paired with."),
            "problem": g("The display cannot start yet."),
        }[phase])
        lab["code"].setText(self.code)
        lab["code"].setVisible(pairing)
        lab["instruction"].setText(g("Approve it on the hub:") if pairing else
                                   g("If the hub was replaced on purpose, unpair this device in the setup menu "
                                     "and pair it again."))
        lab["instruction"].setVisible(pairing or phase == "refused")
        lab["command"].setText(approve_command(self.code))
        lab["command"].setVisible(pairing)
        lab["banner"].setText(detail)
        lab["banner"].setVisible(bool(detail))
        if not pairing:
            lab["detail"].setText("")
        lab["hint"].setText(g("Setup menu: press Ctrl+Alt+S, or tap the top-left corner five times."))
        self._fit()
        self.show()
        self.raise_()

    def _fit(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        self.setGeometry(0, 0, parent.width(), parent.height())
        h = max(240, min(parent.height(), parent.width()))
        text = max(14, h // 24)
        m = max(8, h // 40)
        code_px = min(h // 5, int((parent.width() - 10 * m) / 4.6))  # "123 456" in DejaVu Sans Mono fits
        self.layout().setContentsMargins(m * 4, m, m * 4, m)
        self.layout().setSpacing(m)
        bg, fg, muted, accent = (c.name() for c in (theme.BACKGROUND, theme.TEXT, theme.MUTED, theme.ACCENT))
        self.setStyleSheet(f"""
QWidget#startup {{ background: {bg}; }}
QLabel {{ color: {fg}; font-family: "{theme.FAMILY}"; font-size: {text}px; background: transparent; }}
QLabel#title {{ font-size: {round(text * 1.6)}px; font-weight: bold; }}
QLabel#code {{ color: {accent}; font-family: "DejaVu Sans Mono"; font-size: {code_px}px; font-weight: bold; }}
QLabel#command {{ font-family: "DejaVu Sans Mono"; font-weight: bold; border: 2px solid {muted};
    border-radius: {m}px; padding: {m}px; }}
QLabel#banner {{ background: #a4001d; color: #ffffff; font-weight: bold; border-radius: {m}px; padding: {m}px; }}
QLabel#detail, QLabel#hint {{ color: {muted}; font-size: {round(text * 0.8)}px; }}
""")

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:  # noqa: N802 - Qt's name
        if obj is self.parentWidget() and event is not None and event.type() == QEvent.Type.Resize:
            self._fit()
        return False

    def texts(self) -> list[str]:
        """Everything the overlay shows now (tests)."""
        return [lab.text() for lab in self.labels.values() if lab.isVisibleTo(self) and lab.text()]
