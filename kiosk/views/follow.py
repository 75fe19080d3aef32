"""The follow screen: a large phone keypad for "send me an SMS when my turn is near".

Touches go to the controller as ``phone_key``, ``phone_backspace``,
``follow_submit`` and ``follow_back`` (kiosk.following does the rest).
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QGridLayout, QVBoxLayout

from kiosk.following import pretty_phone
from kiosk.model import Problem, ViewState
from kiosk.views.screens import Act, ScreenWidget
from kiosk.views.texts import Texts
from kiosk.views.theme import Metrics
from kiosk.views.widgets import Banner, button, keypad_layout, label

CENTER = Qt.AlignmentFlag.AlignCenter
PHONE_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "0")


def follow_problem(problem: Problem | None, tx: Texts) -> str:
    if problem is None:
        return ""
    return {
        Problem.BAD_NUMBER: tx("That is not a Hungarian mobile number. Type +36 or 06, then the 9 digits, "
                               "e.g. 06 30 123 4567."),
        Problem.UNAVAILABLE: tx("Sorry, this office does not send text messages. "
                                "Scan the QR code on your ticket to follow your turn on your phone."),
        Problem.OFFLINE: tx("The queue system cannot be reached. Please try again."),
        Problem.NO_REPLY: tx("The queue system is not answering. Please try again."),
        Problem.NOT_FOUND: tx("This ticket can no longer be followed."),
        Problem.CONFLICT: tx("Your ticket is no longer waiting, so no message is needed."),
    }.get(problem, tx("Something went wrong. Please ask at the information desk."))


class FollowScreen(ScreenWidget):
    def __init__(self, m: Metrics, act: Act) -> None:
        super().__init__(m, act)
        self.title = label("", "title")
        self.hint = label("", "subtitle")
        self.phone = label("", "code", wrap=False, align=CENTER)
        self.phone.setMinimumHeight(m.touch)
        self.privacy = label("", "muted")
        self.banner = Banner()
        keys = QGridLayout()
        keys.setSpacing(max(8, m.gap // 2))
        # Large keys, as large as the screen's height leaves room for (1080x1920: 134 px; 800x1280: 90 px).
        side = max(m.touch, round(min(m.width * 0.18, m.height * 0.07))) if m.portrait else round(m.touch * 1.25)
        # The size through the style too: the kiosk's style sheet sets every button's minimum at polish time.
        key_style = f"QPushButton {{ min-width: {side}px; min-height: {side}px; }}"
        self.key_buttons = []
        for i, ch in enumerate(PHONE_KEYS):
            b = button(ch, "key", lambda c=ch: act("phone_key", c), name=f"phoneKey{'Plus' if ch == '+' else ch}")
            b.setFixedSize(side, side)
            b.setStyleSheet(key_style)
            keys.addWidget(b, i // 3, i % 3)
            self.key_buttons.append(b)
        self.backspace = button("⌫", "key", lambda: act("phone_backspace"), name="phoneBackspace")
        self.backspace.setFixedSize(side, side)
        self.backspace.setStyleSheet(key_style)
        keys.addWidget(self.backspace, 3, 2)
        self.back = button("", "", lambda: act("follow_back"), name="followBack")
        self.submit = button("", "primary", lambda: act("follow_submit"), name="followSubmit")
        info = QVBoxLayout()
        info.setSpacing(m.gap)
        for w in (self.title, self.hint, self.phone, self.banner, self.privacy):
            info.addWidget(w)
        info.addStretch(1)
        keypad_layout(self.box, m, info, keys, self.back, self.submit)

    def render(self, s: ViewState, tx: Texts) -> None:
        f = s.follow
        phone = f.phone if f else ""
        sending = bool(f and f.sending)
        self.title.setText(tx("Send me an SMS when my turn is near"))
        self.hint.setText(tx("Type your mobile number (+36 or 06…). We send one message when your turn is "
                             "near and one when you are called."))
        self.phone.setText(pretty_phone(phone) if phone else "06 _ _  _ _ _  _ _ _ _")
        self.privacy.setText(tx("We use the number only for these messages and erase it afterwards."))
        if sending:
            self.banner.show_message("info", tx("Sending…"))
        else:
            self.banner.show_message("error", follow_problem(s.problem, tx))
        self.back.setText(tx("Back to my ticket"))
        self.submit.setText(tx("Send me an SMS"))
        self.submit.setEnabled(not sending and len(phone) >= 11)  # a wrong one is explained, not just greyed
        for b in (*self.key_buttons, self.backspace, self.back):
            b.setEnabled(not sending)
