"""The kiosk window: a header with the office name and the language switch, the current screen,
and the inactivity warning on top.

``KioskWindow.render(state)`` is all the controller calls; touches go back as
method calls on ``actions`` (the controller). :class:`InputFilter` turns any
touch into ``touch()`` and a keyboard-wedge scanner's keystrokes into
``scanned(code)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.model import Screen, ViewState
from kiosk.views import screens, theme
from kiosk.views.booking import BookingScreen
from kiosk.views.follow import FollowScreen
from kiosk.views.texts import Texts
from kiosk.views.widgets import button, label, page, tile_style

SCREEN_CLASSES: dict[Screen, type[screens.ScreenWidget]] = {
    Screen.START: screens.StartScreen,
    Screen.CATALOGUE: screens.CatalogueScreen,
    Screen.REVIEW: screens.ReviewScreen,
    Screen.CHECK_IN: screens.CheckInScreen,
    Screen.ISSUING: screens.IssuingScreen,
    Screen.TICKET: screens.TicketScreen,
    Screen.ERROR: screens.ErrorScreen,
    Screen.CLOSED: screens.ClosedScreen,
    Screen.OUT_OF_SERVICE: screens.OutOfServiceScreen,
    Screen.FOLLOW: FollowScreen,
    Screen.BOOKING: BookingScreen,
}


class IdleOverlay(QWidget):
    """"Are you still there?" over the whole window, with a big button to stay."""

    def __init__(self, parent: QWidget, m: theme.Metrics, act: Callable[..., None]) -> None:
        super().__init__(parent)
        self.setObjectName("overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(round(m.width * (0.86 if m.portrait else 0.6)))
        box = QVBoxLayout(card)
        box.setContentsMargins(m.gap * 3, m.gap * 3, m.gap * 3, m.gap * 3)
        box.setSpacing(m.gap * 2)
        self.title = label("", "title", align=Qt.AlignmentFlag.AlignCenter)
        self.body = label("", "body", align=Qt.AlignmentFlag.AlignCenter)
        self.stay = button("", "primary", lambda: act("keep_alive"), name="keepAlive")
        self.stay.setMinimumHeight(round(m.touch * 1.3))
        box.addWidget(self.title)
        box.addWidget(self.body)
        box.addWidget(self.stay)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.hide()

    def render(self, seconds: int | None, tx: Texts) -> None:
        if seconds is None:
            self.hide()
            return
        self.title.setText(tx("Are you still there?"))
        self.body.setText(tx.plural("Going back to the start in {n} second.", "Going back to the start in {n} seconds.", seconds))
        self.stay.setText(tx("I need more time"))
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()


class KioskWindow(QWidget):
    def __init__(self, metrics: theme.Metrics, actions: Any | None = None) -> None:
        super().__init__()
        self.m = metrics
        self.actions = actions
        root = page(self, metrics, tile_style(metrics))

        header = QWidget()
        header.setObjectName("header")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        hbox = QHBoxLayout(header)
        g = metrics.gap
        hbox.setContentsMargins(g * 2, max(6, g // 2), g * 2, max(6, g // 2))
        self.office = label("", "officeName", wrap=True)
        hbox.addWidget(self.office, 1)
        self.lang_buttons = {}
        for code, name in (("hu", "Magyar"), ("en", "English")):
            b = button(name, "lang", lambda c=code: self.act("set_lang", c), name=f"lang_{code}")
            b.setCheckable(True)
            b.setMinimumWidth(round(metrics.touch * 2.2))
            self.lang_buttons[code] = b
            hbox.addWidget(b)
        root.addWidget(header)

        self.stack = QStackedWidget()
        self.screens: dict[Screen, screens.ScreenWidget] = {}
        for screen, cls in SCREEN_CLASSES.items():
            w = cls(metrics, self.act)
            self.screens[screen] = w
            self.stack.addWidget(w)
        root.addWidget(self.stack, 1)
        self.overlay = IdleOverlay(self, metrics, self.act)
        self.state: ViewState | None = None

    def act(self, name: str, *args: Any) -> None:
        if self.actions is not None:
            getattr(self.actions, name)(*args)

    def render(self, state: ViewState) -> None:
        tx = Texts(state.lang)
        self.state = state
        self.office.setText(state.office_name or "Sorra")
        for code, b in self.lang_buttons.items():
            b.setChecked(code == state.lang)
        screen = self.screens[state.screen]
        screen.render(state, tx)
        self.stack.setCurrentWidget(screen)
        self.overlay.render(state.idle_warning_s, tx)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.overlay.isVisible():
            self.overlay.setGeometry(self.rect())


class InputFilter(QObject):
    """Application-wide: any touch keeps the session alive; typed keys + Enter are a scan.

    A kiosk has no keyboard, so keystrokes come from a keyboard-wedge barcode
    scanner: characters arrive within milliseconds of each other and end with
    Enter. A pause longer than ``gap_s`` starts a new code.
    """

    def __init__(self, on_touch: Callable[[], None], on_scan: Callable[[str], None], gap_s: float = 0.5,
                 scope: QWidget | None = None) -> None:
        """``scope``: the kiosk window; keys typed while another window is active (the technician's
        setup menu) are left alone."""
        super().__init__()
        self._on_touch = on_touch
        self._on_scan = on_scan
        self._gap_s = gap_s
        self._scope = scope
        self._buffer = ""
        self._last = 0.0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            self._on_touch()
        elif kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            active = QApplication.activeWindow() if self._scope is not None else None
            if active is not None and active is not self._scope:
                return False
            if event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                                    | Qt.KeyboardModifier.MetaModifier):
                return False  # a shortcut (Ctrl+Alt+S: the setup menu), not a scanner's character
            return self._key(event)
        return False

    def _key(self, event: QKeyEvent) -> bool:
        now = time.monotonic()
        if now - self._last > self._gap_s:
            self._buffer = ""
        self._last = now
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            code, self._buffer = self._buffer, ""
            if code:
                self._on_scan(code)
            return True
        text = event.text()
        if text and text.isprintable():
            self._buffer += text
            return True
        return False
