"""Building blocks of the kiosk screens: buttons, tiles, banners, the QR code."""

from __future__ import annotations

from collections.abc import Callable

import qrcode
from PyQt6.QtCore import QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QPainter
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.views import theme


def button(text: str = "", kind: str = "", on_click: Callable[[], None] | None = None, *, name: str = "") -> QPushButton:
    b = QPushButton(text)
    if kind:
        b.setProperty("kind", kind)
    if name:
        b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    if on_click is not None:
        b.clicked.connect(lambda _checked=False: on_click())
    return b


def page(widget: QWidget, metrics: theme.Metrics, style: str = "") -> QVBoxLayout:
    """Make ``widget`` a full kiosk screen (title, page background, the screen's size): its root layout."""
    widget.setWindowTitle("Sorra")
    widget.setObjectName("page")
    widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    widget.setStyleSheet(theme.stylesheet(metrics) + style)
    widget.setFixedSize(metrics.width, metrics.height)
    root = QVBoxLayout(widget)
    root.setContentsMargins(0, 0, 0, 0)
    root.setSpacing(0)
    return root


def label(text: str = "", name: str = "body", *, wrap: bool = True, align: Qt.AlignmentFlag | None = None) -> QLabel:
    lab = QLabel(text)
    lab.setObjectName(name)
    lab.setWordWrap(wrap)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    if align is not None:
        lab.setAlignment(align)
    return lab




class Tile(QFrame):
    """A big touch tile: a title, a line of detail, a footer (e.g. "3 waiting · about 12 min").

    A frame rather than a QPushButton so that its height follows its wrapped
    text; it clicks like a button (press and release inside).
    """

    clicked = pyqtSignal()

    def __init__(self, title: str, detail: str, foot: str, height: int, on_click: Callable[[], None]) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setMinimumHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setProperty("down", False)
        box = QVBoxLayout(self)
        box.setContentsMargins(18, 12, 18, 12)
        box.setSpacing(4)
        self.title = label(title, "tileTitle")
        self.detail = label(detail, "tileDetail")
        self.foot = label(foot, "tileFoot")
        for lab in (self.title, self.detail, self.foot):
            lab.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            box.addWidget(lab)
        self.detail.setVisible(bool(detail))
        self.foot.setVisible(bool(foot))
        box.addStretch(1)
        self.clicked.connect(on_click)

    def setEnabled(self, on: bool) -> None:  # noqa: N802 - Qt API
        super().setEnabled(on)
        self.setObjectName("tile" if on else "tileOff")
        self._repolish()

    def _repolish(self) -> None:
        for w in (self, self.title, self.detail, self.foot):
            w.style().unpolish(w)
            w.style().polish(w)

    def _set_down(self, down: bool) -> None:
        self.setProperty("down", down)
        self._repolish()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.button() == Qt.MouseButton.LeftButton:
            self._set_down(True)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt API
        was_down = bool(self.property("down"))
        self._set_down(False)
        if was_down and self.rect().contains(event.position().toPoint()) and self.isEnabled():
            self.clicked.emit()
        event.accept()


def tile_style(m: theme.Metrics) -> str:
    f = m.font
    return (
        f"QFrame#tile {{ background: {theme.SURFACE}; border: 3px solid {theme.BORDER}; border-radius: 12px; }}"
        f"QFrame#tile[down=\"true\"] {{ background: {theme.SELECTED_BG}; border-color: {theme.PRIMARY}; }}"
        f"QFrame#tileOff {{ background: {theme.DISABLED_BG}; border: 3px solid {theme.DISABLED_BG}; border-radius: 12px; }}"
        f"QLabel#tileTitle {{ font-size: {round(f * 1.0)}px; font-weight: bold; color: {theme.INK}; }}"
        f"QLabel#tileDetail {{ font-size: {round(f * 0.72)}px; color: {theme.MUTED}; }}"
        f"QLabel#tileFoot {{ font-size: {round(f * 0.72)}px; color: {theme.MUTED}; font-weight: bold; }}"
        f"QFrame#tileOff QLabel {{ color: {theme.DISABLED_INK}; }}"
    )


