"""Screen layout from the TV's size and the room: pure arithmetic, no Qt.

The readability rule: a ticket number's **cap height is at least 12 mm per
metre** of the farthest seat (8 m → 96 mm). From the diagonal and the pixel
size we know the pixels per millimetre, hence the minimum font pixel size of
every ticket number on screen (current call and recent calls). Everything else
is laid out around that:

* landscape: header | calls column (left) + information column (queue, media) | ticker;
* portrait: header / current call / recent calls / queue / media / ticker, stacked.

When the screen is too small for the room (a 43" TV for a 10 m hall), the
calls column may take at most :data:`MAX_CALLS_SHARE` of the width; the numbers
are then as large as that allows, ``fits`` is False and ``readable_m`` says up
to which distance the numbers still meet the rule. The app logs that, and
``sorra display --screenshots`` writes it next to the PNGs.

Notices and other running text (the information area's text slides) follow a
gentler rule, :data:`TEXT_CAP_MM_PER_M` (3 mm per metre: twice the 20/20
acuity limit of 5 arc minutes, 1.45 mm per metre), at the same farthest seat.
``notice_px`` is that minimum, capped so that the information area still holds
three lines of about ten letters; text that does not fit at it wraps and pages.

In landscape the earlier calls seldom fill the calls column (one 96 mm number
at 8 m leaves most of a row free), and the media slot is only a third of the
width, where a two-sentence notice at its minimum takes four pages. So the
layout also offers ``notice``: a band across the whole width under the calls
and the queue panel (which then grows down to it). The view puts a text slide
there when it needs fewer pages there (or the same pages at a larger size).

Font metrics are those of DejaVu Sans (Condensed) Bold, the numbers' font:
cap height 0.729 em; "A042" is 2.57 em wide. The views measure the real text
too and never draw past their box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["Layout", "Rect", "compute", "parse_resolution", "CAP_MM_PER_M", "TEXT_CAP_MM_PER_M"]

CAP_MM_PER_M = 12.0
TEXT_CAP_MM_PER_M = 3.0
TEXT_LINE_EM = 1.3  # DejaVu Sans Bold line height (1.164 em) with the views' line spacing
TEXT_CHAR_EM = 0.7  # an average bold letter, a little generous
CAP_EM = 0.729  # DejaVu Sans cap height / em
NUMBER_EM = 2.75  # width of a 4-character ticket number ("A042"; "M888" is 2.8) in condensed bold
COUNTER_EM = 1.3  # a counter number up to 2 digits
ROW_EM = NUMBER_EM + 0.6 + COUNTER_EM + 0.4  # number, gap, counter, paddings
ROW_HEIGHT_EM = 1.0  # numbers have no descenders: cap height 0.73 em plus a quarter em between rows
MAX_CALLS_SHARE = 0.71  # 0.70 cut a 1280x720 43" one pixel short of the 1920x1080 mode of the same TV
CURRENT_SCALE = 1.3  # the current call is larger than the recent ones when there is room


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    def tuple(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    portrait: bool
    px_per_mm: float
    distance_m: float
    number_px: int
    """Font pixel size of recent-call ticket numbers (the readability minimum, if it fits)."""
    current_px: int
    """Font pixel size of the current call's number."""
    takeover_px: int
    """Font pixel size of the number when a new call fills the screen."""
    text_px: int
    """Labels, service names, queue figures."""
    header_px: int
    ticker_px: int
    header: Rect
    current: Rect
    recent: Rect
    recent_rows: int
    recent_cols: int
    queue: Rect
    media: Rect
    ticker: Rect
    fits: bool
    readable_m: float
    notice_px: int = 0
    """The smallest font pixel size of notices (text slides); they wrap and page rather than shrink below."""
    notice: Rect | None = None
    """Landscape: the full-width band under the calls a text slide may take instead of ``media``."""
    notice_queue: Rect | None = None
    """The queue panel while a notice takes ``notice`` (it grows down to the band)."""
    notes: list[str] = field(default_factory=list)

    def cap_mm(self, font_px: int) -> float:
        return font_px * CAP_EM / self.px_per_mm

    def _mm(self, font_px: int) -> str:
        return f"{math.floor(self.cap_mm(font_px) * 10) / 10:.1f} mm"  # never rounded up past the rule

    def summary(self) -> str:
        need = CAP_MM_PER_M * self.distance_m
        recent = self.recent_rows * self.recent_cols
        if self.numbers_fit:
            verdict = (f"ticket numbers: OK, readable up to {self.readable_m:.1f} m "
                       f"(farthest seat {self.distance_m:g} m)")
        else:
            verdict = (f"ticket numbers: TOO SMALL for this room, readable only up to {self.readable_m:.1f} m "
                       f"(farthest seat {self.distance_m:g} m): a larger TV or a nearer farthest seat")
        lines = [
            f"screen {self.width}x{self.height} {'portrait' if self.portrait else 'landscape'}, "
            f"{self.px_per_mm:.3f} px/mm",
            f"farthest seat {self.distance_m:g} m → ticket numbers need ≥ {need:.0f} mm cap height",
            f"recent numbers: {self.number_px} px font = {self._mm(self.number_px)} cap; "
            f"current call: {self.current_px} px = {self._mm(self.current_px)}; "
            f"takeover: {self.takeover_px} px = {self._mm(self.takeover_px)}",
            verdict,
            f"earlier calls shown: {recent}" + ("" if recent else " (none fits: TOO SMALL for this room)"),
            f"notices: at least {self.notice_px} px = {self._mm(self.notice_px)} cap, readable up to "
            f"{self.notice_readable_m:.1f} m ({TEXT_CAP_MM_PER_M:g} mm per metre); longer ones wrap and page",
            *([f"a notice that pages less there spans the width under the calls: "
                f"{self.notice.w}x{self.notice.h} px"] if self.notice else []),
            *self.notes,
        ]
        return "\n".join(lines)

    @property
    def numbers_fit(self) -> bool:
        """The ticket numbers meet the 12 mm/m rule at the farthest seat."""
        return self.number_px >= min_number_px(self.px_per_mm, self.distance_m)

    @property
    def notice_readable_m(self) -> float:
        return _floor1(self.cap_mm(self.notice_px) / TEXT_CAP_MM_PER_M)


