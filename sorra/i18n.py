"""gettext catalogues (``.po``) loaded at run time through Babel.

Each package keeps ``locale/<lang>/LC_MESSAGES/<domain>.po``. Source strings
are English, so a missing catalogue or message falls back to the English text
instead of failing; the fallback is logged once so a missing translation is
visible.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

LANGS = ("hu", "en")


class Translator:
    """A minimal gettext-like object: ``gettext`` and ``ngettext``."""

    def __init__(self, messages: dict[str, str | tuple[str, ...]], lang: str) -> None:
        self._messages = messages
        self.lang = lang

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        if isinstance(found, str) and found:
            return found
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._messages.get(singular)
        if isinstance(found, tuple) and found:
            # Hungarian has one plural form for numbers; English has two.
            index = 0 if n == 1 or len(found) == 1 else 1
            text = found[min(index, len(found) - 1)]
            if text:
                return text
        return singular if n == 1 else plural


@lru_cache(maxsize=64)
def translator(domain: str, lang: str, localedir: str) -> Translator:
    po = Path(localedir) / lang / "LC_MESSAGES" / f"{domain}.po"
    if not po.exists():
        if lang != "en":
            log.warning("no %s catalogue for %r at %s; showing English", domain, lang, po)
        return Translator({}, lang)
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    messages: dict[str, str | tuple[str, ...]] = {}
    for msg in catalog:
        if not msg.id or msg.fuzzy:
            continue
        key = msg.id[0] if isinstance(msg.id, (tuple, list)) else msg.id
        value = tuple(msg.string) if isinstance(msg.string, (tuple, list)) else msg.string
        messages[key] = value
    return Translator(messages, lang)


def package_translator(package_file: str, domain: str, lang: str) -> Translator:
    """Translator for the package whose ``__file__`` (or any module file in it) is given."""
    return translator(domain, lang, str(Path(package_file).resolve().parent / "locale"))
