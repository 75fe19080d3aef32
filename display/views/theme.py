"""Colours and fonts of the waiting-room screen (contrast ≥ 4.5:1 on the background; most ≥ 7:1)."""

from __future__ import annotations

from PyQt6.QtGui import QColor, QFont, QFontMetricsF

BACKGROUND = QColor("#0b1d36")  # deep navy
PANEL = QColor("#132b4d")
PANEL_LINE = QColor("#23436f")
TEXT = QColor("#ffffff")  # 16.4:1 on BACKGROUND
MUTED = QColor("#c3d0e2")  # 10.9:1
ACCENT = QColor("#ffd23f")  # call highlight, 11.3:1
ACCENT_DARK = QColor("#1a1400")  # text on ACCENT, 14:1
COUNTER = QColor("#7fe3a1")  # counter numbers, 10.6:1
WARN = QColor("#ffb347")  # offline mark, 9.3:1
CLOSED = QColor("#ff9a9a")  # a closed service, 7.6:1

FAMILY = "DejaVu Sans"
NUMBER_FAMILY = "DejaVu Sans Condensed"  # ticket numbers: the same cap height, 10 % narrower


def font(px: int, bold: bool = False, family: str = FAMILY) -> QFont:
    f = QFont(family)
    f.setPixelSize(max(1, int(px)))
    f.setBold(bold)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return f


def number_font(px: int) -> QFont:
    return font(px, bold=True, family=NUMBER_FAMILY)


def fitted(f: QFont, text: str, max_w: float, max_h: float | None = None) -> QFont:
    """``f`` made smaller, if needed, so that ``text`` fits ``max_w`` (and ``max_h``)."""
    m = QFontMetricsF(f)
    w = m.horizontalAdvance(text)
    scale = 1.0
    if w > max_w > 0:
        scale = max_w / w
    if max_h is not None and m.height() * scale > max_h > 0:
        scale = max_h / m.height()
    if scale < 1.0:
        f = QFont(f)
        f.setPixelSize(max(1, int(f.pixelSize() * scale)))
    return f


def elided_font(f: QFont, min_px: float) -> QFont:
    """``f``, but never smaller than ``min_px`` (the caller elides what still does not fit)."""
    if f.pixelSize() >= min_px:
        return f
    g = QFont(f)
    g.setPixelSize(max(1, int(min_px)))
    return g
