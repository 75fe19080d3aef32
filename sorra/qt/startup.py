"""The start-up screen of every device app, for the technician: the pairing code, the search for the hub,
a refused hub.

One widget for every role, :class:`StartupPanel`. It is a
:class:`sorra.startup.StartupView`: the runner (:mod:`sorra.qt.runner`) drives
it on the GUI thread while :func:`sorra.startup.locate_hub` pairs and looks for
the hub. What differs between roles is passed in, not copied:

* ``words`` (:class:`RoleWords`): the sentences that name the device ("this
  kiosk …"), translated by the role's own catalogue;
* ``make_label`` and ``arrange``: the role's look (its label styles) and where
  the parts go (a card on the kiosk, a window on the counter, the whole TV on
  the display);
* ``overlay``: the panel covers the role's own window (the display) instead of
  being a window: it appears only for a code or a refused hub and gets out of
  the way while a paired device connects.

The shared sentences are in ``sorra/qt/locale/<lang>/LC_MESSAGES/startup.po``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from sorra.i18n import Translator, translator

PARTS = ("title", "lead", "code", "instruction", "command", "banner", "detail", "hint")
"""The panel's labels, top to bottom (``hint`` is the setup-menu line, often placed apart)."""

PHASES = ("hidden", "searching", "connecting", "code", "refused", "problem")

LOCALEDIR = str(Path(__file__).resolve().parent / "locale")

SETUP_HINT = "Setup menu: tap the top-left corner five times, or press Ctrl+Alt+S."


def texts(lang: str) -> Translator:
    """The shared start-up sentences in ``lang``."""
    return translator("startup", lang, LOCALEDIR)


@dataclass(frozen=True)
class RoleWords:
    """The sentences that name the device, already in the screen's language (the role's own catalogue)."""

    refused: str
    """E.g. "Refused: this is not the hub this kiosk was paired with."."""
    cannot_start: str
    """E.g. "The kiosk cannot start yet."."""
    hint: str | None = None
    """The setup-menu line, when the role words it its own way (None: the shared one)."""


def approve_command(code: str, counter: int | None = None) -> str:
    """What the technician types on the hub for ``code`` ("123 456").

    ``counter``: a counter terminal's number; 0 (not known yet) adds ``--counter N``
    for the technician to fill in. None for other roles.
    """
    suffix = " --counter N" if counter == 0 else ""
    return f"sorra hub device approve {code.replace(' ', '')}{suffix}"


def startup_lines(phase: str, code: str, detail: str, words: RoleWords, lang: str, *,
                  counter: int | None = None, overlay: bool = False) -> dict[str, str | None]:
    """What each part shows in ``phase`` (None: hidden); ``detail``: the banner's text. Pure (tests)."""
    g = texts(lang).gettext
    pairing = phase == "code"
    if pairing or (overlay and phase == "searching"):  # an overlay searches only before a new device's code
        title = g("Pairing")
    elif phase == "refused":
        title = g("Hub refused")
    else:
        title = g("Starting")
    lead = {
        "searching": g("Looking for the hub…"),
        "connecting": g("Connecting to the hub…"),
        "code": g("Pairing code"),
        "refused": words.refused,
        "problem": words.cannot_start,
    }[phase]
    instruction = (g("Approve it on the hub:") if pairing else
                   g("If the hub was replaced on purpose, unpair this device in the setup menu and pair it again."))
    return {
        "title": title,
        "lead": lead,
        "code": code if pairing else None,
        "instruction": instruction if pairing or phase == "refused" else None,
        "command": approve_command(code, counter) if pairing else None,
        "banner": detail or None,
        "hint": words.hint or g(SETUP_HINT),
    }


def plain_label(name: str) -> QLabel:
    """A centred plain-text label named after its part (style it with ``QLabel#code`` …)."""
    lab = QLabel("")
    lab.setObjectName(name)
    lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lab.setWordWrap(name != "code")
    lab.setTextFormat(Qt.TextFormat.PlainText)
    return lab


def stack(panel: QWidget, labels: dict[str, QLabel]) -> None:
    """The default arrangement: every part in one centred column."""
    layout = QVBoxLayout(panel)
    layout.addStretch(1)
    for name in PARTS:
        layout.addWidget(labels[name])
        if name == "detail":
            layout.addStretch(1)


class StartupPanel(QWidget):
    """The start-up screen (a :class:`sorra.startup.StartupView`; call it on the GUI thread).

    ``phase`` is one of :data:`PHASES`, ``code`` the last pairing code shown,
    ``labels`` the parts by name (:data:`PARTS`).
    """

    def __init__(self, lang: str, words: RoleWords, *, counter: int | None = None, overlay: bool = False,
                 make_label: Callable[[str], QLabel] = plain_label,
                 arrange: Callable[[QWidget, dict[str, QLabel]], None] = stack,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang, self.words, self.counter, self.overlay = lang, words, counter, overlay
        self.code = ""
        self.phase = "hidden"
        self.labels: dict[str, QLabel] = {name: make_label(name) for name in PARTS}
        arrange(self, self.labels)
        if overlay:
            self.hide()
        else:
            self.show_searching()

    # ---- what the start-up reports (GUI thread) -------------------------------------------

    def show_searching(self) -> None:
        self._render("searching", "")

    def show_connecting(self) -> None:
        if self.phase == "refused":  # a refused hub stays on screen while the next try runs
            return
        if self.overlay:
            self.done()  # a paired device shows its own content while it connects
        else:
            self._render("connecting", "")

    def show_code(self, code: str) -> None:
        self.code = code
        self._render("code", "")

    def show_status(self, text: str) -> None:
        self.labels["detail"].setText(text)

    def show_refused(self, text: str) -> None:
        self._render("refused", text)

    def show_problem(self, text: str) -> None:
        if self.overlay and self.phase == "hidden":
            return  # a paired device keeps its content; a new one says why it cannot pair
        self._render("problem", text)

    def done(self) -> None:
        """The hub is found: an overlay gets out of the way (a window is replaced by the runner)."""
        self.phase = "hidden"
        if self.overlay:
            self.hide()

    # ---- rendering ---------------------------------------------------------------------------

    def _render(self, phase: str, detail: str) -> None:
        self.phase = phase
        lines = startup_lines(phase, self.code, detail, self.words, self.lang, counter=self.counter,
                              overlay=self.overlay)
        for name, text in lines.items():
            self.labels[name].setText(text or "")
            self.labels[name].setVisible(text is not None)
        if phase != "code":
            self.labels["detail"].setText("")
        if self.overlay:
            self.show()
            self.raise_()

    def texts(self) -> list[str]:
        """Everything the panel shows now, but the setup-menu hint (tests)."""
        return [lab.text() for name, lab in self.labels.items()
                if name != "hint" and lab.isVisibleTo(self) and lab.text()]
