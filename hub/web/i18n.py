"""Language choice and the formats a Hungarian or English reader expects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sorra.i18n import LANGS, Translator, package_translator
from sorra.naming import counter_label

WEEKDAYS = {
    "hu": ["hétfő", "kedd", "szerda", "csütörtök", "péntek", "szombat", "vasárnap"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
WEEKDAYS_SHORT = {
    "hu": ["H", "K", "Sze", "Cs", "P", "Szo", "V"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTHS_HU = ["január", "február", "március", "április", "május", "június", "július", "augusztus",
             "szeptember", "október", "november", "december"]


def translator(lang: str) -> Translator:
    return package_translator(__file__, "web", lang if lang in LANGS else "hu")


def pick_lang(query: str | None, cookie: str | None, accept: str | None, user_lang: str = "") -> str:
    for candidate in (query, cookie, user_lang):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "hu"


def name_in(names: dict[str, str] | None, lang: str, fallback: str = "") -> str:
    names = names or {}
    return names.get(lang) or names.get("hu") or names.get("en") or next(iter(names.values()), fallback) or fallback


def duration(seconds: float | None, lang: str) -> str:
    """Human wait: "about 12 min", "1 h 5 min" (hu: "12 perc", "1 óra 5 perc")."""
    if seconds is None:
        return "–"
    minutes = int(round(max(0.0, float(seconds)) / 60.0))
    if minutes < 1:
        return "< 1 perc" if lang == "hu" else "< 1 min"
    h, m = divmod(minutes, 60)
    if lang == "hu":
        return f"{h} óra {m} perc" if h and m else (f"{h} óra" if h else f"{m} perc")
    return f"{h} h {m} min" if h and m else (f"{h} h" if h else f"{m} min")


def clock(seconds: float | None) -> str:
    """Elapsed time as m:ss or h:mm:ss."""
    if seconds is None:
        return "–"
    s = int(max(0, seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def hours_minutes(seconds: float | None, lang: str) -> str:
    """A total time: "176 h 40 min" / "176 óra 40 perc" (0 → "0")."""
    if not seconds:
        return "0"
    minutes = int(round(seconds / 60))
    h, m = divmod(minutes, 60)
    if lang == "hu":
        return f"{h} óra {m:02d} perc" if h else f"{m} perc"
    return f"{h} h {m:02d} min" if h else f"{m} min"


def hours_short(seconds: float | None, lang: str) -> str:
    """A total time for a narrow table column: "25 ó 36 p" / "25 h 36 m"."""
    if not seconds:
        return "0"
    h, m = divmod(int(round(seconds / 60)), 60)
    hu = lang == "hu"
    return f"{h}\u00a0{'ó' if hu else 'h'} {m:02d}\u00a0{'p' if hu else 'm'}" if h else f"{m}\u00a0{'p' if hu else 'm'}"


def secs(value: float | None) -> str:
    """A statistic in seconds shown as m:ss (or h:mm:ss)."""
    return "–" if value is None else clock(round(value))


@dataclass(frozen=True)
class Names:
    """The names of the office's services, counters and clerks in one language, for pages and exports."""

    lang: str
    services: dict[str, str]
    counters: dict[int, str]
    clerks: dict[str, str]

    @classmethod
    def of(cls, state: Any, lang: str) -> Names:
        """From the engine's state (call on the engine thread)."""
        return cls(lang, {s.id: name_in(s.names, lang, s.id) for s in state.services.values()},
                   {c.number: c.name for c in state.counters.values()},
                   {c.id: c.name or c.id for c in state.clerks.values()})

    def service(self, sid: str | None) -> str:
        return self.services.get(sid, sid) if sid else ""

    def counter(self, number: int | str | None, name: str = "") -> str:
        """The one way a counter is named (:func:`sorra.naming.counter_label`)."""
        if number in (None, "", 0):
            return ""
        n = int(number)
        return counter_label(n, name or self.counters.get(n, ""), self.lang)

    def clerk(self, cid: str | None) -> str:
        return self.clerks.get(cid, cid) if cid else ""


def hhmm(ts: float | None, tz: str) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).strftime("%H:%M")


def long_date(day: str | date, lang: str) -> str:
    d = date.fromisoformat(day) if isinstance(day, str) else day
    if lang == "hu":
        return f"{d.year}. {MONTHS_HU[d.month - 1]} {d.day}., {WEEKDAYS['hu'][d.weekday()]}"
    return f"{WEEKDAYS['en'][d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def short_date(day: str | date, lang: str) -> str:
    d = date.fromisoformat(day) if isinstance(day, str) else day
    if lang == "hu":
        return f"{d.month:02d}. {d.day:02d}. {WEEKDAYS_SHORT['hu'][d.weekday()]}"
    return f"{WEEKDAYS_SHORT['en'][d.weekday()]} {d.day} {MONTHS_EN[d.month - 1]}"


def tiny_date(day: str | date, lang: str) -> str:
    """Axis label: "11. 23." / "23 Nov"."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{d.month:02d}. {d.day:02d}." if lang == "hu" else f"{d.day} {MONTHS_EN[d.month - 1]}"


def number(value: Any, lang: str, digits: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "hu":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def filters(lang: str) -> dict[str, Any]:
    return {
        "duration": lambda s: duration(s, lang),
        "clock": clock,
        "secs": secs,
        "hours": lambda s: hours_minutes(s, lang),
        "hours_short": lambda s: hours_short(s, lang),
        "long_date": lambda d: long_date(d, lang),
        "short_date": lambda d: short_date(d, lang),
        "num": lambda v, digits=0: number(v, lang, digits),
        "name_in": lambda names, fallback="": name_in(names, lang, fallback),
    }


def date_presets(t: date) -> list[tuple[str, str, str]]:
    """The statistics pages' quick ranges ending today: (label to translate, first day, last day)."""
    monday = t - timedelta(days=t.weekday())
    first = t.replace(day=1)
    last_month_end = first - timedelta(days=1)
    return [
        ("Today", t.isoformat(), t.isoformat()),
        ("This week", monday.isoformat(), t.isoformat()),
        ("Last 30 days", (t - timedelta(days=29)).isoformat(), t.isoformat()),
        ("This month", first.isoformat(), t.isoformat()),
        ("Last month", last_month_end.replace(day=1).isoformat(), last_month_end.isoformat()),
        ("This year", t.replace(month=1, day=1).isoformat(), t.isoformat()),
    ]


def install_language_filters(env: Any) -> None:
    """Jinja2 filters that format in the page's language (the template context's ``lang``)."""
    from jinja2 import pass_context

    def lang_filter(name: str) -> Callable[..., Any]:
        @pass_context
        def f(ctx: Any, *args: Any) -> Any:
            return filters(ctx.get("lang", "hu"))[name](*args)

        return f

    for name in filters("hu"):
        env.filters[name] = lang_filter(name)