def parse_resolution(text: str) -> tuple[int, int]:
    w, h = text.lower().split("x")
    return int(w), int(h)


def _px_per_mm(width: int, height: int, diagonal_in: float) -> float:
    diag_px = math.hypot(width, height)
    return diag_px / (diagonal_in * 25.4)  # square pixels


def min_number_px(px_per_mm: float, distance_m: float) -> int:
    """The smallest font pixel size whose cap height meets the 12 mm/m rule."""
    return math.ceil(CAP_MM_PER_M * distance_m * px_per_mm / CAP_EM)


def compute(width: int, height: int, diagonal_in: float, distance_m: float,
            max_recent: int = 6, show_queue: bool = True) -> Layout:
    ppm = _px_per_mm(width, height, diagonal_in)
    need = min_number_px(ppm, distance_m)
    if height > width:
        return _portrait(width, height, ppm, distance_m, need, max_recent, show_queue)
    return _landscape(width, height, ppm, distance_m, need, max_recent, show_queue)


def _floor1(metres: float) -> float:
    """Down to 0.1 m: a distance is only claimed when it is met (7.96 m is "7.9 m", not "8.0 m")."""
    return math.floor(metres * 10 + 1e-6) / 10


def _readable(px: int, ppm: float) -> float:
    return _floor1(px * CAP_EM / ppm / CAP_MM_PER_M)


def _notice_px(ppm: float, d: float, media: Rect) -> int:
    """The readable minimum of notice text, capped so the media box holds three lines of ten letters."""
    rule = math.ceil(TEXT_CAP_MM_PER_M * d * ppm / CAP_EM)
    by_height = media.h * 0.8 / (3 * TEXT_LINE_EM)
    by_width = media.w * 0.9 / (10 * TEXT_CHAR_EM)
    return max(8, min(rule, int(by_height), int(by_width)))