class Banner(QLabel):
    """A coloured message strip: ok (green), error (red), warn (yellow), info (white)."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setMargin(14)
        self.hide()

    def show_message(self, kind: str, text: str) -> None:
        if not text:
            self.hide()
            return
        self.setObjectName(f"banner_{kind}")
        self.setText(text)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()


class QrView(QWidget):
    """A QR code drawn module by module (sharp at any size), black on white with a quiet zone."""

    def __init__(self, side: int) -> None:
        super().__init__()
        self._matrix: list[list[bool]] = []
        self._side = side
        self.setFixedSize(side, side)
        self.data = ""

    def set_data(self, data: str) -> None:
        if data == self.data:
            return
        self.data = data
        if data:
            qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
            qr.add_data(data)
            qr.make(fit=True)
            self._matrix = qr.get_matrix()
        else:
            self._matrix = []
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self._side, self._side)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#FFFFFF"))
        n = len(self._matrix)
        if not n:
            return
        quiet = 2
        cell = self._side / (n + 2 * quiet)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#000000"))
        for y, row in enumerate(self._matrix):
            for x, dark in enumerate(row):
                if dark:
                    p.drawRect(QRectF((x + quiet) * cell, (y + quiet) * cell, cell + 0.5, cell + 0.5))
        p.end()


def row(*widgets: QWidget, spacing: int = 12, stretch_first: bool = False) -> QHBoxLayout:
    box = QHBoxLayout()
    box.setSpacing(spacing)
    for i, w in enumerate(widgets):
        box.addWidget(w, 1 if (stretch_first and i == 0) else 0)
    return box


def keypad_layout(box: QVBoxLayout, m: theme.Metrics, side: QVBoxLayout, keys: QLayout,
                  back: QPushButton, submit: QPushButton) -> None:
    """A screen for typing on a keypad: the texts (``side``), the keys, and Back + the wide submit button.

    Portrait: texts, the keys centred below, the buttons at the bottom.
    Landscape: texts with the buttons under them on the left, the keys on the right.
    """
    bar = QHBoxLayout()
    bar.addWidget(back)
    bar.addWidget(submit, 1)
    if m.portrait:
        box.addLayout(side)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addLayout(keys)
        centred.addStretch(1)
        box.addLayout(centred)
        box.addStretch(1)
        box.addLayout(bar)
    else:
        side.addLayout(bar)
        body = QHBoxLayout()
        body.setSpacing(m.gap * 2)
        body.addLayout(side, 1)
        body.addLayout(keys)
        box.addLayout(body, 1)


class WrapButton(QPushButton):
    """A push button whose text wraps onto more lines instead of being cut off at both ends.

    For long sentences on a narrow (portrait) screen: "Elsőbbséget kérek
    (idős, fogyatékkal élő vagy várandós)". The text is a label inside the
    button that lets touches through; the button grows to the wrapped height.
    """

    def __init__(self, kind: str = "", *, name: str = "", min_height: int = 0) -> None:
        super().__init__()
        if kind:
            self.setProperty("kind", kind)
        if name:
            self.setObjectName(name)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.min_height = min_height
        self.text_label = label("", "wrapText", align=Qt.AlignmentFlag.AlignCenter)
        self.text_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        box = QHBoxLayout(self)
        box.setContentsMargins(18, 8, 18, 8)
        box.addWidget(self.text_label)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.toggled.connect(self._mark)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        self.text_label.setText(text)
        self.updateGeometry()

    def text(self) -> str:
        return self.text_label.text()

    def _mark(self, on: bool) -> None:
        self.text_label.setProperty("on", on)
        self.text_label.style().unpolish(self.text_label)
        self.text_label.style().polish(self.text_label)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt API
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt API
        m = self.layout().contentsMargins()
        text_h = self.text_label.heightForWidth(max(1, width - m.left() - m.right()))
        return max(self.min_height, text_h + m.top() + m.bottom())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        w = self.text_label.sizeHint().width() + 36
        return QSize(w, self.heightForWidth(w))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(self.min_height, self.min_height)
