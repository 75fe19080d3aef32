"""Collect the central web app's messages and update ``{hu,en}/LC_MESSAGES/central.po``.

    .venv/bin/python central/locale/make_catalogue.py          # add new messages, drop unused ones
    .venv/bin/python central/locale/make_catalogue.py --check  # exit 1 if a Hungarian translation is missing

The same tooling as the hub's web (``hub/web/locale/make_catalogue.py``):
Babel catalogues, Hungarian the source of the translations, English mapping
every message to itself. It writes only ``central/locale``.

Messages are the literal ``_("…")`` / ``_('…')`` in ``central/templates`` and
``central/*.py``, ``….gettext("…")`` in Python, the English error messages the
app raises (``HTTPException(400, "…")``, shown translated on pages) and the
values shown through ``_(variable)`` listed in :data:`DYNAMIC`. A new message
starts with the hub's Hungarian translation when the hub has the same one.

``hub_("…")`` marks a message of the hub's own catalogue (chart labels, export
headers, the statistics page's words that central shows as the hub does):
``--check`` verifies the hub's Hungarian catalogue has each of them, without
writing it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
CENTRAL = HERE.parent
HUB_PO = CENTRAL.parent / "hub" / "web" / "locale" / "{lang}" / "LC_MESSAGES" / "web.po"
DOMAIN = "central"

DYNAMIC = [
    "admin", "manager",  # roles
    "no such page", "this page cannot do that",  # the router's own errors (central/web.py: _http_error)
]

_NOT_NAME = r"(?<![A-Za-z0-9_.])"
_TEMPLATE = [re.compile(_NOT_NAME + r"""_\(\s*'((?:[^'\\]|\\.)*)'\s*\)"""),
             re.compile(_NOT_NAME + r'''_\(\s*"((?:[^"\\]|\\.)*)"\s*\)''')]
_TEMPLATE_HUB = [re.compile(_NOT_NAME + r"""hub_\(\s*'((?:[^'\\]|\\.)*)'\s*\)"""),
                 re.compile(_NOT_NAME + r'''hub_\(\s*"((?:[^"\\]|\\.)*)"\s*\)''')]
_PYTHON = [re.compile(_NOT_NAME + r'''_\(\s*"([^"]+)"\s*\)'''),
           re.compile(r'''\.gettext\(\s*"([^"]+)"\s*\)'''),
           re.compile(r'''HTTPException\(\s*\d+,\s*"([^"]+)"''')]
_PYTHON_HUB = [re.compile(_NOT_NAME + r'''hub_\(\s*"([^"]+)"\s*\)''')]


def _unescape(text: str) -> str:
    return text.replace("\\'", "'").replace('\\"', '"')


def _scan(central: list[re.Pattern[str]], hub: list[re.Pattern[str]], paths: list[Path],
          found: dict[str, None], found_hub: dict[str, None]) -> None:
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for rx in central:
            for m in rx.finditer(text):
                found[_unescape(m.group(1))] = None
        for rx in hub:
            for m in rx.finditer(text):
                found_hub[_unescape(m.group(1))] = None


def messages() -> tuple[list[str], list[str]]:
    """(central's own messages, the hub's messages central shows)."""
    found: dict[str, None] = {}
    found_hub: dict[str, None] = {}
    _scan(_TEMPLATE, _TEMPLATE_HUB, sorted((CENTRAL / "templates").glob("*.html")), found, found_hub)
    _scan(_PYTHON, _PYTHON_HUB, sorted(CENTRAL.glob("*.py")), found, found_hub)
    for msg in DYNAMIC:
        found[msg] = None
    return [m for m in found if m.strip()], [m for m in found_hub if m.strip()]


def _read(path: Path, lang: str) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return {m.id: m.string for m in read_po(f, locale=lang) if m.id and isinstance(m.id, str)}


def po_path(lang: str) -> Path:
    return HERE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def write(lang: str, ids: list[str], translations: dict[str, str]) -> None:
    catalog = Catalog(locale=lang, project="sorra-central", charset="utf-8")
    for msg in sorted(ids, key=str.lower):
        catalog.add(msg, translations.get(msg, "") if lang == "hu" else msg)
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, sort_output=False)


def main(argv: list[str]) -> int:
    ids, hub_ids = messages()
    hu = _read(po_path("hu"), "hu")
    hub_hu = _read(Path(str(HUB_PO).format(lang="hu")), "hu")
    if "--check" in argv:
        missing = [m for m in ids if not hu.get(m)]
        missing_hub = [m for m in hub_ids if not hub_hu.get(m)]
        for m in missing:
            print(f"no Hungarian translation in central/locale: {m!r}")
        for m in missing_hub:
            print(f"hub_() message without a Hungarian translation in hub/web/locale: {m!r}")
        return 1 if missing or missing_hub else 0
    seeded = {m: hu.get(m) or hub_hu.get(m, "") for m in ids}
    write("hu", ids, seeded)
    write("en", ids, {})
    missing = [m for m in ids if not seeded.get(m)]
    print(f"{len(ids)} messages ({len(hub_ids)} more from the hub's catalogue); "
          f"{len(missing)} without a Hungarian translation")
    for m in missing:
        print(f"  {m!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
