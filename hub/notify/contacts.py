"""What a contact given by a citizen is: an e-mail address or a Hungarian phone number."""

from __future__ import annotations

import re

EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[A-Za-z]{2,}$")
_PHONE_CHARS = re.compile(r"[\s\-/().]")


def phone(text: str) -> str | None:
    """A phone number in international form (+36…), from ``+36…``, ``0036…`` or ``06…``; else None."""
    t = _PHONE_CHARS.sub("", text.strip())
    if t.startswith("00"):
        t = "+" + t[2:]
    elif t.startswith("06"):
        t = "+36" + t[2:]
    if not re.fullmatch(r"\+\d{8,15}", t):
        return None
    return t


def email(text: str) -> str | None:
    t = text.strip()
    return t if len(t) <= 200 and EMAIL.match(t) else None


def kind_of(contact: str) -> str | None:
    """``"email"``, ``"phone"`` or None (a name, a note: nothing to send to)."""
    if email(contact):
        return "email"
    if phone(contact):
        return "phone"
    return None


def normalise(contact: str) -> str | None:
    return email(contact) or phone(contact)
