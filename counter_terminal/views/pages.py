"""The clerk screen's other pages: login, transfer picker, pause, background work, priorities."""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from counter_terminal.profile import moved
from counter_terminal.texts import Texts
from counter_terminal.viewmodel import ProfileRow, ViewModel
from counter_terminal.views import theme
from counter_terminal.views.widgets import Keypad, card, label, touch_button
from sorra.qt import clear_layout


class _Page(QWidget):
    def __init__(self, actions, texts: Texts) -> None:
        super().__init__()
        self.actions = actions
        self.t = texts
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(10, 8, 10, 10)
        self.outer.setSpacing(8)

    def banner(self, vm: ViewModel, lab) -> None:
        if vm.notice is not None:
            bg, fg = theme.LEVEL_COLOURS[vm.notice.level]
            lab.setText(self.t.notice(vm.notice))
            lab.setStyleSheet(f"background: {bg}; color: {fg}; border-radius: 6px; padding: 6px;")
            lab.show()
        else:
            lab.hide()


class LoginPage(_Page):
    """Clerk id (a button per configured clerk, or typed) and PIN on a keypad."""

    def __init__(self, actions, texts: Texts) -> None:
        super().__init__(actions, texts)
        body = QHBoxLayout()
        body.setSpacing(12)
        left = QVBoxLayout()
        self.title = label(name="title")
        left.addWidget(self.title)
        self.clerk_label = label(name="muted")
        left.addWidget(self.clerk_label)
        self.clerk = QLineEdit()
        left.addWidget(self.clerk)
        self.clerk_grid = QGridLayout()
        self.clerk_grid.setSpacing(6)
        left.addLayout(self.clerk_grid)
        self.pin_label = label(name="muted")
        left.addWidget(self.pin_label)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.returnPressed.connect(self._submit)
        left.addWidget(self.pin)
        self.message = label(wrap=True)
        left.addWidget(self.message)
        left.addStretch(1)
        body.addLayout(left, 50)
        self.keypad = Keypad(texts.action("login"))
        self.keypad.digit.connect(lambda d: self.pin.setText(self.pin.text() + d))
        self.keypad.backspace.connect(lambda: self.pin.setText(self.pin.text()[:-1]))
        self.keypad.ok.connect(self._submit)
        body.addWidget(self.keypad, 50)
        self.outer.addLayout(body)
        self._clerks: tuple[tuple[str, ...], tuple[tuple[str, str], ...]] = ((), ())
        self._clerk_buttons: dict[str, QPushButton] = {}

    def _pick(self, clerk: str) -> None:
        self.clerk.setText(clerk)
        for cid, b in self._clerk_buttons.items():
            b.setChecked(cid == clerk)

    def _submit(self) -> None:
        clerk, pin = self.clerk.text().strip(), self.pin.text()
        if clerk and pin:
            self.actions.login(clerk, pin)
            self.pin.clear()

    def render(self, vm: ViewModel) -> None:
        t = self.t
        self.title.setText(t("Log in — {name}").format(name=vm.counter_name or t("Counter {n}").format(n=vm.counter)))
        self.clerk_label.setText(t("Clerk"))
        self.pin_label.setText(t("PIN"))
        self.keypad.buttons["OK"].setText(t.action("login"))
        self.keypad.setEnabled(vm.pending is None)
        if (vm.clerks, vm.clerk_names) != self._clerks:
            self._clerks = (vm.clerks, vm.clerk_names)
            names = dict(vm.clerk_names)
            clear_layout(self.clerk_grid)
            self._clerk_buttons = {}
            for i, cid in enumerate(vm.clerks[:6]):
                # The name people know; the id stays the value sent (PIN check).
                b = touch_button(names.get(cid) or cid, "secondary", lambda c=cid: self._pick(c))
                b.setCheckable(True)
                self._clerk_buttons[cid] = b
                self.clerk_grid.addWidget(b, i // 2, i % 2)
        self.clerk.setVisible(not vm.clerks)
        if vm.pending is not None:
            self.message.setText(t("Sending: {action}…").format(action=t.action(vm.pending)))
            self.message.setStyleSheet("")
            self.message.show()
        else:
            self.banner(vm, self.message)


class TransferPage(_Page):
    """Where the current customer goes: a service or a counter, first or last in line."""

    def __init__(self, actions, texts: Texts) -> None:
        super().__init__(actions, texts)
        top = QHBoxLayout()
        self.title = label(name="title", wrap=True)
        top.addWidget(self.title, 1)
        self.last = touch_button("", "secondary", lambda: self._position("last"))
        self.first = touch_button("", "secondary", lambda: self._position("first"))
        for b in (self.last, self.first):
            b.setCheckable(True)
            b.setMaximumWidth(190)
            top.addWidget(b)
        self.outer.addLayout(top)
        cols = QHBoxLayout()
        svc_col = QVBoxLayout()
        self.svc_title = label(name="muted")
        svc_col.addWidget(self.svc_title)
        self.services = QGridLayout()
        self.services.setSpacing(6)
        svc_col.addLayout(self.services)
        svc_col.addStretch(1)
        ctr_col = QVBoxLayout()
        self.ctr_title = label(name="muted")
        ctr_col.addWidget(self.ctr_title)
        self.counters = QGridLayout()
        self.counters.setSpacing(6)
        ctr_col.addLayout(self.counters)
        ctr_col.addStretch(1)
        cols.addLayout(svc_col, 60)
        cols.addLayout(ctr_col, 40)
        self.outer.addLayout(cols, 1)
        self.message = label(wrap=True)
        self.outer.addWidget(self.message)
        self.cancel = touch_button("", "secondary", lambda: self.actions.show_page("main"))
        self.cancel.setMaximumHeight(theme.MIN_TOUCH_PX)
        self.outer.addWidget(self.cancel)
        self.position = "last"
        self._position("last")
        self._targets: tuple = ()

    def _position(self, where: str) -> None:
        self.position = where
        self.last.setChecked(where == "last")
        self.first.setChecked(where == "first")

    def _go(self, kind: str, key: str) -> None:
        if kind == "service":
            self.actions.transfer(service=key, position=self.position)
        else:
            self.actions.transfer(counter=int(key), position=self.position)

    def render(self, vm: ViewModel) -> None:
        t = self.t
        number = vm.ticket.number if vm.ticket else ""
        self.title.setText(t("Transfer {number} to…").format(number=number))
        self.last.setText(t("Last in line"))
        self.first.setText(t("First in line"))
        self.svc_title.setText(t("Service"))
        self.ctr_title.setText(t("Counter"))
        self.cancel.setText(t("Cancel"))
        if vm.transfer_targets != self._targets:
            self._targets = vm.transfer_targets
            clear_layout(self.services)
            clear_layout(self.counters)
            si = ci = 0
            for target in vm.transfer_targets:
                b = touch_button(target.label, "transfer",
                                 lambda k=target.kind, key=target.key: self._go(k, key))
                if target.kind == "service":
                    self.services.addWidget(b, si // 2, si % 2)
                    si += 1
                else:
                    self.counters.addWidget(b, ci // 2, ci % 2)
                    ci += 1
        for grid in (self.services, self.counters):
            for i in range(grid.count()):
                w = grid.itemAt(i).widget()
                if w is not None:
                    w.setEnabled(vm.pending is None)
        self.banner(vm, self.message)


class PausePage(_Page):
    """Pause with a reason (one tap), or resume."""

    def __init__(self, actions, texts: Texts) -> None:
        super().__init__(actions, texts)
        self.title = label(name="title")
        self.outer.addWidget(self.title)
        self.grid = QGridLayout()
        self.grid.setSpacing(8)
        self.outer.addLayout(self.grid, 1)
        self.message = label(wrap=True)
        self.outer.addWidget(self.message)
        self.cancel = touch_button("", "secondary", lambda: self.actions.show_page("main"))
        self.cancel.setMaximumHeight(theme.MIN_TOUCH_PX)
        self.outer.addWidget(self.cancel)
        self._reasons: tuple[str, ...] | None = None

    def render(self, vm: ViewModel) -> None:
        t = self.t
        self.title.setText(t("Pause — why?"))
        self.cancel.setText(t("Cancel"))
        if vm.pause_reasons != self._reasons:
            self._reasons = vm.pause_reasons
            clear_layout(self.grid)
            for i, reason in enumerate(vm.pause_reasons):
                shown = t(reason)
                b = touch_button(shown, "done", lambda r=shown: self.actions.pause(r))
                self.grid.addWidget(b, i // 2, i % 2)
        self.banner(vm, self.message)


class BackgroundPage(_Page):
    """Start background work (kind + case note) or stop the running one."""

    def __init__(self, actions, texts: Texts) -> None:
        super().__init__(actions, texts)
        self.title = label(name="title")
        self.outer.addWidget(self.title)
        self.status = label(wrap=True, size=20)
        self.outer.addWidget(self.status)
        self.grid = QGridLayout()
        self.grid.setSpacing(6)
        self.outer.addLayout(self.grid)
        self.note_label = label(name="muted")
        self.outer.addWidget(self.note_label)
        self.note = QLineEdit()
        self.note.setMaxLength(500)
        self.outer.addWidget(self.note)
        self.outer.addStretch(1)
        self.message = label(wrap=True)
        self.outer.addWidget(self.message)
        bottom = QHBoxLayout()
        self.go = touch_button("", "next", self._go)
        self.later = touch_button("", "secondary", self._later)
        self.backlog = touch_button("", "secondary", lambda: self.actions.show_page("backlog"))
        self.cancel = touch_button("", "secondary", lambda: self.actions.show_page("main"))
        for b in (self.go, self.later, self.backlog, self.cancel):
            b.setMaximumHeight(theme.MIN_TOUCH_PX)
            bottom.addWidget(b)
        self.outer.addLayout(bottom)
        self._kinds: tuple[str, ...] | None = None
        self._buttons: dict[str, QPushButton] = {}
        self.kind = ""
        self._running = False

    def _pick(self, kind: str) -> None:
        self.kind = kind
        for k, b in self._buttons.items():
            b.setChecked(k == kind)

    def _go(self) -> None:
        if self._running:
            self.actions.background_stop()
        elif self.kind:
            self.actions.background_start(self.kind, self.note.text().strip())

    def _later(self) -> None:
        if self.kind and not self._running:
            self.actions.background_record(self.kind, self.note.text().strip())
            self.note.clear()

    def render(self, vm: ViewModel) -> None:
        t = self.t
        self._running = vm.background_kind is not None
        self.title.setText(t("Background work"))
        self.cancel.setText(t("Cancel"))
        if vm.background_kinds != self._kinds:
            self._kinds = vm.background_kinds
            clear_layout(self.grid)
            self._buttons = {}
            for i, kind in enumerate(vm.background_kinds):
                b = touch_button(t(kind), "secondary", lambda k=kind: self._pick(k))
                b.setCheckable(True)
                b.setMaximumHeight(theme.MIN_TOUCH_PX)
                self._buttons[kind] = b
                self.grid.addWidget(b, i // 2, i % 2)
            if vm.background_kinds and not self.kind:
                self._pick(vm.background_kinds[0])
        for w in (*self._buttons.values(), self.note, self.note_label, self.later):
            w.setVisible(not self._running)
        self.later.setText(t.action("background_record"))
        self.later.setEnabled(vm.pending is None)
        self.backlog.setText(t("Backlog ({n})").format(n=len(vm.backlog)))
        self.backlog.setVisible(not self._running and bool(vm.backlog))
        self.note_label.setText(t("Case note"))
        if self._running:
            since = vm.background_since or vm.now
            self.status.setText(t("{kind} since {time} ({d})").format(
                kind=t(vm.background_kind) if vm.background_kind else "", time=t.clock(since), d=t.duration(vm.now - since))
                + (f"\n{vm.background_note}" if vm.background_note else ""))
            self.status.show()
            self.go.setText(t("Stop"))
            self.go.setStyleSheet(theme.button_style("danger"))
        else:
            self.status.hide()
            self.go.setText(t("Start"))
            self.go.setStyleSheet(theme.button_style("next"))
        self.go.setEnabled(vm.pending is None)
        self.banner(vm, self.message)


class ProfilePage(_Page):
    """The clerk's own service priorities: move up/down, weight ±, save."""

    def __init__(self, actions, texts: Texts) -> None:
        super().__init__(actions, texts)
        self.title = label(name="title")
        self.outer.addWidget(self.title)
        self.hint = label(name="muted", wrap=True)
        self.outer.addWidget(self.hint)
        box, self.list = card()
        self.outer.addWidget(box, 1)
        self.message = label(wrap=True)
        self.outer.addWidget(self.message)
        bottom = QHBoxLayout()
        self.save = touch_button("", "next", lambda: self.actions.save_profile(list(self.rows)))
        self.cancel = touch_button("", "secondary", lambda: self.actions.show_page("main"))
        for b in (self.save, self.cancel):
            b.setMaximumHeight(theme.MIN_TOUCH_PX)
            bottom.addWidget(b)
        self.outer.addLayout(bottom)
        self.rows: list[ProfileRow] = []
        self._source: tuple[ProfileRow, ...] | None = None

    def _move(self, index: int, delta: int) -> None:
        self.rows = moved(self.rows, index, delta, lambda r, w: replace(r, weight=w))
        self._draw()

    def _draw(self) -> None:
        clear_layout(self.list)
        t = self.t
        for i, r in enumerate(self.rows[:4]):
            line = QHBoxLayout()
            line.addWidget(label(f"{i + 1}. {r.name}", size=20, bold=True), 1)
            line.addWidget(label(t("weight {w}").format(w=r.weight), name="muted"))
            up = touch_button("▲", "secondary", lambda i=i: self._move(i, -1))
            down = touch_button("▼", "secondary", lambda i=i: self._move(i, 1))
            up.setEnabled(i > 0)
            down.setEnabled(i < len(self.rows) - 1)
            for b in (up, down):
                b.setFixedSize(theme.MIN_TOUCH_PX, theme.MIN_TOUCH_PX)
                line.addWidget(b)
            self.list.addLayout(line)
        self.list.addStretch(1)

    def render(self, vm: ViewModel) -> None:
        t = self.t
        self.title.setText(t("My priorities"))
        self.hint.setText(t("Services higher in the list are called first when customers have waited alike."))
        self.save.setText(t("Save"))
        self.cancel.setText(t("Cancel"))
        if vm.profile != self._source:
            self._source = vm.profile
            self.rows = list(vm.profile)
            self._draw()
        self.save.setEnabled(vm.pending is None and vm.may_edit_profile)
        self.banner(vm, self.message)
