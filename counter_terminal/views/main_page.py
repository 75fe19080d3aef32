"""The clerk's main page: current customer, waiting counts, the action buttons."""

from __future__ import annotations

from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from counter_terminal.texts import Texts
from counter_terminal.viewmodel import ViewModel
from counter_terminal.views import theme
from counter_terminal.views.widgets import card, label, touch_button

MAX_WAITING_ROWS = 5
PRIMARY = ("next", "recall", "start", "done", "no_show", "transfer")


class MainPage(QWidget):
    def __init__(self, actions, texts: Texts) -> None:
        super().__init__()
        self.actions = actions
        self.t = texts
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 8)
        outer.setSpacing(6)

        body = QHBoxLayout()
        body.setSpacing(8)
        left, lv = card()
        self.number = label(name="number")
        self.number.setStyleSheet("font-size: 66px;")
        self.number.setFixedHeight(74)
        self.services = label(wrap=True, size=22, bold=True)
        self.note = label(wrap=True, size=18)
        self.note.setStyleSheet("font-size: 18px; font-style: italic;")
        self.waited = label(name="muted")
        for w in (self.number, self.services, self.note, self.waited):
            lv.addWidget(w)
        lv.addStretch(1)
        body.addWidget(left, 62)

        right, rv = card()
        self.waiting_title = label(name="muted")
        rv.addWidget(self.waiting_title)
        self.waiting_rows: list[tuple[QLabel, QLabel]] = []
        for _ in range(MAX_WAITING_ROWS):
            line = QHBoxLayout()
            name, count = label(), label(size=24, bold=True)
            line.addWidget(name, 1)
            line.addWidget(count)
            rv.addLayout(line)
            self.waiting_rows.append((name, count))
        self.waiting_more = label(name="muted")
        rv.addWidget(self.waiting_more)
        rv.addStretch(1)
        body.addWidget(right, 38)
        outer.addLayout(body, 1)

        self.banner = QPushButton()
        self.banner.setMinimumHeight(40)
        self.banner.setMaximumHeight(44)
        self.banner.clicked.connect(lambda: self.actions.dismiss_notice())
        outer.addWidget(self.banner)

        self.buttons: dict[str, QPushButton] = {}
        row1 = QHBoxLayout()
        row1.setSpacing(6)
        for name in PRIMARY:
            b = touch_button("", name, lambda n=name: self._primary(n))
            b.setMinimumHeight(82)
            b.setStyleSheet(b.styleSheet() + "QPushButton { font-size: 17px; }")
            self.buttons[name] = b
            row1.addWidget(b)
        outer.addLayout(row1)
        row2 = QHBoxLayout()
        row2.setSpacing(6)
        for name in ("pause", "background", "profile", "no_shows", "unpark", "logout"):
            b = touch_button("", "secondary", lambda n=name: self._secondary(n))
            b.setMinimumHeight(theme.MIN_TOUCH_PX)
            self.buttons[name] = b
            row2.addWidget(b)
        self.parked = self.buttons["unpark"]
        outer.addLayout(row2)
        self._vm: ViewModel | None = None

    # touches → controller
    def _primary(self, name: str) -> None:
        vm = self._vm
        if name == "next" and vm is not None and vm.ticket is not None and not vm.next_finishes:
            self.actions.press("finish_and_next")
        elif name == "done" and vm is not None and vm.outcomes:
            self.actions.show_page("finish")  # pick the outcome codes, then Done
        else:
            self.actions.press(name)

    def _unpark_first(self) -> None:
        if self._vm is not None and self._vm.parked:
            self.actions.unpark(self._vm.parked[0].id)

    def _secondary(self, name: str) -> None:
        vm = self._vm
        if name == "pause":
            if vm is not None and vm.state == "paused":
                self.actions.resume()
            else:
                self.actions.show_page("pause")
        elif name == "background":
            self.actions.show_page("background")
        elif name == "profile":
            self.actions.show_page("profile")
        elif name == "no_shows":
            self.actions.show_page("no_shows")
        elif name == "logout":
            self.actions.logout()
        elif name == "unpark":
            self._unpark_first()

    # view model → widgets
    def render(self, vm: ViewModel) -> None:
        self._vm = vm
        t = self.t
        ticket = vm.ticket
        if ticket is not None:
            self.number.setText(ticket.number)
            prio = " · " + t("priority") if ticket.priority else ""
            if ticket.people > 1:
                prio += " · " + t.tr.ngettext("{n} person", "{n} people", ticket.people).format(n=ticket.people)
            self.services.setText(", ".join(ticket.services) + prio)
            self.note.setText(ticket.note)
            self.note.setVisible(bool(ticket.note))
            waited_until = ticket.called_at or vm.now
            parts = [t("Waited: {d}").format(d=t.duration(waited_until - ticket.issued_at))]
            if vm.since:
                parts.append(t("at the counter: {d}").format(d=t.duration(vm.now - vm.since)))
            self.waited.setText(" · ".join(parts))
        else:
            self.number.setText("")
            if vm.state == "paused":
                self.services.setText(vm.reason or t("Paused"))
            elif vm.background_kind is not None:
                self.services.setText(t("Background work: {kind}").format(kind=t(vm.background_kind)))
            else:
                self.services.setText(t("No customer at the counter"))
            self.note.setText(vm.background_note if vm.background_kind is not None else "")
            self.note.setVisible(bool(self.note.text()))
            if vm.background_since:
                self.waited.setText(t("for {d}").format(d=t.duration(vm.now - vm.background_since)))
            else:
                self.waited.setText(t("since {time}").format(time=t.clock(vm.since)) if vm.since else "")

        self.waiting_title.setText(t("Waiting"))
        for i, (name, count) in enumerate(self.waiting_rows):
            if i < len(vm.waiting):
                name.setText(vm.waiting[i].name)
                count.setText(str(vm.waiting[i].count))
            name.setVisible(i < len(vm.waiting))
            count.setVisible(i < len(vm.waiting))
        extra = len(vm.waiting) - MAX_WAITING_ROWS
        self.waiting_more.setText(t("+{n} more services").format(n=extra) if extra > 0 else
                                  ("" if vm.waiting else t("no services")))
        self.waiting_more.setVisible(extra > 0 or not vm.waiting)
        if vm.parked:
            more = f" (+{len(vm.parked) - 1})" if len(vm.parked) > 1 else ""
            self.parked.setText(f"{t.action('unpark')}\n{vm.parked[0].number}{more}")
        self.parked.setVisible(bool(vm.parked))
        self.parked.setEnabled(bool(vm.parked) and vm.ticket is None and vm.pending is None)

        # one message line: a notice, else what is being sent, else the latest alert
        alerts = [a for a in vm.alerts if a.level != "info"] or list(vm.alerts)
        if vm.notice is not None:
            bg, fg = theme.LEVEL_COLOURS[vm.notice.level]
            self.banner.setText(t.notice(vm.notice))
        elif vm.pending is not None:
            bg, fg = theme.LEVEL_COLOURS["info"]
            self.banner.setText(t("Sending: {action}…").format(action=t.action(vm.pending)))
        elif alerts:
            bg, fg = theme.LEVEL_COLOURS[alerts[-1].level]
            self.banner.setText("⚠ " + t.alert(alerts[-1]))
        else:
            bg, fg = theme.BG, theme.TEXT
            self.banner.setText("")
        self.banner.setStyleSheet(
            f"QPushButton {{ background: {bg}; color: {fg}; font-size: 17px; min-height: 40px; "
            "border-radius: 6px; text-align: left; padding-left: 10px; }"
        )

        labels = {
            "next": t.action("finish_and_next" if ticket is not None else "next"),
            "recall": t.action("recall"),
            "start": t.action("start"),
            "done": t.action("done"),
            "no_show": t.action("no_show"),
            "transfer": t.action("transfer"),
            "pause": t.action("resume" if vm.state == "paused" else "pause"),
            "background": t.action("background"),
            "profile": t.action("profile"),
            "logout": t.action("logout"),
            "unpark": self.parked.text(),
            "no_shows": f"{t.action('return')} ({len(vm.no_shows)})",
        }
        enabled = set(vm.enabled)
        enabled_for = {
            "next": "finish_and_next" if ticket is not None else "next",
            "pause": "pause",
        }
        for name, b in self.buttons.items():
            b.setText(labels[name])
            if name != "unpark":
                b.setEnabled(enabled_for.get(name, name) in enabled)
        self.buttons["profile"].setVisible(vm.may_edit_profile)
        self.buttons["no_shows"].setVisible(bool(vm.no_shows))
