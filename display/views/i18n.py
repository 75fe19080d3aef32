"""The screen's texts in Hungarian or English (gettext catalogues in display/locale)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel.dates import format_date

from sorra.i18n import Translator, package_translator


def translator(lang: str) -> Translator:
    return package_translator(str(Path(__file__).resolve().parent.parent / "__init__.py"), "display", lang)


def long_date(now: datetime, lang: str) -> str:
    """"2026. március 2., hétfő" / "Monday, 2 March 2026"."""
    if lang == "hu":
        return format_date(now.date(), format="full", locale="hu")
    return format_date(now.date(), format="EEEE, d MMMM y", locale="en_GB")


def minutes(seconds: int, t: Translator) -> str:
    """An estimated wait: "~ 5 min" / "kb. 5 perc"; under a minute: "< 1 min"."""
    if seconds < 60:
        return t.gettext("< 1 min")
    mins = round(seconds / 60)
    if mins >= 120:
        return t.gettext("~ {hours} h").format(hours=round(mins / 60))
    return t.gettext("~ {minutes} min").format(minutes=mins)
