"""Colours, sizes and the style sheet of the 800×480 clerk screen.

Touch targets: a 7" 800×480 panel has about 5.2 px per mm, so 15 mm is 78 px;
every touch button is at least 78 px in its smaller dimension. Text colours
keep a contrast of at least 4.5:1 against their background (values below were
checked with the WCAG formula).
"""

from __future__ import annotations

FONT = "DejaVu Sans"
MIN_TOUCH_PX = 78

BG = "#0f1c28"  # page background
CARD = "#1b2d3d"
TEXT = "#ffffff"  # 15.9:1 on BG
MUTED = "#b8c7d6"  # 9.6:1 on BG, 8.1:1 on CARD
ACCENT = "#ffd34d"  # ticket number, 12.2:1 on CARD

BUTTON_COLOURS = {  # background, white text: contrast ≥ 4.5:1 for each
    "next": "#1d7a3a",  # 5.4:1
    "finish_and_next": "#1d7a3a",
    "recall": "#1f5fa8",  # 6.3:1
    "start": "#0e6e78",  # 5.8:1
    "done": "#35556f",  # 7.5:1
    "no_show": "#a8322d",  # 6.5:1
    "transfer": "#6a45a8",  # 6.6:1
    "secondary": "#2f4457",  # 9.6:1
    "danger": "#a8322d",
}
DISABLED_BG = "#26323d"
DISABLED_TEXT = "#6f7f8e"  # disabled controls are exempt from the contrast rule

LEVEL_COLOURS = {  # notice/alert banners: background, text
    "info": ("#d9ecff", "#0b2540"),  # 13.4:1
    "warning": ("#ffe08a", "#3a2a00"),  # 11.6:1
    "error": ("#c62828", "#ffffff"),  # 5.6:1
}
ONLINE = ("#1d7a3a", "#ffffff")
OFFLINE = ("#c62828", "#ffffff")

STYLE = f"""
QWidget {{ background: {BG}; color: {TEXT}; font-family: "{FONT}"; font-size: 18px; }}
QFrame#card {{ background: {CARD}; border-radius: 10px; }}
QLabel {{ background: transparent; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#number {{ color: {ACCENT}; font-size: 84px; font-weight: bold; }}
QLabel#title {{ font-size: 22px; font-weight: bold; }}
QPushButton {{
    color: #ffffff; border: none; border-radius: 8px; padding: 4px 6px;
    font-size: 19px; font-weight: bold; min-height: {MIN_TOUCH_PX}px; min-width: {MIN_TOUCH_PX}px;
}}
QPushButton:disabled {{ background: {DISABLED_BG}; color: {DISABLED_TEXT}; }}
QPushButton:checked {{ border: 4px solid {ACCENT}; }}
QLineEdit {{
    background: #ffffff; color: #0b1a26; border-radius: 6px; padding: 6px;
    font-size: 26px; min-height: 52px;
}}
QScrollArea {{ border: none; }}
"""


def button_style(kind: str) -> str:
    colour = BUTTON_COLOURS.get(kind, BUTTON_COLOURS["secondary"])
    return (
        f"QPushButton {{ background: {colour}; }}"
        f"QPushButton:disabled {{ background: {DISABLED_BG}; color: {DISABLED_TEXT}; }}"
    )
