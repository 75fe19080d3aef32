"""How people call a counter, the same on the web, the counter terminal, the display and the ticket.

A counter's configured name wins ("Pénztár"); without one, Hungarian says "3-as ablak" (the -as/-es/-os
suffix as the display announces it, "a 3-as ablakhoz") and English "Counter 3".
"""

from __future__ import annotations

from sorra.hungarian import numeral_s


def counter_label(number: int, name: str | None = "", lang: str = "hu", word: str = "ablak") -> str:
    """``(3, "")`` → "3-as ablak" / "Counter 3"; a configured name is shown as it is."""
    if name and name.strip():
        return name.strip()
    if lang == "hu":
        return f"{numeral_s(number)} {word}"
    return f"Counter {number}"
