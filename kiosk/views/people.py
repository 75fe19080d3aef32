""""How many of you?" on the review screen: − and + as large touch buttons, the number between."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from kiosk.model import MAX_PEOPLE, ViewState
from kiosk.views.texts import Texts
from kiosk.views.theme import Metrics
from kiosk.views.widgets import button, label


class PeopleRow(QWidget):
    """A family comes on one ticket: the clerk sees how many, the wait counts them."""

    def __init__(self, m: Metrics, act: Callable[..., None]) -> None:
        super().__init__()
        self.setObjectName("people")
        self._n = 1
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(m.gap)
        self.title = label("", "cardTitle")
        self.less = button("−", "key", lambda: act("set_people", self._n - 1), name="peopleLess")
        self.more = button("+", "key", lambda: act("set_people", self._n + 1), name="peopleMore")
        self.count = label("1", "title", wrap=False, align=Qt.AlignmentFlag.AlignCenter)
        for b in (self.less, self.more):
            # square at the style's own touch size: min-height/min-width plus the border (a fixed
            # m.touch was overruled by the style sheet and the button drawn past the row's bottom)
            b.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            b.setMinimumSize(m.touch, m.touch)
        self.count.setMinimumWidth(round(m.font * 2.2))  # "10" at the title's size, a little air
        row.addWidget(self.title, 1)
        row.addWidget(self.less)
        row.addWidget(self.count)
        row.addWidget(self.more)

    def render(self, s: ViewState, tx: Texts) -> None:
        self._n = s.people
        self.title.setText(tx("How many of you are coming?"))
        # at most two lines beside the priority toggle (three made the row, and so the screen, too tall)
        self.title.ensurePolished()
        self.title.setMinimumWidth(round(self.title.fontMetrics().horizontalAdvance(self.title.text()) * 0.55))
        self.count.setText(str(s.people))
        self.less.setEnabled(s.people > 1)
        self.more.setEnabled(s.people < MAX_PEOPLE)
