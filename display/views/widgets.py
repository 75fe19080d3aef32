"""The screen's panels: header, current call, recent calls, queue, news ticker.

Each one paints itself from plain data (set_* methods) with QPainter; none
knows about MQTT, files or audio. Sizes come from :mod:`display.sizing`.
"""

from __future__ import annotations

import math
import time
from datetime import datetime

from PyQt6.QtCore import QObject, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent, QPixmap
from PyQt6.QtWidgets import QWidget

from display.model import CallView, QueueRow
from display.sizing import COUNTER_EM
from display.views import theme
from display.views.i18n import long_date, minutes
from display.views.textfit import draw_lines, fit
from sorra.i18n import Translator

ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ALIGN_CENTER = Qt.AlignmentFlag.AlignCenter
QUEUE_MIN_SCALE = 0.85  # the queue's rows shrink this far (not further) before they page


def _blend(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(
        round(a.red() + (b.red() - a.red()) * t),
        round(a.green() + (b.green() - a.green()) * t),
        round(a.blue() + (b.blue() - a.blue()) * t),
    )


class Pulse(QObject):
    """A slow sine 0→1→0 for attention, at a low frame rate (a Pi repaints big text slowly).

    Driven by a QTimer at ``fps`` rather than QVariantAnimation's 60 Hz: the
    pulse is a rhythm, not a motion, and every frame costs a repaint.
    """

    changed = pyqtSignal(float)
    finished = pyqtSignal()

    def __init__(self, parent: QObject | None = None, period_s: float = 1.0, fps: int = 20) -> None:
        super().__init__(parent)
        self.period_s = period_s
        self.value = 0.0
        self._until = 0.0
        self._t0 = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._timer.timeout.connect(self._tick)
        self._interval_ms = int(1000 / fps)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self, seconds: float) -> None:
        self._t0 = time.monotonic()
        self._until = self._t0 + max(0.1, seconds)
        self._timer.start(self._interval_ms)
        self._tick()

    def stop(self) -> None:
        was = self._timer.isActive()
        self._timer.stop()
        self.value = 0.0
        if was:
            self.changed.emit(0.0)
            self.finished.emit()

    def _tick(self) -> None:
        now = time.monotonic()
        if now >= self._until:
            self.stop()
            return
        self.value = 0.5 - 0.5 * math.cos(2 * math.pi * (now - self._t0) / self.period_s)
        self.changed.emit(self.value)


