"""Clerk screen pages: outcome codes when finishing, taking a no-show back, the background backlog."""

from __future__ import annotations

from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton

from counter_terminal.texts import Texts
from counter_terminal.viewmodel import BacklogView, OutcomeView, TicketView, ViewModel
from counter_terminal.views import theme
from counter_terminal.views.pages import _Page
from counter_terminal.views.widgets import label, touch_button
from sorra.qt import clear_layout

MAX_OUTCOMES = 8
MAX_NO_SHOWS = 8
MAX_BACKLOG = 6


class FinishPage(_Page):
    """Done with one or more outcome codes (or none: the service's default is recorded)."""

    def __init__(self, actions, texts: Texts) -> None:
        super().__init__(actions, texts)
        self.title = label(name="title", wrap=True)
        self.outer.addWidget(self.title)
        self.hint = label(name="muted", wrap=True)
        self.outer.addWidget(self.hint)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self.outer.addLayout(self.grid, 1)
        self.message = label(wrap=True)
        self.outer.addWidget(self.message)
        bottom = QHBoxLayout()
        self.go = touch_button("", "done", lambda: self.actions.finish(sorted(self.picked)))
        self.cancel = touch_button("", "secondary", lambda: self.actions.show_page("main"))
        for b in (self.go, self.cancel):
            b.setMinimumHeight(theme.MIN_TOUCH_PX)
            bottom.addWidget(b)
        self.outer.addLayout(bottom)
        self.picked: set[str] = set()
        self._outcomes: tuple[OutcomeView, ...] | None = None
        self._ticket: str | None = None
        self._buttons: dict[str, QPushButton] = {}

    def _toggle(self, code: str) -> None:
        self.picked ^= {code}
        for c, b in self._buttons.items():
            b.setChecked(c in self.picked)

    def render(self, vm: ViewModel) -> None:
        t = self.t
        current = vm.ticket.id if vm.ticket else None
        if current != self._ticket:  # a new customer starts with nothing picked
            self._ticket = current
            self.picked = set()
        self.title.setText(t("Finish {number}: what was the outcome?").format(
            number=vm.ticket.number if vm.ticket else ""))
        self.hint.setText(t("Pick one or more. With none, the service's usual outcome is recorded."))
        self.go.setText(t.action("done"))
        self.cancel.setText(t("Cancel"))
        if vm.outcomes != self._outcomes:
            self._outcomes = vm.outcomes
            clear_layout(self.grid)
            self._buttons = {}
            for i, o in enumerate(vm.outcomes[:MAX_OUTCOMES]):
                b = touch_button(o.label, "secondary", lambda c=o.code: self._toggle(c))
                b.setCheckable(True)
                b.setChecked(o.code in self.picked)
                b.setMinimumHeight(theme.MIN_TOUCH_PX)
                self._buttons[o.code] = b
                self.grid.addWidget(b, i // 2, i % 2)
        for c, b in self._buttons.items():
            b.setChecked(c in self.picked)
        self.go.setEnabled(vm.pending is None and vm.ticket is not None)
        self.banner(vm, self.message)


class NoShowPage(_Page):
    """Today's no-shows still inside the return window: one tap puts one first in line again."""

    def __init__(self, actions, texts: Texts) -> None:
        super().__init__(actions, texts)
        self.title = label(name="title", wrap=True)
        self.outer.addWidget(self.title)
        self.hint = label(name="muted", wrap=True)
        self.outer.addWidget(self.hint)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self.outer.addLayout(self.grid, 1)
        self.empty = label(wrap=True, size=20)
        self.outer.addWidget(self.empty)
        self.message = label(wrap=True)
        self.outer.addWidget(self.message)
        self.cancel = touch_button("", "secondary", lambda: self.actions.show_page("main"))
        self.cancel.setMinimumHeight(theme.MIN_TOUCH_PX)
        self.outer.addWidget(self.cancel)
        self._shown: tuple[TicketView, ...] | None = None

    def render(self, vm: ViewModel) -> None:
        t = self.t
        self.title.setText(t("Customers who missed their call"))
        self.hint.setText(t("Tap the number on the customer's ticket: they are next in line for their service."))
        self.cancel.setText(t("Cancel"))
        self.empty.setText(t("No one missed a call recently."))
        self.empty.setVisible(not vm.no_shows)
        if vm.no_shows != self._shown:
            self._shown = vm.no_shows
            clear_layout(self.grid)
            for i, tv in enumerate(vm.no_shows[:MAX_NO_SHOWS]):
                text = f"{tv.number}\n{', '.join(tv.services)}"
                b = touch_button(text, "next", lambda tid=tv.id: self.actions.return_ticket(tid))
                b.setMinimumHeight(theme.MIN_TOUCH_PX + 20)
                self.grid.addWidget(b, i // 2, i % 2)
        for i in range(self.grid.count()):
            w = self.grid.itemAt(i).widget()
            if w is not None:
                w.setEnabled(vm.pending is None and vm.ticket is None)
        self.banner(vm, self.message)


class BacklogPage(_Page):
    """Background cases left to be done, oldest first: one tap starts the timer on one."""

    def __init__(self, actions, texts: Texts) -> None:
        super().__init__(actions, texts)
        self.title = label(name="title", wrap=True)
        self.outer.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self.outer.addLayout(self.grid, 1)
        self.message = label(wrap=True)
        self.outer.addWidget(self.message)
        bottom = QHBoxLayout()
        self.oldest = touch_button("", "next", lambda: self.actions.background_take(None))
        self.cancel = touch_button("", "secondary", lambda: self.actions.show_page("background"))
        for b in (self.oldest, self.cancel):
            b.setMinimumHeight(theme.MIN_TOUCH_PX)
            bottom.addWidget(b)
        self.outer.addLayout(bottom)
        self._key: tuple = ()

    def render(self, vm: ViewModel) -> None:
        t = self.t
        self.title.setText(t("Waiting in the backlog ({n})").format(n=len(vm.backlog)))
        self.oldest.setText(t("Take the oldest"))
        self.cancel.setText(t("Cancel"))
        shown: tuple[BacklogView, ...] = vm.backlog[:MAX_BACKLOG]
        key = (vm.lang, tuple((b.id, int((vm.now - b.recorded_at) // 60)) for b in shown))
        if key != self._key:
            self._key = key
            clear_layout(self.grid)
            for i, b in enumerate(shown):
                first = f"{t(b.kind)} · {b.note}" if b.note else t(b.kind)
                text = f"{first}\n" + t("waiting {d}").format(d=t.duration(vm.now - b.recorded_at))
                button = touch_button(text, "secondary", lambda case=b.id: self.actions.background_take(case))
                button.setMinimumHeight(theme.MIN_TOUCH_PX + 10)
                self.grid.addWidget(button, i // 2, i % 2)
        busy = vm.pending is not None or vm.ticket is not None or vm.background_kind is not None
        for i in range(self.grid.count()):
            w = self.grid.itemAt(i).widget()
            if w is not None:
                w.setEnabled(not busy)
        self.oldest.setEnabled(not busy and bool(vm.backlog))
        self.banner(vm, self.message)
