"""Fitting free text (notices, the welcome slide, a call's sentence) into a box: never clipped.

The order of resorts: the largest size (down to a readable minimum) at which
the text wraps at word boundaries; then breaks at the hyphens of compound
words ("Ügyfélkapu-" / "regisztráció"); then, only for a word that is wider
than the box on its own, breaks inside the word with a hyphen; and when even
that does not fit at the minimum, pages of whole lines (the caller shows them
one after the other). Every line is measured with the font's metrics, so what
is drawn lies inside the box.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QFont, QFontMetricsF, QPainter

from display.views import theme

__all__ = ["Fitted", "fit", "wrap", "draw_lines"]

LINE_SPACING = 1.12  # of the font's height: loose enough for accents on capitals (Ü, É)
SHRINK = 0.93
# a sentence ends at . ! ? before a capital ("XI. kerület" is one sentence), or at a line break
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"„'(]?[A-ZÁÉÍÓÖŐÚÜŰ])|\n+")
_HYPHEN = re.compile(r"(?<=-)(?=[^-])")  # after a hyphen that is followed by more of the word


@dataclass(frozen=True)
class Fitted:
    font: QFont
    pages: list[list[str]]
    line_h: float

    @property
    def px(self) -> int:
        return self.font.pixelSize()


_VOWELS = set("aáeéiíoóöőuúüűAÁEÉIÍOÓÖŐUÚÜŰ")
_DIGRAPHS = ("dzs", "cs", "dz", "gy", "ly", "ny", "sz", "ty", "zs")


def syllable_breaks(word: str) -> list[int]:
    """Where Hungarian hyphenation may break ``word``: before the last consonant ahead of a vowel.

    The spelling rule with the digraphs (cs, gy, sz, dzs…) as one letter:
    "mo-bil-te-le-fon-ját", "ab-lak-nál"; vowels next to each other are left
    together. Good enough for a last resort; never a break that leaves a
    single letter on either side.
    """
    units: list[tuple[int, str]] = []
    i, low = 0, word.lower()
    while i < len(word):
        step = next((len(d) for d in _DIGRAPHS if low.startswith(d, i)), 1)
        units.append((i, word[i:i + step]))
        i += step
    breaks = []
    seen_vowel = False
    for n, (pos, unit) in enumerate(units):
        vowel = unit[0] in _VOWELS
        nxt = units[n + 1][1][0] if n + 1 < len(units) else ""
        if (seen_vowel and not vowel and unit[0].isalpha() and nxt in _VOWELS
                and 2 <= pos <= len(word) - 2):
            breaks.append(pos)
        seen_vowel = seen_vowel or vowel
    return breaks


def _split_inside(word: str, fm: QFontMetricsF, width: float) -> list[str]:
    """A word wider than ``width`` cut into line-wide chunks, each but the last ending in "-".

    At a syllable boundary when one fits, else at the last letter that fits.
    """
    chunks: list[str] = []
    rest = word
    while fm.horizontalAdvance(rest) > width and len(rest) > 1:
        fitting = [k for k in syllable_breaks(rest) if fm.horizontalAdvance(rest[:k] + "-") <= width]
        if fitting:
            k = fitting[-1]
        else:
            lo, hi = 1, len(rest) - 1  # the longest prefix k with rest[:k] + "-" inside the width
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if fm.horizontalAdvance(rest[:mid] + "-") <= width:
                    lo = mid
                else:
                    hi = mid - 1
            k = lo
            if len(rest) - k < 3 < k:  # no "t." alone on the last line
                k = max(1, len(rest) - 3)
        chunks.append(rest[:k] + "-")
        rest = rest[k:]
    chunks.append(rest)
    return chunks


def wrap(text: str, fm: QFontMetricsF, width: float, inside_words: bool = True) -> list[str] | None:
    """Greedy lines of at most ``width``; None if a piece is too wide and ``inside_words`` is False."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        cur = ""
        for word in para.split():
            for i, piece in enumerate(_HYPHEN.split(word)):
                sep = " " if i == 0 and cur else ""
                if fm.horizontalAdvance(cur + sep + piece) <= width:
                    cur += sep + piece
                    continue
                if cur:
                    lines.append(cur)
                cur = piece
                if fm.horizontalAdvance(piece) > width:
                    if not inside_words:
                        return None
                    *full, cur = _split_inside(piece, fm, width)
                    lines.extend(full)
        lines.append(cur)
    return lines


