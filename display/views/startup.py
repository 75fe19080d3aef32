"""Over the whole display while it pairs, or when it refuses a hub: for the technician.

A display that is already paired shows its cached content while it looks for
the hub (the header's offline mark says it is not connected); this overlay
appears only while there is a pairing code to show, before the first code of
a new display, and when the hub that answers is not the one it paired with.
:class:`display.app.DisplayApp`'s runner drives it on the GUI thread.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import QWidget

from display.views import theme
from display.views.i18n import translator
from sorra.qt.startup import RoleWords, StartupPanel, approve_command

__all__ = ["StartupOverlay", "approve_command", "words"]


def words(lang: str) -> RoleWords:
    g = translator(lang).gettext
    return RoleWords(refused=g("Refused: this is not the hub this display was paired with."),
                     cannot_start=g("The display cannot start yet."),
                     hint=g("Setup menu: press Ctrl+Alt+S, or tap the top-left corner five times."))


class StartupOverlay(StartupPanel):
    """The shared start-up panel over the whole display window, sized to the screen it covers."""

    def __init__(self, parent: QWidget, lang: str = "hu") -> None:
        super().__init__(lang, words(lang), overlay=True, parent=parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setObjectName("startup")
        parent.installEventFilter(self)
        self._fit()

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
