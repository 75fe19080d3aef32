"""Collect the web app's messages and update ``{hu,en}/LC_MESSAGES/web.po``.

    .venv/bin/python hub/web/locale/make_catalogue.py          # add new messages, drop unused ones
    .venv/bin/python hub/web/locale/make_catalogue.py --check  # exit 1 if a Hungarian translation is missing

Messages are the literal ``_("…")`` in templates and Python, the error
messages the app raises in English (shown translated when known), and the
values shown through ``_(variable)`` (roles, weekdays, states) listed in
:data:`DYNAMIC`. The Hungarian catalogue is the source of the translations;
the English one maps every message to itself (source strings are English).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
WEB = HERE.parent
HUB = WEB.parent

DYNAMIC = [
    # roles
    "admin", "manager", "clerk", "reception", "kiosk", "counter", "display",
    # weekdays
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
    # statistics presets and export tables
    "Today", "This week", "Last 30 days", "This month", "Last month", "This year",
    "summary", "days", "services", "clerks", "hours", "every contact",
    # media and playlist
    "image", "video", "text", "up", "down",
    # printer states (kiosk status)
    "ok", "paper_near_end", "paper_out", "cover_open", "offline", "error",
    # appointment states
    "booked", "checked_in", "cancelled", "done",
    # counter terminal defaults: pause reasons and background kinds
    "Break", "Lunch", "Meeting", "Technical problem", "Case file", "Phone call", "E-mail", "Other",
]

_TEMPLATE = [re.compile(r"""_\(\s*'((?:[^'\\]|\\.)*)'\s*\)"""), re.compile(r'''_\(\s*"((?:[^"\\]|\\.)*)"\s*\)''')]
_PYTHON = [
    re.compile(r'''(?<![A-Za-z0-9_])_\(\s*"([^"{}]+)"\s*\)'''),
    re.compile(r'''WebError\(\s*\d+,\s*"[a-z_]+",\s*"([^"{}]+)"'''),
    re.compile(r'''Error\(\s*"[a-z_]+",\s*"([^"{}]+)"\s*\)'''),
    re.compile(r'''(?<![A-Za-z0-9_])bad\(\s*"([^"{}]+)"\s*\)'''),
    re.compile(r'''^\s*\("([A-Z][^"{}]+)",\s*"\d{4}''', re.M),
]
PY_SOURCES = [*sorted(WEB.glob("*.py")), HUB / "stats" / "export.py", HUB / "media.py", HUB / "booking.py"]


def messages() -> list[str]:
    found: dict[str, None] = {}
    for path in sorted((WEB / "templates").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for rx in _TEMPLATE:
            for m in rx.finditer(text):
                found[m.group(1).replace("\\'", "'").replace('\\"', '"')] = None
    for path in PY_SOURCES:
        text = path.read_text(encoding="utf-8")
        for rx in _PYTHON:
            for m in rx.finditer(text):
                found[m.group(1)] = None
    for msg in DYNAMIC:
        found[msg] = None
    return [m for m in found if m.strip()]


def _read(lang: str) -> dict[str, str]:
    path = HERE / lang / "LC_MESSAGES" / "web.po"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return {m.id: m.string for m in read_po(f, locale=lang) if m.id}


def write(lang: str, ids: list[str], translations: dict[str, str]) -> None:
    catalog = Catalog(locale=lang, project="sorra-web", charset="utf-8")
    for msg in sorted(ids, key=str.lower):
        catalog.add(msg, translations.get(msg, "") if lang == "hu" else msg)
    path = HERE / lang / "LC_MESSAGES" / "web.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, sort_output=False)


def main(argv: list[str]) -> int:
    ids = messages()
    hu = _read("hu")
    missing = [m for m in ids if not hu.get(m)]
    if "--check" in argv:
        for m in missing:
            print(f"no Hungarian translation: {m!r}")
        return 1 if missing else 0
    write("hu", ids, hu)
    write("en", ids, {})
    print(f"{len(ids)} messages; {len(missing)} without a Hungarian translation")
    for m in missing:
        print(f"  {m!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