def _by_sentence(text: str) -> str:
    return "\n".join(part for part in _SENTENCE.split(text.strip()) if part)


def _font(px: int, bold: bool) -> QFont:
    return theme.font(px, bold=bold)


def fit(text: str, width: float, height: float, max_px: int, min_px: int, bold: bool = True,
        paginate: bool = True) -> Fitted:
    """The text at the largest size in [min_px, max_px] that fits ``width`` × ``height``.

    Below ``min_px`` it does not shrink: it pages (``paginate``) or, for a
    one-off line such as a title, keeps shrinking until it fits.
    """
    min_px = max(1, min(min_px, max_px))
    px = max_px
    while True:
        f = _font(px, bold)
        fm = QFontMetricsF(f)
        line_h = fm.height() * LINE_SPACING
        inside = px <= min_px or not paginate and px <= 6
        # each sentence on lines of its own when that fits at this size, else running on
        for candidate in (_by_sentence(text), text):
            lines = wrap(candidate, fm, width, inside_words=inside)
            if lines is not None and len(lines) * line_h <= height:
                return Fitted(f, [lines], line_h)
        if px <= min_px:
            break
        px = max(min_px, int(px * SHRINK))
    if not paginate:
        while px > 6:
            px = max(6, int(px * SHRINK))
            f = _font(px, bold)
            fm = QFontMetricsF(f)
            line_h = fm.height() * LINE_SPACING
            lines = wrap(text, fm, width) or [""]
            if len(lines) * line_h <= height:
                break
        return Fitted(f, [lines], line_h)
    # at the minimum: whole lines per page; a box lower than one line gets one line, smaller
    per_page = int(height // line_h)
    if per_page < 1:
        px = max(1, int(height / (fm.height() * LINE_SPACING) * px))
        f = _font(px, bold)
        fm = QFontMetricsF(f)
        line_h = fm.height() * LINE_SPACING
        lines = wrap(text, fm, width) or [""]
        per_page = 1
    return Fitted(f, _pages(text, fm, width, per_page), line_h)


def _pages(text: str, fm: QFontMetricsF, width: float, per_page: int) -> list[list[str]]:
    """Lines in pages; each sentence that does not fit on the rest of a page starts a new one."""
    pages: list[list[str]] = [[]]
    for sentence in _SENTENCE.split(text.strip()) or [""]:
        lines = wrap(sentence, fm, width) or [""]
        if pages[-1] and len(pages[-1]) + len(lines) > per_page:
            pages.append([])
        # a sentence longer than a page: even pages (2 + 2 lines, not 3 + 1)
        size = math.ceil(len(lines) / math.ceil(len(lines) / per_page))
        for line in lines:
            if len(pages[-1]) >= size and len(lines) > per_page or len(pages[-1]) == per_page:
                pages.append([])
            pages[-1].append(line)
    return pages


def draw_lines(p: QPainter, box: QRectF, fitted: Fitted, page: int = 0,
               align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignHCenter) -> list[QRectF]:
    """Draw one page centred vertically in ``box``; returns the rectangles Qt reports it drew."""
    lines = fitted.pages[min(page, len(fitted.pages) - 1)]
    p.setFont(fitted.font)
    y = box.y() + (box.height() - len(lines) * fitted.line_h) / 2
    drawn: list[QRectF] = []
    flags = int((align | Qt.AlignmentFlag.AlignVCenter).value)
    for line in lines:
        r = QRectF(box.x(), y, box.width(), fitted.line_h)
        drawn.append(p.boundingRect(r, flags, line))
        p.drawText(r, flags, line)
        y += fitted.line_h
    return drawn

