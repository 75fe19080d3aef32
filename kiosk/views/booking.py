"""The booking screen: pick a service, a day, a time; confirm; the printed confirmation.

One widget for the five steps of :class:`kiosk.model.BookStep`: the choices
are large buttons in a grid, a page at a time with "Earlier" / "Later" when
they do not fit (the page is this widget's own: it starts again at the first
whenever the choices change). Touches go to the controller as ``book_*``.
"""

from __future__ import annotations

from datetime import date

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.model import BookingView, BookStep, PrintState, Problem, ViewState
from kiosk.views.screens import Act, ScreenWidget, _printer_message
from kiosk.views.texts import WEEKDAYS, Texts
from kiosk.views.theme import Metrics
from kiosk.views.widgets import Banner, QrView, WrapButton, button, label

CENTER = Qt.AlignmentFlag.AlignCenter
MONTHS = {
    "hu": ("január", "február", "március", "április", "május", "június", "július", "augusztus", "szeptember",
           "október", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def long_day(day: str, lang: str) -> str:
    """``2025-06-12`` → "2025. június 12., csütörtök" / "Thursday, 12 June 2025"."""
    d = date.fromisoformat(day)
    wd = WEEKDAYS.get(lang, WEEKDAYS["en"])[d.weekday()]
    if lang == "hu":
        return f"{d.year}. {MONTHS['hu'][d.month - 1]} {d.day}., {wd}"
    return f"{wd}, {d.day} {MONTHS['en'][d.month - 1]} {d.year}"


def short_day(day: str, lang: str) -> str:
    """Two lines for a day button: the weekday, then "június 12." / "12 June"."""
    d = date.fromisoformat(day)
    wd = WEEKDAYS.get(lang, WEEKDAYS["en"])[d.weekday()]
    month = MONTHS.get(lang, MONTHS["en"])[d.month - 1]
    return f"{wd}\n{month} {d.day}." if lang == "hu" else f"{wd}\n{d.day} {month}"


def slot_day_time(b: BookingView, lang: str) -> str:
    parts = [b.service.name if b.service else "", long_day(b.day.id, lang) if b.day else "",
             b.slot.name if b.slot else ""]
    return " · ".join(p for p in parts if p)


def booking_problem(problem: Problem | None, step: BookStep, tx: Texts) -> str:
    if problem is None:
        return ""
    return {
        Problem.UNAVAILABLE: tx("Booking is not offered at this kiosk. You can book on the office's website."),
        Problem.CONFLICT: tx("That time has just been taken. Please choose another."),
        Problem.NOT_FOUND: tx("This service cannot be booked now. Please choose another."),
        Problem.OFFLINE: tx("The queue system cannot be reached. Please try again."),
        Problem.NO_REPLY: tx("The queue system is not answering. Please try again. You will not get a second "
                             "appointment.") if step is BookStep.CONFIRM
        else tx("The queue system is not answering. Please try again."),
    }.get(problem, tx("Something went wrong. Please ask at the information desk."))


class BookingScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title")
        self.summary = label("", "subtitle")
        self.banner = Banner()
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(max(6, m.gap // 3))
        self.choice_buttons: list[WrapButton] = []
        self._choices_key: tuple = ()
        self._current: list[tuple[str, str, bool, str]] = []
        self._page = 0

        self.confirm_host = QWidget()
        cbox = QVBoxLayout(self.confirm_host)
        cbox.setContentsMargins(0, 0, 0, 0)
        cbox.setSpacing(m.gap)
        self.c_service = label("", "cardTitle")
        self.c_when = label("", "title")
        self.c_info = label("", "body")
        self.c_note = label("", "muted")
        for w in (self.c_service, self.c_when, self.c_info, self.c_note):
            cbox.addWidget(w)
        cbox.addStretch(1)

        self.done_host = QWidget()
        dbox = QVBoxLayout() if m.portrait else QHBoxLayout()
        self.done_host.setLayout(dbox)
        dbox.setContentsMargins(0, 0, 0, 0)
        info = QVBoxLayout()
        info.setSpacing(max(4, m.gap // 2))
        self.d_label = label("", "subtitle")
        self.d_code = label("", "bigNumber", wrap=False)
        self.d_service = label("", "cardTitle")
        self.d_when = label("", "title")
        self.d_note = label("", "body")
        for w in (self.d_label, self.d_code, self.d_service, self.d_when, self.d_note):
            info.addWidget(w)
        info.addStretch(1)
        qr_side = round(min(m.width, m.height) * (0.36 if m.portrait else 0.24))
        self.qr = QrView(qr_side)
        self.qr_hint = label("", "muted", align=CENTER)
        self.qr_hint.setFixedWidth(round(qr_side * 1.4))
        self.qr_hint.setMinimumHeight(round(m.font * 0.85 * 1.4 * 3) + 8)
        qr_box = QVBoxLayout()
        qr_box.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_box.addWidget(self.qr_hint, 0, Qt.AlignmentFlag.AlignHCenter)
        qr_box.addStretch(1)
        dbox.addLayout(info, 1)
        dbox.addLayout(qr_box)

        self.back = button("", "", lambda: act("book_back"), name="bookBack")
        self.earlier = button("◀", "", self._earlier, name="bookEarlier")
        self.later = button("▶", "", self._later, name="bookLater")
        self.retry = button("", "", lambda: act("book_retry"), name="bookRetry")
        self.reprint = button("", "", lambda: act("book_reprint"), name="bookReprint")
        self.confirm = button("", "primary", lambda: act("book_confirm"), name="bookConfirm")
        self.done = button("", "primary", lambda: act("done"), name="bookDone")
        self.done.setMinimumWidth(m.touch * 3)

        self.box.addWidget(self.title)
        self.box.addWidget(self.summary)
        self.box.addWidget(self.banner)
        # The shown part takes the room (a word-wrapped label or a third row is never squeezed).
        self.box.addWidget(self.grid_host, 4)
        self.box.addWidget(self.confirm_host, 4)
        self.box.addWidget(self.done_host, 4)
        self.box.addStretch(1)
        bar = QHBoxLayout()
        bar.addWidget(self.back)
        bar.addWidget(self.earlier)
        bar.addWidget(self.later)
        bar.addWidget(self.retry)
        bar.addWidget(self.reprint)
        bar.addStretch(1)
        bar.addWidget(self.confirm, 1)
        bar.addWidget(self.done)
        self.box.addLayout(bar)
        # Shown by render() as the step needs them; hidden until then, so that this screen, never
        # rendered yet, does not make the window's screen stack bigger than the kiosk's screen.
        for w in (self.confirm_host, self.done_host, self.earlier, self.later, self.retry, self.reprint,
                  self.confirm, self.done, self.banner):
            w.hide()

    # ---- the grid of choices -----------------------------------------------------------

    def _shape(self, step: BookStep) -> tuple[int, int]:
        """Columns and rows of one page of choices."""
        portrait = self.m.portrait
        return {
            BookStep.SERVICE: (1, 7) if portrait else (2, 3),
            BookStep.DAY: (3, 6) if portrait else (5, 3),
            BookStep.SLOT: (4, 8) if portrait else (6, 3),
        }.get(step, (1, 1))

    def _earlier(self) -> None:
        self._page = max(0, self._page - 1)
        self.act("touch")
        self._fill()

    def _later(self) -> None:
        self._page += 1
        self.act("touch")
        self._fill()

    def _choices(self, b: BookingView, tx: Texts) -> list[tuple[str, str, bool, str]]:
        """(id, text, enabled, action) of the step's choices."""
        if b.step is BookStep.SERVICE:
            return [(s.id, s.name, True, "book_service") for s in b.services]
        if b.step is BookStep.DAY:
            # Only days and times with a free place: closed days, holidays and full ones are not worth a button.
            return [(d.id, short_day(d.id, tx.lang), True, "book_day") for d in b.days if d.free > 0]
        if b.step is BookStep.SLOT:
            return [(s.id, s.name, True, "book_slot") for s in b.slots if s.free > 0]
        return []

    def _fill(self) -> None:
        for btn in self.choice_buttons:
            self.grid.removeWidget(btn)
            btn.hide()  # at once: deleteLater waits for the event loop
            btn.deleteLater()
        self.choice_buttons = []
        step, choices = self._choices_key[0], self._current
        cols, rows = self._shape(step)
        per_page = cols * rows
        pages = max(1, -(-len(choices) // per_page))
        self._page = min(self._page, pages - 1)
        shown = choices[self._page * per_page:(self._page + 1) * per_page]
        height = round(self.m.touch * (1.3 if self.m.portrait else 1.0))
        for i, (cid, text, enabled, action) in enumerate(shown):
            btn = WrapButton("" if step is BookStep.SERVICE else "key", name=f"choice_{cid}", min_height=height)
            btn.setText(text)
            btn.setEnabled(enabled)
            btn.clicked.connect(lambda _=False, a=action, c=cid: self.act(a, c))
            self.grid.addWidget(btn, i // cols, i % cols)
            self.choice_buttons.append(btn)
        for c in range(cols):
            self.grid.setColumnStretch(c, 1)
        for r in range(self.grid.rowCount()):
            self.grid.setRowStretch(r, 0)
        self.grid.setRowStretch(rows, 1)  # the buttons at the top, the room below them
        self.earlier.setVisible(pages > 1)
        self.later.setVisible(pages > 1)
        self.earlier.setEnabled(self._page > 0)
        self.later.setEnabled(self._page < pages - 1)

    # ---- render -------------------------------------------------------------------------

    def render(self, s: ViewState, tx: Texts) -> None:
        b = s.booking or BookingView()
        step = b.step
        lang = tx.lang
        self.title.setText({
            BookStep.SERVICE: tx("Book an appointment: which matter?"),
            BookStep.DAY: tx("Which day?"),
            BookStep.SLOT: tx("What time?"),
            BookStep.CONFIRM: tx("Is this right?"),
            BookStep.DONE: tx("Your appointment is booked"),
        }[step])
        self.summary.setText(slot_day_time(b, lang) if step in (BookStep.DAY, BookStep.SLOT) else
                             tx("Days and times with free places are shown.") if step is BookStep.SERVICE else "")
        # On a landscape kiosk the room for three rows of choices: a problem replaces the summary.
        self.summary.setVisible(bool(self.summary.text()) and (self.m.portrait or s.problem is None))
        choosing = step in (BookStep.SERVICE, BookStep.DAY, BookStep.SLOT)
        choices = self._choices(b, tx) if choosing and not b.loading else []
        key = (step, tuple(choices))
        if key != self._choices_key:
            self._choices_key, self._current = key, choices
            self._page = 0
            self._fill()
        self.grid_host.setVisible(choosing and bool(choices))

        problem = booking_problem(s.problem, step, tx)
        if problem:
            self.banner.show_message("error", problem)
        elif b.loading:
            self.banner.show_message("info", tx("Booking…") if step is BookStep.CONFIRM else tx("One moment…"))
        elif choosing and not choices:
            self.banner.show_message("warn", {
                BookStep.SERVICE: tx("No service can be booked at the moment."),
                BookStep.DAY: tx("There is no free time in the coming days. Please ask at the information desk."),
                BookStep.SLOT: tx("No free time is left on this day. Please choose another day."),
            }[step])
        elif step is BookStep.DONE:
            self.banner.show_message(*self._print_message(b, tx))
        else:
            self.banner.show_message("info", "")

        self.confirm_host.setVisible(step is BookStep.CONFIRM)
        if step is BookStep.CONFIRM:
            self.c_service.setText(b.service.name if b.service else "")
            self.c_when.setText(f"{long_day(b.day.id, lang)}, {b.slot.name}" if b.day and b.slot else "")
            self.c_info.setText(b.service.info if b.service else "")
            self.c_info.setVisible(bool(b.service and b.service.info))
            self.c_note.setText(tx("You get a printed confirmation with a code. On the day, scan it at the kiosk "
                                   "or type the code."))
        self.done_host.setVisible(step is BookStep.DONE)
        if step is BookStep.DONE:
            self.d_label.setText(tx("Your booking code"))
            self.d_code.setText(b.code)
            self.d_service.setText(b.service.name if b.service else "")
            self.d_when.setText(f"{long_day(b.day.id, lang)}, {b.slot.name}" if b.day and b.slot else "")
            self.d_note.setText(tx("On the day, scan the confirmation at the kiosk or type the code."))
            self.qr.set_data(b.manage_url)
            self.qr_hint.setText(tx("Cancel or change it on your phone: scan this code."))

        self.back.setText(tx("Back") if step is not BookStep.SERVICE else tx("Back to the start"))
        self.back.setVisible(step is not BookStep.DONE)
        self.back.setEnabled(not (b.loading and step is BookStep.CONFIRM))
        self.retry.setText(tx("Try again"))
        self.retry.setVisible(s.problem in (Problem.OFFLINE, Problem.NO_REPLY, Problem.FAILED) and not b.loading)
        self.reprint.setText(tx("Print again"))
        self.reprint.setVisible(step is BookStep.DONE and b.print_state is PrintState.FAILED)
        self.confirm.setText(tx("Book this time"))
        self.confirm.setVisible(step is BookStep.CONFIRM)
        self.confirm.setEnabled(not b.loading)
        self.done.setText(tx("Done"))
        self.done.setVisible(step is BookStep.DONE)
        if not choosing:
            self.earlier.setVisible(False)
            self.later.setVisible(False)

    @staticmethod
    def _print_message(b: BookingView, tx: Texts) -> tuple[str, str]:
        if b.print_state is PrintState.PRINTING:
            return "info", tx("Printing your confirmation…")
        if b.print_state is PrintState.PRINTED:
            return "ok", tx("Please take your confirmation below.")
        return "error", (_printer_message(b.printer_state, tx) + " "
                         + tx("Your appointment is booked: photograph the QR code or write down the code."))

