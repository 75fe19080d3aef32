"""One widget per kiosk screen; each renders a :class:`kiosk.model.ViewState` and nothing else.

A screen never calls the printer or the bus: a touch becomes ``act(name,
*args)``, which the window forwards to the controller.
"""

from __future__ import annotations

import string
from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QVBoxLayout,
    QWidget,
)

from kiosk.model import PrintState, Problem, ViewState
from kiosk.views.pager import CardPager
from kiosk.views.people import PeopleRow
from kiosk.views.texts import Texts
from kiosk.views.theme import Metrics
from kiosk.views.widgets import Banner, QrView, Tile, WrapButton, button, keypad_layout, label

Act = Callable[..., None]
CENTER = Qt.AlignmentFlag.AlignCenter
PRINTER_TROUBLE = ("paper_out", "cover_open", "offline", "error")


class ScreenWidget(QWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__()
        self.m = m
        self.act = act
        self.setObjectName("page")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.box = QVBoxLayout(self)
        pad = m.gap * 2
        self.box.setContentsMargins(pad, pad, pad, pad)
        self.box.setSpacing(m.gap)

    def render(self, s: ViewState, tx: Texts) -> None:
        raise NotImplementedError


def _printer_message(state: str, tx: Texts) -> str:
    return {
        "paper_out": tx("The printer is out of paper."),
        "cover_open": tx("The printer's cover is open."),
        "offline": tx("The printer is not responding."),
        "error": tx("The printer has a fault."),
    }.get(state, tx("The printer is not working."))


# ---- start ----------------------------------------------------------------------------


class StartScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title", align=CENTER)
        self.subtitle = label("", "subtitle", align=CENTER)
        self.ticket = button("", "primary", lambda: act("get_ticket"), name="getTicket")
        self.ticket.setMinimumHeight(round(m.touch * 1.7))
        self.appointment = button("", "", lambda: act("start_check_in"), name="checkIn")
        self.appointment.setMinimumHeight(round(m.touch * 1.3))
        self.book = button("", "", lambda: act("book_start"), name="bookStart")  # kiosk.booking
        self.book.setMinimumHeight(round(m.touch * 1.3))
        self.hint = label("", "muted", align=CENTER)
        self.banner = Banner()
        self.box.addStretch(2)
        self.box.addWidget(self.title)
        self.box.addWidget(self.subtitle)
        self.box.addStretch(1)
        inner = QVBoxLayout()
        inner.setSpacing(m.gap * 2)
        inner.addWidget(self.ticket)
        inner.addWidget(self.appointment)
        inner.addWidget(self.book)
        if not m.portrait:  # three buttons still fit an 800-pixel-high kiosk
            for b in (self.appointment, self.book):
                b.setMinimumHeight(round(m.touch * 1.1))
        wrap = QHBoxLayout()
        wrap.addStretch(1)
        wrap.addLayout(inner, 4 if m.portrait else 3)
        wrap.addStretch(1)
        self.box.addLayout(wrap)
        self.box.addWidget(self.hint)
        self.box.addStretch(2)
        self.box.addWidget(self.banner)

    def render(self, s: ViewState, tx: Texts) -> None:
        self.title.setText(tx("Welcome!"))
        self.subtitle.setText(tx("Touch the screen to get a ticket."))
        self.ticket.setText(tx("Get a ticket"))
        self.appointment.setText(tx("I have an appointment or a code"))
        self.book.setText(tx("Book an appointment"))
        self.hint.setText(tx("You can also scan the QR code of your booking or of your ticket from afar at any time."))
        if s.printer in PRINTER_TROUBLE:
            self.banner.show_message(
                "warn", _printer_message(s.printer, tx) + " " + tx("Your ticket will be shown on the screen.")
            )
        else:
            self.banner.show_message("warn", "")


# ---- catalogue ------------------------------------------------------------------------------


class CatalogueScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title")
        self.subtitle = label("", "subtitle")
        # whole tiles a page at a time, like the review screen's cards: no thin scrollbar
        self.tiles = CardPager(m, columns=m.columns, side_buttons=False)
        self.back = button("", "", lambda: act("back"), name="back")
        self.next = button("", "primary", lambda: act("show_review"), name="toReview")
        self.box.addWidget(self.title)
        self.box.addWidget(self.subtitle)
        self.box.addWidget(self.tiles, 1)
        bar = QHBoxLayout()
        bar.addWidget(self.back)
        bar.addStretch(1)
        bar.addWidget(self.tiles.column)  # ▲ 1/3 ▼ between Back and Continue, when there are pages
        bar.addStretch(1)
        bar.addWidget(self.next)
        self.box.addLayout(bar)
        self._key: tuple | None = None
        self._tiles: dict[str, Tile] = {}

    def render(self, s: ViewState, tx: Texts) -> None:
        show_groups = s.group is None and len(s.groups) > 1
        group_name = next((g.name for g in s.groups if g.id == s.group), "")
        if show_groups:
            self.title.setText(tx("What can we help you with?"))
        else:
            self.title.setText(group_name if len(s.groups) > 1 and group_name else tx("Choose a service"))
        self.subtitle.setText(
            tx("You can add more services to the same ticket.") if s.max_services > 1 else ""
        )
        self.subtitle.setVisible(s.max_services > 1)
        self.back.setText(tx("Back"))
        self.next.setText(tx("Continue ({n})", n=len(s.selected)))
        self.next.setVisible(bool(s.selected))
        if show_groups:
            entries = [
                (f"g:{g.id}", g.name, "", tx.plural("{n} service", "{n} services", g.services), g.open,
                 lambda gid=g.id: self.act("open_group", gid))
                for g in s.groups
            ]
        else:
            chosen = {x.id for x in s.selected}
            entries = [
                (f"s:{svc.id}", svc.name, svc.info, self._foot(svc, svc.id in chosen, tx),
                 svc.open and svc.id not in chosen, lambda sid=svc.id: self.act("choose_service", sid))
                for svc in s.services
            ]
        key = tuple((e[0], e[1], e[2]) for e in entries)
        if key != self._key:  # other tiles: build them anew
            self._key = key
            self._tiles = {}
            height = round(self.m.touch * 1.65)
            for tid, title, detail, foot, _on, on_click in entries:
                self._tiles[tid] = Tile(title, detail, foot, height, on_click)
            self.tiles.set_cards(list(self._tiles.values()))
        # the same tiles: update them in place, so a finger on a tile keeps it
        # while the queue figures change under it
        feet_changed = False
        for tid, _title, _detail, foot, on, _click in entries:
            tile = self._tiles[tid]
            tile.foot.setText(foot)
            feet_changed |= tile.foot.isVisibleTo(tile) != bool(foot)
            tile.foot.setVisible(bool(foot))
            if tile.isEnabled() != on:
                tile.setEnabled(on)
        if feet_changed:
            self.tiles.repaginate()  # a tile grew or shrank a line

    @staticmethod
    def _foot(svc, chosen: bool, tx: Texts) -> str:
        if not svc.open:
            return tx("Closed now")
        if chosen:
            return tx("Added to your ticket")
        if svc.waiting:
            foot = tx.plural("{n} waiting", "{n} waiting", svc.waiting)
            if svc.est_wait_s:
                foot += " · " + tx.short_minutes(svc.est_wait_s)
            return foot
        return tx("Nobody waiting")


# ---- review -----------------------------------------------------------------------------


class ReviewScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title")
        # every chosen service in view: whole cards, a page at a time (no thin scrollbar hiding one)
        self.cards = CardPager(m)
        self.priority = WrapButton("toggle", name="priority", min_height=m.touch)
        self.priority.setCheckable(True)
        self.priority.clicked.connect(lambda checked: act("set_priority", checked))
        self.add = button("", "", lambda: act("add_another"), name="addAnother")
        self.cancel = button("", "", lambda: act("done"), name="cancel")
        self.confirm = button("", "primary", lambda: act("confirm"), name="confirm")
        self.confirm.setMinimumHeight(round(m.touch * 1.2))
        self.box.addWidget(self.title)
        self.box.addWidget(self.cards, 1)
        self.people = PeopleRow(m, act)
        if m.portrait:
            self.box.addWidget(self.people)
            self.box.addWidget(self.priority)
        else:  # one row for both: on a short landscape screen the cards need the height
            options = QHBoxLayout()
            options.setSpacing(m.gap)
            options.addWidget(self.people, 1)
            options.addWidget(self.priority, 1)
            self.box.addLayout(options)
        bar = QHBoxLayout()
        bar.setSpacing(m.gap)
        bar.addWidget(self.cancel)
        bar.addWidget(self.add)
        bar.addStretch(1)
        if m.portrait:  # too narrow for three buttons in a row: "Print my ticket" gets its own
            self.box.addLayout(bar)
            self.box.addWidget(self.confirm)
        else:
            bar.addWidget(self.confirm, 2)
            self.box.addLayout(bar)
        self._key: tuple | None = None

    def render(self, s: ViewState, tx: Texts) -> None:
        self.title.setText(tx.plural("Your ticket is for this service:", "Your ticket is for these services:", len(s.selected)))
        self.people.render(s, tx)
        self.priority.setText(tx("I need priority service (elderly, disabled or pregnant)"))
        self.priority.setVisible(s.allow_priority)
        self.priority.setChecked(s.priority)
        self.add.setText(tx("Add another service"))
        self.add.setVisible(s.can_add_more)
        self.cancel.setText(tx("Cancel"))
        self.confirm.setText(tx("Print my ticket"))
        self.confirm.setEnabled(bool(s.selected))
        key = (s.lang, tuple((x.id, x.name, x.info, x.open) for x in s.selected))
        if key == self._key:
            return
        self._key = key
        cards: list[QWidget] = []
        for svc in s.selected:
            card = QFrame()
            card.setObjectName("card")
            row = QHBoxLayout(card)
            row.setContentsMargins(self.m.gap * 2, self.m.gap // 2, self.m.gap, self.m.gap // 2)
            texts = QVBoxLayout()
            texts.setSpacing(self.m.gap // 3)
            name = label(svc.name, "cardTitle")
            texts.addWidget(name)
            if svc.info:
                texts.addWidget(label(svc.info, "body"))  # the office's own "what to bring" text
            if not svc.open:
                texts.addWidget(label(tx("Closed now"), "muted"))
            row.addLayout(texts, 1)
            row.addWidget(button(tx("Remove"), "", lambda sid=svc.id: self.act("remove_service", sid)))
            cards.append(card)
        self.cards.set_cards(cards)


# ---- check-in ---------------------------------------------------------------------------------


class CheckInScreen(ScreenWidget):
    KEYS = string.digits[1:] + "0" + string.ascii_uppercase

    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title")
        self.hint = label("", "subtitle")
        self.code = label("", "code", wrap=False, align=CENTER)
        self.code.setMinimumHeight(m.touch)
        self.banner = Banner()
        keys = QGridLayout()
        keys.setSpacing(max(6, m.gap // 2))
        cols = 7
        self.key_buttons = []
        for i, ch in enumerate(self.KEYS):
            b = button(ch, "key", lambda c=ch: act("key", c))
            b.setFixedSize(m.touch, m.touch)
            keys.addWidget(b, i // cols, i % cols)
            self.key_buttons.append(b)
        self.backspace = button("⌫", "key", lambda: act("backspace"), name="backspace")
        self.backspace.setFixedHeight(m.touch)
        n = len(self.KEYS)
        keys.addWidget(self.backspace, n // cols, n % cols, 1, cols - n % cols)
        self.back = button("", "", lambda: act("back"), name="back")
        self.submit = button("", "primary", lambda: act("submit_code"), name="submitCode")
        side = QVBoxLayout()
        side.setSpacing(m.gap)
        side.addWidget(self.title)
        side.addWidget(self.hint)
        side.addWidget(self.code)
        side.addWidget(self.banner)
        side.addStretch(1)
        keypad_layout(self.box, m, side, keys, self.back, self.submit)

    def render(self, s: ViewState, tx: Texts) -> None:
        self.title.setText(tx("Check in"))
        self.hint.setText(tx("Type the code of your appointment or of your ticket taken from afar, "
                             "or scan its QR code."))
        self.code.setText(s.code or "_ _ _ _ _ _")
        self.back.setText(tx("Back"))
        self.submit.setText(tx("Check in"))
        self.submit.setEnabled(len(s.code) >= 3)
        remote = s.code.isdigit()  # a ticket taken from afar (kiosk.scanner.check_in_request)
        message = {
            Problem.NOT_FOUND: tx("We could not find a ticket from afar with this code today. Please check it.")
            if remote else tx("We could not find an appointment with this code. Please check it."),
            Problem.ALREADY_CHECKED_IN: tx("This ticket has already been checked in. Please wait to be called."),
            Problem.NOT_TODAY: tx("This ticket was for an earlier day. Please take a new ticket."),
            Problem.CANCELLED: tx("This ticket was cancelled. Please take a new ticket."),
            Problem.BAD_CODE: tx("That is not an appointment code. A code has 3 to 32 letters and digits."),
            Problem.CONFLICT: tx("This appointment cannot be checked in now (it may be for another day). "
                                 "Please ask at the information desk."),
        }.get(s.problem) if s.problem else ""
        self.banner.show_message("error", message or "")


# ---- issuing ----------------------------------------------------------------------------------------


class IssuingScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title", align=CENTER)
        self.body = label("", "subtitle", align=CENTER)
        self.box.addStretch(1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.body)
        self.box.addStretch(1)

    def render(self, s: ViewState, tx: Texts) -> None:
        self.title.setText(tx("One moment…"))
        self.body.setText(tx("Your ticket is being issued."))


# ---- ticket --------------------------------------------------------------------------------------------


class TicketScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.your = label("", "subtitle")
        self.number = label("", "bigNumber", wrap=False)
        self.services = label("", "title")
        self.ahead = label("", "body")
        self.wait = label("", "body")
        self.extra = label("", "body")
        qr_side = round(min(m.width, m.height) * (0.42 if m.portrait else 0.34))
        self.qr = QrView(qr_side)
        self.qr_hint = label("", "muted", align=CENTER)
        self.qr_hint.setFixedWidth(round(qr_side * 1.25))
        self.qr_hint.setMinimumHeight(round(m.font * 0.85 * 1.4 * 2) + 8)
        self.banner = Banner()
        self.reprint = button("", "", lambda: act("reprint"), name="reprint")
        # kiosk.following; its words wrap beside "Print again" and "Done" on a narrow portrait kiosk
        self.follow = WrapButton(name="followStart", min_height=m.touch)
        self.follow.clicked.connect(lambda: act("follow_start"))
        self.following = label("", "body")
        self.done = button("", "primary", lambda: act("done"), name="done")
        self.done.setMinimumWidth(m.touch * 3)

        info = QVBoxLayout()
        info.setSpacing(max(4, m.gap // 2))
        for w in (self.your, self.number, self.services, self.ahead, self.wait, self.extra, self.following):
            info.addWidget(w)
        info.addStretch(1)
        qr_box = QVBoxLayout()
        qr_box.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_box.addWidget(self.qr_hint, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_box.addStretch(1)
        body = QVBoxLayout() if m.portrait else QHBoxLayout()
        body.setSpacing(m.gap * 2)
        body.addLayout(info, 1)
        body.addLayout(qr_box)
        self.box.addLayout(body, 1)
        self.box.addWidget(self.banner)
        bar = QHBoxLayout()
        bar.addWidget(self.reprint)
        bar.addWidget(self.follow, 3)
        bar.addStretch(1)
        bar.addWidget(self.done)
        self.box.addLayout(bar)

    def render(self, s: ViewState, tx: Texts) -> None:
        t = s.ticket
        if t is None:
            return
        self.your.setText(tx("Checked in! Your number") if t.checked_in else tx("Your number"))
        self.number.setText(t.number)
        self.services.setText(", ".join(x.name for x in t.services))
        self.ahead.setText(
            tx.plural("{n} person is ahead of you.", "{n} people are ahead of you.", t.ahead) if t.ahead else tx("Nobody is ahead of you: you will be called soon.")
        )
        self.wait.setText(tx("Estimated wait: {time}", time=tx.minutes(t.est_wait_s)) if t.ahead else "")
        self.wait.setVisible(bool(t.ahead))
        extra = []
        if t.priority:
            extra.append(tx("Priority customer"))
        if t.appointment:
            extra.append(tx("Appointment: {code}", code=t.appointment))
        if t.front:
            extra.append(tx("Your turn had come: you are called first."))
        self.extra.setText(" · ".join(extra))
        self.extra.setVisible(bool(extra))
        self.qr.set_data(t.status_url)
        self.qr.setVisible(bool(t.status_url))
        self.qr_hint.setText(tx("Follow your turn on your phone: scan this code."))
        self.qr_hint.setVisible(bool(t.status_url))
        if t.print_state is PrintState.PRINTING:
            self.banner.show_message("info", tx("Printing your ticket…"))
        elif t.print_state is PrintState.PRINTED:
            self.banner.show_message("ok", tx("Please take your ticket below."))
        else:
            self.banner.show_message(
                "error",
                _printer_message(t.printer_state, tx) + " "
                + tx("Your ticket is valid: photograph the QR code or remember your number. Staff have been told."),
            )
        self.reprint.setText(tx("Print again"))
        self.reprint.setVisible(t.print_state is PrintState.FAILED)
        followed = s.follow is not None and s.follow.done
        self.follow.setText(tx("Send me an SMS when my turn is near"))
        # Only once printed: after a failed print the screen is busy with the printer's trouble.
        self.follow.setVisible(bool(t.status_url) and not followed and t.print_state is PrintState.PRINTED)
        self.following.setText(tx.plural(
            "We will send you an SMS when at most {n} person is ahead of you, and when you are called.",
            "We will send you an SMS when at most {n} people are ahead of you, and when you are called.",
            s.follow.ahead_limit) if followed and s.follow else "")
        self.following.setVisible(followed)
        self.done.setText(tx("Done"))


# ---- error ------------------------------------------------------------------------------------------------


class ErrorScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title", align=CENTER)
        self.body = label("", "body", align=CENTER)
        self.back = button("", "", lambda: act("back"), name="back")
        self.retry = button("", "primary", lambda: act("retry"), name="retry")
        self.box.addStretch(1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.body)
        self.box.addStretch(1)
        bar = QHBoxLayout()
        bar.addWidget(self.back)
        bar.addStretch(1)
        bar.addWidget(self.retry, 1)
        self.box.addLayout(bar)

    def render(self, s: ViewState, tx: Texts) -> None:
        title, body = {
            Problem.OFFLINE: (
                tx("The queue system cannot be reached"),
                tx("No ticket was issued. Please try again in a moment, or ask at the information desk."),
            ),
            Problem.NO_REPLY: (
                tx("The queue system is not answering"),
                tx("Please try again. You will not get a second ticket."),
            ),
            Problem.CLOSED: (
                tx("This service is closed now"),
                tx("Please check the opening hours, or ask at the information desk."),
            ),
        }.get(s.problem, (tx("Something went wrong"), tx("Please ask at the information desk.")))
        self.title.setText(title)
        self.body.setText(body)
        self.back.setText(tx("Back to the start"))
        self.retry.setText(tx("Try again"))
        self.retry.setVisible(s.problem in (Problem.OFFLINE, Problem.NO_REPLY, Problem.FAILED))


# ---- closed / out of service ----------------------------------------------------------------------------------


class ClosedScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title", align=CENTER)
        self.hours = label("", "body", align=CENTER)
        self.next = label("", "body", align=CENTER)
        self.message = Banner()
        self.message.setAlignment(CENTER)
        self.box.addStretch(1)
        for w in (self.title, self.hours, self.next, self.message):
            self.box.addWidget(w)
        self.box.addStretch(1)

    def render(self, s: ViewState, tx: Texts) -> None:
        self.title.setText(tx("The office is closed"))
        self.hours.setText(tx("Opening hours today: {hours}", hours=s.hours_today) if s.hours_today else "")
        self.hours.setVisible(bool(s.hours_today))
        opens = tx.when(s.next_open)
        self.next.setText(tx("We open again: {when}", when=opens) if opens else "")
        self.next.setVisible(bool(opens))
        self.message.show_message("info", s.office_message)


class OutOfServiceScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title", align=CENTER)
        self.body = label("", "body", align=CENTER)
        self.box.addStretch(1)
        self.box.addWidget(self.title)
        self.box.addWidget(self.body)
        self.box.addStretch(1)

    def render(self, s: ViewState, tx: Texts) -> None:
        if s.connecting:
            self.title.setText(tx("Starting…"))
            self.body.setText(tx("The ticket machine is connecting to the queue system."))
        else:
            self.title.setText(tx("Temporarily out of service"))
            self.body.setText(
                tx("Tickets cannot be issued right now. Please wait a moment or ask at the information desk. "
                   "This screen changes by itself when the machine works again.")
            )
