"""Cards (or tiles in columns) shown a page at a time, so that none is ever cut off behind a scrollbar.

A page holds as many whole rows of cards as the height allows. When they do
not all fit, a column of touch-sized ▲ / ▼ buttons turns the pages and shows
"1/3"; when they do, there is no column and nothing moves. (A thin scrollbar
that hides the second card is hard to find and to hit with a finger.) When the
area is too short for ▲, "1/3" and ▼ one above the other, they stand side by
side at its top instead, so that ▼ is never cut off.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from kiosk.views.theme import Metrics
from kiosk.views.widgets import button, label


class CardPager(QWidget):
    def __init__(self, m: Metrics, columns: int = 1, parent: QWidget | None = None, *,
                 side_buttons: bool = True) -> None:
        """``side_buttons``: ▲ / ▼ in a column to the right; else ``self.column`` is a row the
        screen places itself (in its button bar), and the cards keep the whole width."""
        super().__init__(parent)
        self.m = m
        self.columns = max(1, columns)
        self.side_buttons = side_buttons
        self.cards: list[QWidget] = []
        self.pages: list[list[int]] = [[]]
        self.page = 0
        self.row = row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(m.gap)
        self.area = QWidget()
        self.grid = QGridLayout(self.area)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(m.gap)
        for c in range(self.columns):
            self.grid.setColumnStretch(c, 1)
        row.addWidget(self.area, 1)
        side = self.side = round(m.touch * 1.2)
        self.column = QWidget()
        direction = QBoxLayout.Direction.TopToBottom if side_buttons else QBoxLayout.Direction.LeftToRight
        self.col = col = QBoxLayout(direction, self.column)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(m.gap)
        self.up: QPushButton = button("▲", "", lambda: self.turn(-1), name="pageUp")
        self.down: QPushButton = button("▼", "", lambda: self.turn(1), name="pageDown")
        self.where: QLabel = label("", "body", align=Qt.AlignmentFlag.AlignCenter)
        self.where.setMinimumWidth(side)
        for b in (self.up, self.down):
            b.setStyleSheet(f"padding: 0px; font-size: {round(m.font * 1.3)}px;")
            b.setFixedSize(side, side)
        col.addWidget(self.up)
        col.addStretch(1)
        col.addWidget(self.where)
        col.addStretch(1)
        col.addWidget(self.down)
        self.column.hide()
        if side_buttons:
            self.column.setFixedWidth(side)
            row.addWidget(self.column)

    def _stand_column(self, avail: int) -> int:
        """▲ / "1/3" / ▼ one above the other if ``avail`` is tall enough, else side by side; its width."""
        self.col.setDirection(QBoxLayout.Direction.TopToBottom)
        self.col.invalidate()
        upright = avail >= self.col.minimumSize().height()  # the layout's own sum: buttons, label, spacing
        if not upright:
            self.col.setDirection(QBoxLayout.Direction.LeftToRight)
        width = self.side if upright else 2 * self.side + self.where.minimumWidth() + 2 * self.m.gap
        self.column.setFixedWidth(width)
        self.column.setMaximumHeight(16777215 if upright else self.side)  # upright: ▲ at the top, ▼ at the bottom
        self.row.setAlignment(self.column, Qt.AlignmentFlag(0) if upright else Qt.AlignmentFlag.AlignTop)
        return width

    def set_cards(self, cards: list[QWidget]) -> None:
        for card in self.cards:
            self.grid.removeWidget(card)
            card.hide()  # gone at once, not when the event loop gets to deleteLater
            card.setParent(None)
            card.deleteLater()
        self.cards = list(cards)
        for card in self.cards:
            card.setParent(self.area)
            card.hide()
        self.page = 0
        self.repaginate()

    def turn(self, step: int) -> None:
        self.page = max(0, min(len(self.pages) - 1, self.page + step))
        self._show_page()

    def _place(self, shown: list[int]) -> None:
        """Only the cards ``shown`` in the grid, from the top left."""
        for card in self.cards:
            self.grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            if i not in shown:
                card.hide()
        for k, i in enumerate(shown):
            self.grid.addWidget(self.cards[i], k // self.columns, k % self.columns)
            self.cards[i].show()
        rows = -(-len(shown) // self.columns)
        for r in range(self.grid.rowCount()):
            self.grid.setRowStretch(r, 0)
        self.grid.setRowStretch(rows, 1)  # the cards at the top, the room below them

    def _fits(self, shown: list[int], width: int, avail: int) -> bool:
        """Measured by the grid itself: unequal columns (a long word) and wrapped texts included."""
        self._place(shown)
        self.grid.invalidate()
        need = self.grid.heightForWidth(width) if self.grid.hasHeightForWidth() else self.grid.minimumSize().height()
        return need <= avail

    def _measure(self, width: int, avail: int) -> list[list[int]]:
        n = len(self.cards)
        pages: list[list[int]] = []
        current: list[int] = []
        for start in range(0, n, self.columns):
            row = list(range(start, min(n, start + self.columns)))
            if current and not self._fits(current + row, width, avail):
                pages.append(current)
                current = row
            else:
                current = current + row
        pages.append(current)
        return pages

    def repaginate(self) -> None:
        """Which cards go on which page, for the present size (on every resize and new cards)."""
        if not self.cards or self.height() <= 0:
            self.pages = [list(range(len(self.cards)))]
            self._show_page()
            return
        avail = self.height()
        pages = self._measure(self.width(), avail)
        if len(pages) > 1 and self.side_buttons:  # the button column takes its width from the cards
            pages = self._measure(self.width() - self._stand_column(avail) - self.m.gap, avail)
        self.pages = pages
        self.page = min(self.page, len(pages) - 1)
        self._show_page()

    def _show_page(self) -> None:
        self._place(self.pages[self.page] if self.pages else [])
        paged = len(self.pages) > 1
        self.column.setVisible(paged)
        self.up.setEnabled(self.page > 0)
        self.down.setEnabled(self.page < len(self.pages) - 1)
        self.where.setText(f"{self.page + 1}/{len(self.pages)}")

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt API
        super().resizeEvent(event)
        self.repaginate()
