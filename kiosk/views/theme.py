"""Colours, sizes and the style sheet of the kiosk screens.

Every text/background pair the screens use is listed in :data:`PAIRS`; the
tests check each against WCAG's 4.5:1 contrast. Sizes come from the screen's
physical size: a touch target is at least 15 mm on the glass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FONT_FAMILY = "DejaVu Sans"
TOUCH_MM = 15.0

# name: hex colour
INK = "#14212B"  # body text
MUTED = "#44525E"  # secondary text (on BG and on SURFACE)
BG = "#EEF2F5"  # page
SURFACE = "#FFFFFF"  # tiles, cards
HEADER_BG = "#0B3C5D"
HEADER_INK = "#FFFFFF"
PRIMARY = "#0B5CAD"
PRIMARY_INK = "#FFFFFF"
PRIMARY_DOWN = "#084482"
SECONDARY_INK = "#0B3C5D"
BORDER = "#5D7386"
DISABLED_BG = "#DDE3E8"
DISABLED_INK = "#4F5B66"
OK_BG = "#1B5E20"
OK_INK = "#FFFFFF"
ERROR_BG = "#A4001D"
ERROR_INK = "#FFFFFF"
WARN_BG = "#FFF1C2"
WARN_INK = "#4A3500"
SELECTED_BG = "#D5E8FA"
SELECTED_INK = "#0A2E4D"
OVERLAY = "rgba(8, 20, 30, 200)"

PAIRS: dict[str, tuple[str, str]] = {
    "body": (INK, BG),
    "muted on page": (MUTED, BG),
    "tile": (INK, SURFACE),
    "muted on tile": (MUTED, SURFACE),
    "header": (HEADER_INK, HEADER_BG),
    "primary button": (PRIMARY_INK, PRIMARY),
    "primary pressed": (PRIMARY_INK, PRIMARY_DOWN),
    "secondary button": (SECONDARY_INK, SURFACE),
    "disabled": (DISABLED_INK, DISABLED_BG),
    "ok banner": (OK_INK, OK_BG),
    "error banner": (ERROR_INK, ERROR_BG),
    "warning banner": (WARN_INK, WARN_BG),
    "selected": (SELECTED_INK, SELECTED_BG),
    "language active": (HEADER_BG, SURFACE),
}


def _linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio (1 … 21)."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


DEFAULT_DIAGONAL_IN = {"1280x800": 10.1, "800x1280": 10.1, "1920x1080": 15.6, "1080x1920": 15.6}


@dataclass(frozen=True)
class Metrics:
    width: int
    height: int
    diagonal_in: float

    @classmethod
    def for_screen(cls, screen: str, diagonal_in: float = 0.0) -> Metrics:
        w, h = (int(x) for x in screen.split("x"))
        return cls(w, h, diagonal_in or DEFAULT_DIAGONAL_IN.get(screen, 10.1))

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def px_per_mm(self) -> float:
        return math.hypot(self.width, self.height) / (self.diagonal_in * 25.4)

    @property
    def touch(self) -> int:
        """Smallest side of any touch target, in pixels (15 mm, and never tiny on big screens)."""
        return max(math.ceil(TOUCH_MM * self.px_per_mm), round(min(self.width, self.height) * 0.085))

    @property
    def font(self) -> int:
        """Body text size in pixels."""
        return max(18, round(min(self.width, self.height) / 27))

    @property
    def gap(self) -> int:
        return max(8, round(self.font * 0.6))

    @property
    def columns(self) -> int:
        return 2 if self.portrait else 3


def stylesheet(m: Metrics) -> str:
    f = m.font
    return f"""
* {{ font-family: "{FONT_FAMILY}"; color: {INK}; }}
QWidget#page {{ background: {BG}; }}
QWidget#header {{ background: {HEADER_BG}; }}
QLabel#officeName {{ color: {HEADER_INK}; font-size: {round(f * 1.1)}px; font-weight: bold; }}
QLabel#title {{ font-size: {round(f * 1.55)}px; font-weight: bold; }}
QLabel#subtitle {{ font-size: {f}px; color: {MUTED}; }}
QLabel#body {{ font-size: {f}px; }}
QLabel#wrapText {{ font-size: {f}px; color: {SECONDARY_INK}; }}
QLabel#wrapText[on="true"] {{ color: {SELECTED_INK}; font-weight: bold; }}
QLabel#muted {{ font-size: {round(f * 0.85)}px; color: {MUTED}; }}
QLabel#cardTitle {{ font-size: {round(f * 1.1)}px; font-weight: bold; }}
QLabel#bigNumber {{ font-size: {round(f * 4.6)}px; font-weight: bold; color: {INK}; }}
QLabel#code {{ font-family: "DejaVu Sans Mono"; font-size: {round(f * 1.8)}px; font-weight: bold;
    background: {SURFACE}; border: 3px solid {BORDER}; border-radius: 10px; padding: 6px 16px; }}
QLabel#banner_ok {{ background: {OK_BG}; color: {OK_INK}; font-size: {f}px; font-weight: bold;
    border-radius: 10px; padding: 12px 18px; }}
QLabel#banner_error {{ background: {ERROR_BG}; color: {ERROR_INK}; font-size: {round(f * 0.85)}px; font-weight: bold;
    border-radius: 10px; padding: 10px 18px; }}
QLabel#banner_warn {{ background: {WARN_BG}; color: {WARN_INK}; font-size: {round(f * 0.9)}px;
    border-radius: 10px; padding: 12px 18px; }}
QLabel#banner_info {{ background: {SURFACE}; color: {INK}; font-size: {f}px;
    border-radius: 10px; padding: 12px 18px; }}
QFrame#card {{ background: {SURFACE}; border-radius: 14px; }}
QPushButton {{ font-size: {f}px; min-height: {m.touch}px; min-width: {m.touch}px; border-radius: 12px;
    padding: 6px 22px; background: {SURFACE}; color: {SECONDARY_INK}; border: 3px solid {BORDER}; }}
QPushButton:pressed {{ background: {SELECTED_BG}; }}
QPushButton:disabled {{ background: {DISABLED_BG}; color: {DISABLED_INK}; border-color: {DISABLED_BG}; }}
QPushButton[kind="primary"] {{ background: {PRIMARY}; color: {PRIMARY_INK}; border: 3px solid {PRIMARY};
    font-weight: bold; }}
QPushButton[kind="primary"]:pressed {{ background: {PRIMARY_DOWN}; }}
QPushButton[kind="primary"]:disabled {{ background: {DISABLED_BG}; color: {DISABLED_INK}; border-color: {DISABLED_BG}; }}
QPushButton[kind="lang"] {{ background: {HEADER_BG}; color: {HEADER_INK}; border: 3px solid {HEADER_INK};
    font-size: {round(f * 0.85)}px; padding: 4px 10px; min-width: {round(m.touch * 2.1)}px; }}
QPushButton[kind="lang"]:checked {{ background: {SURFACE}; color: {HEADER_BG}; font-weight: bold; }}
QPushButton[kind="tile"] {{ text-align: left; padding: 14px 20px; background: {SURFACE}; color: {INK};
    border: 3px solid {BORDER}; }}
QPushButton[kind="toggle"]:checked {{ background: {SELECTED_BG}; color: {SELECTED_INK}; border-color: {PRIMARY};
    font-weight: bold; }}
QPushButton[kind="key"] {{ font-family: "DejaVu Sans Mono"; font-size: {round(f * 1.25)}px; font-weight: bold;
    padding: 0px; }}
QWidget#overlay {{ background: {OVERLAY}; }}
"""