class Panel(QWidget):
    """A rounded dark panel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def paint_panel(self, p: QPainter, color: QColor = theme.PANEL) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        r = min(self.width(), self.height()) * 0.04
        p.drawRoundedRect(QRectF(self.rect()), r, r)


class HeaderBar(QWidget):
    """Logo and office name on the left; offline mark, clock and date on the right."""

    def __init__(self, t: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.t = t
        self.lang = t.lang
        self.office = ""
        self.logo: QPixmap | None = None
        self._logo_path = ""
        self.online = True
        self.font_px = 32
        self.name_box = QRectF()
        self.name_rects: list[QRectF] = []
        """Where the office name was drawn (tests: it stays inside ``name_box``)."""
        self.now = datetime.now
        self._shown_minute = ""
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(1000)

    def set_office(self, name: str, logo_path: str | None) -> None:
        if logo_path != self._logo_path:
            self._logo_path = logo_path or ""
            pm = QPixmap(self._logo_path) if logo_path else QPixmap()
            self.logo = None if pm.isNull() else pm.scaledToHeight(
                max(1, int(self.height() * 0.72)), Qt.TransformationMode.SmoothTransformation)
        if name != self.office or logo_path:
            self.office = name
            self.update()

    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.update()

    def _tick(self) -> None:
        minute = self.now().strftime("%Y%m%d%H%M")
        if minute != self._shown_minute:
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        now = self.now()
        self._shown_minute = now.strftime("%Y%m%d%H%M")
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), theme.PANEL)
        p.fillRect(0, self.height() - 3, self.width(), 3, theme.ACCENT)
        h, w = self.height(), self.width()
        pad = h * 0.25
        x = pad
        if self.logo is not None:
            if self.logo.height() != int(h * 0.72):
                self.logo = self.logo.scaledToHeight(int(h * 0.72), Qt.TransformationMode.SmoothTransformation)
            p.drawPixmap(int(x), int((h - self.logo.height()) / 2), self.logo)
            x += self.logo.width() + pad
        # right: the clock; left: office name over the date; the offline mark between
        clock_f = theme.font(int(self.font_px * 1.35), bold=True)
        clock = now.strftime("%H:%M")
        p.setFont(clock_f)
        cw = QFontMetricsF(clock_f).horizontalAdvance(clock)
        p.setPen(theme.TEXT)
        right = w - pad
        p.drawText(QRectF(right - cw, 0, cw, h), ALIGN_RIGHT, clock)
        right -= cw + pad
        if not self.online:
            mark = "⚠ " + self.t.gettext("Offline")
            mf = theme.font(int(self.font_px * 0.7), bold=True)
            mw = QFontMetricsF(mf).horizontalAdvance(mark) + pad
            box = QRectF(right - mw, h * 0.28, mw, h * 0.44)
            p.setPen(theme.WARN)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(box, box.height() / 2, box.height() / 2)
            p.setFont(mf)
            p.drawText(box, ALIGN_CENTER, mark)
            right -= mw + pad
        avail = max(10.0, right - x)
        name_f = theme.fitted(theme.font(self.font_px, bold=True), self.office, avail)
        p.setPen(theme.TEXT)
        if name_f.pixelSize() < self.font_px * 0.75:
            # a long office name: two lines over the whole bar rather than cut short; the clock stays
            self.name_box = QRectF(x, h * 0.06, avail, h * 0.86)
            fitted = fit(self.office, avail, self.name_box.height(), self.font_px, int(self.font_px * 0.7),
                         paginate=False)
            self.name_rects = draw_lines(p, self.name_box, fitted, align=Qt.AlignmentFlag.AlignLeft)
            p.end()
            return
        p.setFont(name_f)
        self.name_box = QRectF(x, h * 0.08, avail, h * 0.52)
        p.drawText(self.name_box, ALIGN_LEFT, self.office)
        self.name_rects = [p.boundingRect(self.name_box, int(ALIGN_LEFT.value), self.office)]
        date_f = theme.font(int(self.font_px * 0.72))
        p.setFont(date_f)
        p.setPen(theme.MUTED)
        p.drawText(QRectF(x, h * 0.56, avail, h * 0.36), ALIGN_LEFT, long_date(now, self.lang))
        p.end()


class CallPanel(Panel):
    """The current call, highlighted: number → counter, with an attention pulse.

    The text is drawn once per call into a transparent layer; a pulse frame
    only refills the background and blits that layer.
    """

    painted = pyqtSignal(str)
    """Emitted after a paint, with the number on screen ("" when none): tests and the benchmark."""

    GLOW = QColor("#2b5c9e")  # pulse background: yellow text on it stays above 4.5:1

    def __init__(self, t: Translator, counter_label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.t = t
        self.counter_label = counter_label
        self.call: CallView | None = None
        self.number_px = 100
        self.text_px = 30
        self._layer: QPixmap | None = None
        self.pulse = Pulse(self, period_s=0.9)
        self.pulse.changed.connect(lambda _v: self.update())

    def set_call(self, call: CallView | None) -> None:
        if call != self.call:
            self.call = call
            self._layer = None
            self.update()

    def attention(self, seconds: float = 6.0) -> None:
        """Pulse for about ``seconds`` (restarts on a new call)."""
        self.pulse.start(seconds)

    @property
    def animating(self) -> bool:
        return self.pulse.running

    def resizeEvent(self, event) -> None:  # noqa: N802, ANN001
        self._layer = None
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        t = self.pulse.value if self.pulse.running else 0.0
        self.paint_panel(p, _blend(theme.PANEL, self.GLOW, t))
        h = self.height()
        border = max(3.0, h * 0.02)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.ACCENT)
        p.drawRect(QRectF(0, 0, border * (2 + 2 * t), h))  # the highlight bar swells with the pulse
        if self._layer is None or self._layer.size() != self.size():
            self._layer = self._render_layer()
        p.drawPixmap(0, 0, self._layer)
        p.end()
        self.painted.emit(self.call.number if self.call else "")

    def _render_layer(self) -> QPixmap:
        layer = QPixmap(self.size())
        layer.fill(Qt.GlobalColor.transparent)
        p = QPainter(layer)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        w, h = self.width(), self.height()
        pad = self.text_px * 0.6
        label_h = self.text_px * 1.5
        counter_w = self.number_px * COUNTER_EM
        call = self.call
        p.setFont(theme.font(self.text_px, bold=True))
        p.setPen(theme.MUTED)
        title = self.t.gettext("Called again") if call and call.recall else self.t.gettext("Now calling")
        p.drawText(QRectF(pad * 1.5, 0, w - counter_w - pad * 2, label_h), ALIGN_LEFT, title)
        right_label = (call.counter_title if call else "") or self.counter_label
        p.setFont(theme.fitted(theme.font(self.text_px, bold=True), right_label, counter_w + pad))
        p.drawText(QRectF(w - counter_w - pad * 2, 0, counter_w + pad, label_h), ALIGN_RIGHT, right_label)
        body = QRectF(pad * 1.5, label_h, w - pad * 3.5 - counter_w, h - label_h - pad * 0.3)
        if call is None:
            p.setFont(theme.font(self.text_px))
            p.drawText(body, ALIGN_LEFT, self.t.gettext("No calls yet"))
        else:
            p.setFont(theme.fitted(theme.number_font(self.number_px), call.number, body.width()))
            p.setPen(theme.ACCENT)
            p.drawText(body, ALIGN_LEFT, call.number)
            p.setFont(theme.fitted(theme.number_font(self.number_px), call.counter_label, counter_w))
            p.setPen(theme.COUNTER)
            p.drawText(QRectF(w - counter_w - pad * 2, label_h, counter_w + pad, body.height()),
                       ALIGN_RIGHT, call.counter_label)
        p.end()
        return layer


class RecentList(QWidget):
    """Earlier calls: number and counter per row (several columns on a portrait screen)."""

    def __init__(self, t: Translator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.t = t
        self.calls: list[CallView] = []
        self.number_px = 80
        self.text_px = 30
        self.rows = 3
        self.cols = 1

    def set_calls(self, calls: list[CallView]) -> None:
        calls = calls[: self.rows * self.cols]
        if calls != self.calls:
            self.calls = calls
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w = self.width()
        label_h = self.text_px * 1.5
        p.setFont(theme.font(self.text_px, bold=True))
        p.setPen(theme.MUTED)
        pad = self.text_px * 0.6
        p.drawText(QRectF(pad * 1.5, 0, w, label_h), ALIGN_LEFT, self.t.gettext("Previous calls"))
        if self.rows <= 0:
            p.end()
            return
        row_h = (self.height() - label_h) / self.rows
        col_w = w / self.cols
        counter_w = self.number_px * COUNTER_EM
        nf = theme.number_font(self.number_px)
        for i, c in enumerate(self.calls):
            col, row = divmod(i, self.rows) if self.cols > 1 else (0, i)
            x = col * col_w
            y = label_h + row * row_h
            p.setPen(theme.PANEL_LINE)
            p.drawLine(int(x + pad), int(y), int(x + col_w - pad), int(y))
            box = QRectF(x + pad * 1.5, y, col_w - counter_w - pad * 3.5, row_h)
            p.setFont(theme.fitted(nf, c.number, box.width()))
            p.setPen(theme.TEXT)
            p.drawText(box, ALIGN_LEFT, c.number)
            p.setFont(theme.fitted(nf, c.counter_label, counter_w))
            p.setPen(theme.COUNTER)
            p.drawText(QRectF(x + col_w - counter_w - pad * 2, y, counter_w + pad, row_h), ALIGN_RIGHT,
                       c.counter_label)
        p.end()


class QueuePanel(Panel):
    """Waiting count and estimated wait per service; pages through them if they do not fit.

    A narrow panel (a landscape screen's side column) puts the name on one line and
    the figures on the next, so service names need not be cut short.
    """

    def __init__(self, t: Translator, parent: QWidget | None = None, page_s: float = 8.0) -> None:
        super().__init__(parent)
        self.t = t
        self.rows: list[QueueRow] = []
        self.total = 0
        self.text_px = 30
        self.sizing_h: int | None = None
        """The height the text is sized for, when the panel grows for a while (a notice below)."""
        self.page = 0
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._next_page)
        self._timer.start(int(page_s * 1000))

    def set_rows(self, rows: list[QueueRow], total: int) -> None:
        if rows != self.rows or total != self.total:
            self.rows, self.total = list(rows), total
            self.update()

    @property
    def two_lines(self) -> bool:
        return self.width() < self.text_px * 22

    def _row_em(self) -> float:
        return 2.5 if self.two_lines else 1.45

    @property
    def px(self) -> int:
        """The text size: ``text_px``, up to a third larger when the rows leave room, or down to
        :data:`QUEUE_MIN_SCALE` of it when that shows every service at once instead of paging."""
        rows = max(1, len(self.rows))
        fit = (self.sizing_h or self.height()) / (2.2 + rows * self._row_em())  # the head, the rows and a margin (per_page)
        if fit < self.text_px and fit >= self.text_px * QUEUE_MIN_SCALE:
            return int(fit)
        return int(max(self.text_px, min(self.text_px * 1.35, fit)))

    def _row_h(self) -> float:
        return self.px * self._row_em()

    def _head_h(self) -> float:
        return self.px * 1.8

    def per_page(self) -> int:
        return max(1, int((self.height() - self._head_h() - self.px * 0.4) / self._row_h() + 1e-6))

    def pages(self) -> int:
        return max(1, -(-len(self.rows) // self.per_page()))

    def _next_page(self) -> None:
        if self.pages() > 1:
            self.page = (self.page + 1) % self.pages()
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint_panel(p)
        w = self.width()
        px = self.px
        pad = px * 0.7
        head = self._head_h()
        two = self.two_lines
        title = self.t.gettext("Waiting")
        # the title ends where "Est. wait" may begin (an empty queue sizes its text up)
        p.setFont(theme.fitted(theme.font(px, bold=True), title, w * 0.6 - 2 * pad))
        p.setPen(theme.TEXT)
        p.drawText(QRectF(pad, 0, w * 0.6, head), ALIGN_LEFT, title)
        est_w = w * (0.5 if two else 0.28)
        count_w = w * 0.15
        small = theme.font(int(px * 0.75))
        p.setFont(theme.fitted(small, self.t.gettext("Est. wait"), w * 0.38))
        p.setPen(theme.MUTED)
        p.drawText(QRectF(w * 0.6 - pad, 0, w * 0.4, head), ALIGN_RIGHT, self.t.gettext("Est. wait"))
        n = self.per_page()
        self.page = min(self.page, self.pages() - 1)
        shown = self.rows[self.page * n : (self.page + 1) * n]
        row_h = self._row_h()
        line_h = row_h / 2 if two else row_h
        name_space = (w - 2 * pad) if two else (w - 2 * pad - est_w - count_w - pad)
        # one size for every name: the longest shrinks (to 80 % of the base size), then it is elided
        longest = max((r.name for r in shown), key=len, default="")
        name_f = theme.elided_font(theme.fitted(theme.font(px), longest, name_space),
                                   self.text_px * 0.8)
        for i, r in enumerate(shown):
            y = head + i * row_h
            p.setPen(theme.PANEL_LINE)
            p.drawLine(int(pad), int(y), int(w - pad), int(y))
            p.setFont(name_f)
            p.setPen(theme.TEXT)
            name = QFontMetricsF(name_f).elidedText(r.name, Qt.TextElideMode.ElideRight, name_space)
            p.drawText(QRectF(pad, y, name_space, line_h), ALIGN_LEFT, name)
            fy = y + line_h if two else y
            p.setFont(theme.font(px, bold=True))
            p.setPen(theme.ACCENT)
            if two:
                p.drawText(QRectF(pad, fy, count_w * 2, line_h), ALIGN_LEFT, str(r.waiting))
            else:
                p.drawText(QRectF(w - pad - est_w - count_w - pad, fy, count_w, line_h), ALIGN_RIGHT,
                           str(r.waiting))
            if r.open:
                est = minutes(r.est_wait_s, self.t) if r.waiting else "–"
                color = theme.MUTED
            else:
                est, color = self.t.gettext("Closed"), theme.CLOSED
            p.setFont(theme.fitted(theme.font(int(px * 0.9)), est, est_w))
            p.setPen(color)
            p.drawText(QRectF(w - pad - est_w, fy, est_w, line_h), ALIGN_RIGHT, est)
        if self.pages() > 1:
            p.setPen(theme.MUTED)
            p.setFont(theme.font(int(px * 0.6)))
            p.drawText(QRectF(0, self.height() - px, w - pad, px), ALIGN_RIGHT,
                       f"{self.page + 1}/{self.pages()}")
        p.end()


class Ticker(QWidget):
    """A news line scrolling right to left; the text is drawn once into a pixmap."""

    SEPARATOR = "     •     "

    def __init__(self, parent: QWidget | None = None, fps: int = 30) -> None:
        super().__init__(parent)
        self.items: list[str] = []
        self.font_px = 30
        self.speed = 1.0
        self.offset = 0.0
        self._strip: QPixmap | None = None
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._step)
        self._interval_ms = int(1000 / fps)

    def set_items(self, items: list[str]) -> None:
        items = [i for i in items if i.strip()]
        if items != self.items:
            self.items = items
            self._strip = None
            self.offset = 0.0
            self.update()
        if self.items and not self._timer.isActive():
            self._timer.start(self._interval_ms)
        elif not self.items:
            self._timer.stop()

    def _render_strip(self) -> QPixmap:
        text = self.SEPARATOR.join(self.items) + self.SEPARATOR
        f = theme.font(self.font_px, bold=True)
        width = int(QFontMetricsF(f).horizontalAdvance(text)) + 1
        strip = QPixmap(max(1, width), max(1, self.height()))
        strip.fill(theme.PANEL)
        p = QPainter(strip)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.setFont(f)
        p.setPen(theme.TEXT)
        p.drawText(QRectF(0, 0, width, self.height()), ALIGN_LEFT, text)
        p.end()
        return strip

    def _step(self) -> None:
        if self._strip is None:
            return
        # about one character height every 0.4 s at speed 1.0
        self.offset += self.font_px * 2.5 * self.speed * self._interval_ms / 1000
        if self.offset >= self._strip.width():
            self.offset -= self._strip.width()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), theme.PANEL)
        if self.items:
            if self._strip is None or self._strip.height() != self.height():
                self._strip = self._render_strip()
            x = -int(self.offset)
            while x < self.width():
                p.drawPixmap(x, 0, self._strip)
                x += self._strip.width()
        p.end()
