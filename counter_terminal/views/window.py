"""The clerk screen (800×480): a top bar and one page at a time."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from counter_terminal.texts import Texts
from counter_terminal.viewmodel import ViewModel
from counter_terminal.views import theme
from counter_terminal.views.desk_pages import BacklogPage, FinishPage, NoShowPage
from counter_terminal.views.main_page import MainPage
from counter_terminal.views.pages import (
    BackgroundPage,
    LoginPage,
    PausePage,
    ProfilePage,
    TransferPage,
)
from counter_terminal.views.widgets import label

WIDTH, HEIGHT = 800, 480


class ClerkWindow(QWidget):
    """Renders :class:`ViewModel` snapshots; touches call ``actions`` (the controller)."""

    def __init__(self, actions, lang: str = "hu") -> None:
        super().__init__()
        self.setWindowTitle("Sorra")
        self.setFixedSize(WIDTH, HEIGHT)
        self.setStyleSheet(theme.STYLE)
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.actions = actions
        self.t = Texts(lang)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        bar = QWidget()
        bar.setFixedHeight(48)
        bar.setStyleSheet(f"background: {theme.CARD};")
        bl = QHBoxLayout(bar)
        bl.setContentsMargins(12, 4, 12, 4)
        self.where = label(size=20, bold=True)
        self.state = label(size=17)
        self.conn = label(size=16, bold=True)
        self.clock = label(size=20, bold=True)
        bl.addWidget(self.where, 1)
        bl.addWidget(self.state)
        bl.addSpacing(12)
        bl.addWidget(self.conn)
        bl.addSpacing(12)
        bl.addWidget(self.clock)
        layout.addWidget(bar)

        self.stack = QStackedWidget()
        self.pages = {
            "login": LoginPage(actions, self.t),
            "main": MainPage(actions, self.t),
            "transfer": TransferPage(actions, self.t),
            "pause": PausePage(actions, self.t),
            "background": BackgroundPage(actions, self.t),
            "profile": ProfilePage(actions, self.t),
            "no_shows": NoShowPage(actions, self.t),
            "finish": FinishPage(actions, self.t),
            "backlog": BacklogPage(actions, self.t),
        }
        for page in self.pages.values():
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)

    def render(self, vm: ViewModel) -> None:
        if vm.lang != self.t.lang:
            self.t.__init__(vm.lang)  # pages share this object: switch language in place
        t = self.t
        counter = vm.counter_name or (t("Counter {n}").format(n=vm.counter) if vm.counter else "")
        who = f" · {vm.clerk_name}" if vm.clerk_name else ""
        self.where.setText(counter + who)
        state = t.state(vm.state)
        if vm.alerts:
            state = f"⚠ {len(vm.alerts)}  ·  {state}"
        self.state.setText(state)
        bg, fg = theme.ONLINE if vm.online else theme.OFFLINE
        self.conn.setText(t("Online") if vm.online else t("OFFLINE"))
        self.conn.setStyleSheet(f"background: {bg}; color: {fg}; border-radius: 6px; "
                                "padding: 3px 10px; font-size: 16px; font-weight: bold;")
        self.clock.setText(t.clock(vm.now))
        page = self.pages[vm.page]
        page.render(vm)
        self.stack.setCurrentWidget(page)
