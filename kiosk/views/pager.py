"""Cards shown a page at a time, so that none is ever cut off behind a scrollbar.

A page holds as many whole cards as the height allows. When they do not all
fit, a column of touch-sized ▲ / ▼ buttons turns the pages and shows "1/3";
when they do, there is no column and nothing moves. (A thin scrollbar that
hides the second card is hard to find and to hit with a finger.)
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.views.theme import Metrics
from kiosk.views.widgets import button, label


class CardPager(QWidget):
    def __init__(self, m: Metrics, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.m = m
        self.cards: list[QWidget] = []
        self.pages: list[list[int]] = [[]]
        self.page = 0
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(m.gap)
        self.area = QWidget()
        self.list = QVBoxLayout(self.area)
        self.list.setContentsMargins(0, 0, 0, 0)
        self.list.setSpacing(m.gap)
        self.list.addStretch(1)
        row.addWidget(self.area, 1)
        self.column = QWidget()
        col = QVBoxLayout(self.column)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(m.gap)
        self.up: QPushButton = button("▲", "", lambda: self.turn(-1), name="pageUp")
        self.down: QPushButton = button("▼", "", lambda: self.turn(1), name="pageDown")
        self.where: QLabel = label("", "body", align=Qt.AlignmentFlag.AlignCenter)
        side = round(m.touch * 1.2)
        for b in (self.up, self.down):
            b.setStyleSheet(f"padding: 0px; font-size: {round(m.font * 1.3)}px;")
            b.setFixedSize(side, side)
        col.addWidget(self.up)
        col.addStretch(1)
        col.addWidget(self.where)
        col.addStretch(1)
        col.addWidget(self.down)
        self.column.setFixedWidth(side)
        self.column.hide()
        row.addWidget(self.column)

    def set_cards(self, cards: list[QWidget]) -> None:
        for card in self.cards:
            self.list.removeWidget(card)
            card.hide()  # gone at once, not when the event loop gets to deleteLater
            card.setParent(None)
            card.deleteLater()
        self.cards = list(cards)
        for i, card in enumerate(self.cards):
            self.list.insertWidget(i, card)
        self.page = 0
        self.repaginate()

    def turn(self, step: int) -> None:
        self.page = max(0, min(len(self.pages) - 1, self.page + step))
        self._show_page()

    def _heights(self, width: int) -> list[int]:
        return [c.heightForWidth(width) if c.hasHeightForWidth() else c.sizeHint().height() for c in self.cards]

    def _split(self, heights: list[int], avail: int) -> list[list[int]]:
        pages: list[list[int]] = [[]]
        used = 0
        for i, h in enumerate(heights):
            need = h + (self.m.gap if pages[-1] else 0)
            if pages[-1] and used + need > avail:
                pages.append([])
                used, need = 0, h
            pages[-1].append(i)
            used += need
        return pages

    def repaginate(self) -> None:
        """Which cards go on which page, for the present size (on every resize and new cards)."""
        if not self.cards or self.height() <= 0:
            self.pages = [list(range(len(self.cards)))]
            self._show_page()
            return
        avail = self.height()
        pages = self._split(self._heights(self.width()), avail)
        if len(pages) > 1:  # the button column takes its width from the cards
            pages = self._split(self._heights(self.width() - self.column.width() - self.m.gap), avail)
        self.pages = pages
        self.page = min(self.page, len(pages) - 1)
        self._show_page()

    def _show_page(self) -> None:
        shown = set(self.pages[self.page]) if self.pages else set()
        for i, card in enumerate(self.cards):
            card.setVisible(i in shown)
        paged = len(self.pages) > 1
        self.column.setVisible(paged)
        self.up.setEnabled(self.page > 0)
        self.down.setEnabled(self.page < len(self.pages) - 1)
        self.where.setText(f"{self.page + 1}/{len(self.pages)}")

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        super().resizeEvent(event)
        self.repaginate()
