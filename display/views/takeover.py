"""A new call takes the whole screen for a few seconds: number → counter, pulsing.

The written sentence of the announcement is shown underneath, so a customer
who cannot hear the call reads the same words. Calls that come while it is on
screen join it: the overlay then lists them, newest first (how long it stays is
:mod:`display.takeover_policy`'s decision).
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QFontMetricsF, QPainter, QPaintEvent, QPixmap, QRegion
from PyQt6.QtWidgets import QWidget

from display.model import CallView
from display.views import theme
from display.views.textfit import draw_lines, fit
from display.views.widgets import Pulse, _blend
from sorra.i18n import Translator

CENTER = Qt.AlignmentFlag.AlignCenter


class TakeoverOverlay(QWidget):
    shown = pyqtSignal(str)
    hidden_again = pyqtSignal()
    painted = pyqtSignal(str)
    """After each paint, with the number on screen (the benchmark's "the display shows it")."""

    def __init__(self, t: Translator, counter_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.t = t
        self.counter_label = counter_label
        self.calls: list[CallView] = []
        """On screen, newest first (several when calls came close together)."""
        self.sentence = ""
        self.max_calls = 4
        self.number_px = 200
        self.min_number_px = 100
        """The recent calls' size (the 12 mm/m rule): grouped calls are never smaller."""
        self.text_px = 40
        self.sentence_rects: list[QRectF] = []
        self.sentence_box = QRectF()
        self.row_rects: list[QRectF] = []
        self.portrait = False
        self._static: QPixmap | None = None
        self.pulse = Pulse(self, period_s=1.0)
        self.pulse.changed.connect(self._on_pulse)
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self.end)
        # it covers the window with opaque paint: Qt then skips the widgets underneath
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.hide()

    @property
    def call(self) -> CallView | None:
        return self.calls[0] if self.calls else None

    def show_call(self, call: CallView, sentence: str, seconds: float) -> None:
        self.calls = [call]
        self._show(call, sentence, seconds)

    def add_call(self, call: CallView, sentence: str, seconds: float) -> None:
        """Another call while this one is on screen: listed first; the overlay stays ``seconds`` more."""
        self.calls = [call, *[c for c in self.calls if c.number != call.number]][: self.max_calls]
        self._show(call, sentence, seconds)

    def _show(self, call: CallView, sentence: str, seconds: float) -> None:
        self.sentence = sentence
        self._static = None
        self.pulse.start(seconds)
        self._hide_timer.start(int(seconds * 1000))
        self.show()
        self.raise_()
        self.update()
        self.shown.emit(call.number)

    def end(self) -> None:
        self.pulse.stop()
        self._hide_timer.stop()
        self._static = None  # the big glyphs are not kept between calls
        if not self.isHidden():
            self.hide()
            self.hidden_again.emit()

    def _frame(self) -> float:
        return max(10.0, min(self.width(), self.height()) * 0.025)

    def _on_pulse(self, value: float) -> None:
        # only the frame pulses: a pulse step repaints four thin strips, not the screen
        f = int(self._frame()) + 1
        w, h = self.width(), self.height()
        region = QRegion(QRect(0, 0, w, f)) + QRegion(QRect(0, h - f, w, f))
        region += QRegion(QRect(0, 0, f, h)) + QRegion(QRect(w - f, 0, f, h))
        self.update(region)

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001
        self._static = None
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self.call is None:
            return
        if self._static is None or self._static.size() != self.size():
            self._static = self._render()
        p = QPainter(self)
        r = event.rect()
        p.drawPixmap(r, self._static, r)
        t = self.pulse.value if self.pulse.running else 0.0
        color = _blend(theme.ACCENT, theme.TEXT, t * 0.8)
        frame = self._frame() * (0.55 + 0.45 * t)
        w, h = self.width(), self.height()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        for rect in (QRectF(0, 0, w, frame), QRectF(0, h - frame, w, frame),
                     QRectF(0, 0, frame, h), QRectF(w - frame, 0, frame, h)):
            p.drawRect(rect)
        p.end()
        self.painted.emit(self.call.number)

    def _render(self) -> QPixmap:
        """Everything but the pulsing frame, drawn once per call."""
        c = self.call
        assert c is not None
        if len(self.calls) > 1:
            return self._render_group()
        pm = QPixmap(self.size())
        pm.fill(theme.BACKGROUND)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        w, h = self.width(), self.height()
        title = self.t.gettext("Called again") if c.recall else self.t.gettext("Now calling")
        p.setFont(theme.font(int(self.text_px * 1.3), bold=True))
        p.setPen(theme.TEXT)
        p.drawText(QRectF(0, h * 0.04, w, self.text_px * 2.2), CENTER, title)
        nf = theme.number_font(self.number_px)
        m = QFontMetricsF(nf)
        counter_label = c.counter_title or self.counter_label
        label_f = theme.font(self.text_px, bold=True)
        if self.portrait:
            # number above, arrow and counter below
            rows = [(self.t.gettext("Ticket"), c.number, theme.ACCENT),
                    (counter_label, c.counter_label, theme.COUNTER)]
            y = h * 0.14
            block = (h * 0.62) / 2
            for label, value, color in rows:
                p.setFont(label_f)
                p.setPen(theme.MUTED)
                p.drawText(QRectF(0, y, w, self.text_px * 1.6), CENTER, label)
                f = theme.fitted(nf, value, w * 0.9)
                p.setFont(f)
                p.setPen(color)
                p.drawText(QRectF(0, y + self.text_px * 1.4, w, block - self.text_px * 1.4), CENTER, value)
                y += block
        else:
            number_w = m.horizontalAdvance(c.number)
            arrow = "→"
            arrow_w = m.horizontalAdvance(arrow)
            counter_w = max(m.horizontalAdvance(c.counter_label), m.horizontalAdvance("00"))
            gap = self.number_px * 0.35
            total = number_w + arrow_w + counter_w + 2 * gap
            scale = min(1.0, w * 0.92 / total)
            f = theme.number_font(int(self.number_px * scale))
            m = QFontMetricsF(f)
            number_w, arrow_w = m.horizontalAdvance(c.number), m.horizontalAdvance(arrow)
            counter_w = max(m.horizontalAdvance(c.counter_label), m.horizontalAdvance("00"))
            gap *= scale
            x = (w - (number_w + arrow_w + counter_w + 2 * gap)) / 2
            top = h * 0.2
            body_h = h * 0.5
            p.setFont(label_f)
            p.setPen(theme.MUTED)
            p.drawText(QRectF(x, top, number_w, self.text_px * 1.6), CENTER, self.t.gettext("Ticket"))
            cx = x + number_w + arrow_w + 2 * gap
            p.drawText(QRectF(cx - gap, top, counter_w + 2 * gap, self.text_px * 1.6), CENTER, counter_label)
            y = top + self.text_px * 1.6
            p.setFont(f)
            p.setPen(theme.ACCENT)
            p.drawText(QRectF(x, y, number_w, body_h), CENTER, c.number)
            p.setPen(theme.MUTED)
            p.drawText(QRectF(x + number_w + gap, y, arrow_w, body_h), CENTER, arrow)
            p.setPen(theme.COUNTER)
            p.drawText(QRectF(cx, y, counter_w, body_h), CENTER, c.counter_label)
        self._paint_sentence(p)
        p.end()
        return pm

    def _paint_sentence(self, p: QPainter) -> None:
        """The announcement's words, wrapped (two lines rather than a tiny one)."""
        self.sentence_rects = []
        if not self.sentence:
            return
        w, h = self.width(), self.height()
        self.sentence_box = QRectF(w * 0.05, h * 0.8, w * 0.9, h * 0.15)
        f = fit(self.sentence, self.sentence_box.width(), self.sentence_box.height(), self.text_px,
                int(self.text_px * 0.6), bold=False, paginate=False)
        p.setPen(theme.TEXT)
        self.sentence_rects = draw_lines(p, self.sentence_box, f)

    def _render_group(self) -> QPixmap:
        """Several calls close together: one row each, "A042 → 3", the newest highlighted."""
        pm = QPixmap(self.size())
        pm.fill(theme.BACKGROUND)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        w, h = self.width(), self.height()
        p.setFont(theme.font(int(self.text_px * 1.3), bold=True))
        p.setPen(theme.TEXT)
        p.drawText(QRectF(0, h * 0.04, w, self.text_px * 2.2), CENTER, self.t.gettext("Now calling"))
        top = h * 0.04 + self.text_px * 2.4
        area = h * 0.78 - top
        # as many as fit with numbers no smaller than the room's readable minimum, newest first
        fit_rows = max(1, int(area // (max(1, self.min_number_px) * 1.05)))
        calls = self.calls[:fit_rows]
        row_h = area / len(calls)
        self.row_rects = []
        for i, c in enumerate(calls):
            text = f"{c.number}  →  {c.counter_label}"
            f = theme.fitted(theme.number_font(min(self.number_px, int(row_h * 0.82))), text, w * 0.86)
            box = QRectF(w * 0.07, top + i * row_h, w * 0.86, row_h)
            p.setFont(f)
            p.setPen(theme.ACCENT if i == 0 else theme.TEXT)
            p.drawText(box, CENTER, text)
            self.row_rects.append(p.boundingRect(box, int(CENTER.value), text))
        self._paint_sentence(p)
        p.end()
        return pm
