"""Words on the kiosk screens, through the kiosk's gettext catalogue.

Source strings are English; ``kiosk/locale/hu/LC_MESSAGES/kiosk.po`` has the
Hungarian. Views call ``tx("…")`` and ``tx.plural("…", "…", n)`` (the
keywords the catalogue test extracts).
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from sorra.i18n import package_translator

_PACKAGE_FILE = str(Path(__file__).resolve().parent.parent / "__init__.py")
WEEKDAYS = {
    "hu": ("hétfő", "kedd", "szerda", "csütörtök", "péntek", "szombat", "vasárnap"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


class Texts:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._tr = package_translator(_PACKAGE_FILE, "kiosk", lang)

    def __call__(self, message: str, **values: object) -> str:
        text = self._tr.gettext(message)
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._tr.ngettext(singular, plural, n).format(n=n, **values)

    def minutes(self, seconds: int) -> str:
        """"about 14 min" (rounded up; "less than a minute" under 60 s)."""
        tx = self
        if seconds < 60:
            return tx("less than a minute")
        return tx.plural("about {n} minute", "about {n} minutes", math.ceil(seconds / 60))

    def short_minutes(self, seconds: int) -> str:
        """"~14 min" for tight places (tiles)."""
        tx = self
        return tx("~{n} min", n=max(1, math.ceil(seconds / 60)))

    def when(self, epoch: float | None, tz=None) -> str:
        """"Monday 08:00" for the next opening."""
        if not epoch:
            return ""
        t = datetime.fromtimestamp(epoch, tz)
        return f"{WEEKDAYS.get(self.lang, WEEKDAYS['en'])[t.weekday()]} {t:%H:%M}"