def _landscape(w: int, h: int, ppm: float, d: float, need: int, max_recent: int,
               show_queue: bool) -> Layout:
    notes: list[str] = []
    margin = round(h * 0.015)
    header_h = round(h * 0.085)
    ticker_h = round(h * 0.07)
    body_y = header_h
    body_h = h - header_h - ticker_h
    text_px = round(h * 0.034)
    label_h = round(text_px * 1.5)

    # recent-call numbers: the minimum, unless the column would be too wide or too tall
    number_px = need
    max_by_width = int(w * MAX_CALLS_SHARE / ROW_EM)
    # the current call + one recent row must fit in the body
    max_by_height = int((body_h - 2 * label_h - 2 * margin) / (2 * ROW_HEIGHT_EM))
    fits = number_px <= min(max_by_width, max_by_height)
    if not fits:
        number_px = min(max_by_width, max_by_height)
        notes.append("numbers reduced: the screen is too small for the farthest seat")
    row_h = math.ceil(number_px * ROW_HEIGHT_EM)
    calls_w = max(round(w * 0.36), math.ceil(number_px * ROW_EM))
    calls_w = min(calls_w, round(w * MAX_CALLS_SHARE))

    # the current call: larger if the column has room for it
    current_px = min(round(number_px * CURRENT_SCALE), int((calls_w - 2 * margin) / ROW_EM))
    current_px = max(current_px, number_px)
    current_h = label_h + math.ceil(current_px * ROW_HEIGHT_EM) + margin
    rows = max(0, min(max_recent, (body_h - current_h - label_h - 2 * margin) // row_h))
    plain_h = label_h + row_h + margin
    plain_rows = max(0, min(max_recent, (body_h - plain_h - label_h - 2 * margin) // row_h))
    if plain_rows > rows and rows < 3:
        # a larger current call is not worth a recent call less (it is highlighted anyway)
        current_px, current_h, rows = number_px, plain_h, plain_rows
    current = Rect(margin, body_y + margin, calls_w - margin, current_h)
    recent_y = current.y + current.h + margin
    recent = Rect(margin, recent_y, calls_w - margin, label_h + rows * row_h)

    info_x = calls_w + 2 * margin
    info_w = w - info_x - margin
    # the media slot is 16:9 at the column's width; the queue panel gets what is left above it
    media_h = min(round(body_h * 0.6), round(info_w * 9 / 16) + 2 * margin)
    queue_h = body_h - media_h - 3 * margin if show_queue else 0
    queue = Rect(info_x, body_y + margin, info_w, queue_h)
    media_y = queue.y + queue.h + (margin if show_queue else 0)
    media = Rect(info_x, media_y, info_w, body_y + body_h - margin - media_y)

    notice_px = _notice_px(ppm, d, media)
    notice, notice_queue = _notice_band(margin, w, body_y + body_h, recent, queue if show_queue else None,
                                        notice_px)

    takeover_px = int(min(w * 0.9 / (NUMBER_EM + 1.0 + COUNTER_EM + 0.8), h * 0.42 / ROW_HEIGHT_EM))
    return Layout(
        width=w, height=h, portrait=False, px_per_mm=ppm, distance_m=d,
        number_px=number_px, current_px=current_px, takeover_px=max(takeover_px, current_px),
        text_px=text_px, header_px=round(header_h * 0.42), ticker_px=round(ticker_h * 0.5),
        header=Rect(0, 0, w, header_h), current=current, recent=recent, recent_rows=rows,
        recent_cols=1, queue=queue, media=media, ticker=Rect(0, h - ticker_h, w, ticker_h),
        fits=fits and rows >= 1, readable_m=_readable(number_px, ppm), notes=notes,
        notice_px=notice_px, notice=notice, notice_queue=notice_queue,
    )


def _notice_band(margin: int, w: int, body_end: int, recent: Rect, queue: Rect | None,
                 notice_px: int) -> tuple[Rect | None, Rect | None]:
    """The full-width band under the earlier calls (and the queue), if it holds a line of a notice."""
    top = recent.y + recent.h
    if queue is not None:
        top = max(top, queue.y + queue.h)
    y = top + margin // 2  # the numbers above have no descenders: their row ends in blank space
    h = body_end - margin - y
    if h * 0.92 < notice_px * TEXT_LINE_EM:  # not even one line (the view pads the box by 4 %)
        return None, None
    band = Rect(margin, y, w - 2 * margin, h)
    grown = Rect(queue.x, queue.y, queue.w, y - margin - queue.y) if queue is not None else None
    return band, grown


def _portrait(w: int, h: int, ppm: float, d: float, need: int, max_recent: int,
              show_queue: bool) -> Layout:
    notes: list[str] = []
    margin = round(w * 0.02)
    header_h = round(h * 0.06)
    ticker_h = round(h * 0.045)
    text_px = round(w * 0.034)
    label_h = round(text_px * 1.5)
    media_h = round((w - 2 * margin) * 9 / 16)  # a 16:9 slot at full width
    queue_h = round(h * 0.13) if show_queue else 0
    calls_h = h - header_h - ticker_h - media_h - queue_h - 4 * margin

    number_px = need
    max_by_width = int((w - 2 * margin) / ROW_EM)
    max_by_height = int((calls_h - 2 * label_h - margin) / (2 * ROW_HEIGHT_EM))
    fits = number_px <= min(max_by_width, max_by_height)
    if not fits:
        number_px = min(max_by_width, max_by_height)
        notes.append("numbers reduced: the screen is too small for the farthest seat")
    row_h = math.ceil(number_px * ROW_HEIGHT_EM)
    current_px = max(number_px, min(round(number_px * CURRENT_SCALE), int((w - 2 * margin) / ROW_EM)))
    current_h = label_h + math.ceil(current_px * ROW_HEIGHT_EM) + margin
    cols = max(1, int((w - 2 * margin) // math.ceil(number_px * ROW_EM)))
    max_rows = math.ceil(max_recent / cols)
    rows = max(0, min(max_rows, (calls_h - current_h - label_h - margin) // row_h))
    plain_h = label_h + row_h + margin
    plain_rows = max(0, min(max_rows, (calls_h - plain_h - label_h - margin) // row_h))
    if plain_rows > rows and rows < 3:
        current_px, current_h, rows = number_px, plain_h, plain_rows
    y = header_h + margin
    current = Rect(margin, y, w - 2 * margin, current_h)
    y += current_h + margin
    recent = Rect(margin, y, w - 2 * margin, label_h + rows * row_h)
    y += recent.h + margin
    # whatever the recent list does not use goes to the queue panel (or the media)
    media_y = h - ticker_h - margin - media_h
    if show_queue:
        queue = Rect(margin, y, w - 2 * margin, media_y - margin - y)
        media = Rect(margin, media_y, w - 2 * margin, media_h)
    else:
        queue = Rect(margin, y, w - 2 * margin, 0)
        media = Rect(margin, y, w - 2 * margin, h - ticker_h - margin - y)
    takeover_px = int(min(w * 0.9 / (NUMBER_EM + 0.4), h * 0.22 / ROW_HEIGHT_EM))
    return Layout(
        width=w, height=h, portrait=True, px_per_mm=ppm, distance_m=d,
        number_px=number_px, current_px=current_px, takeover_px=max(takeover_px, current_px),
        text_px=text_px, header_px=round(header_h * 0.42), ticker_px=round(ticker_h * 0.5),
        header=Rect(0, 0, w, header_h), current=current, recent=recent, recent_rows=rows,
        recent_cols=cols, queue=queue, media=media, ticker=Rect(0, h - ticker_h, w, ticker_h),
        fits=fits and rows >= 1, readable_m=_readable(number_px, ppm), notes=notes,
        notice_px=_notice_px(ppm, d, media),
    )
