"""Message texts: the defaults (English msgids, Hungarian in notify.po), the manager's own, rendering.

A text has three parts: the e-mail's ``subject`` and ``body`` and the
``sms``. Placeholders in braces are filled from the message's facts;
an unknown one is left as it is, so a typo in the manager's text shows
instead of failing the message. SMS defaults stay under 134 characters
when filled, which in UCS2 (Hungarian accents) is two parts at most; so they
leave out the manage link, which a manager may add (the editor counts parts).
"""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sorra.i18n import LANGS, Translator, package_translator

KINDS = ("booked", "moved", "cancelled", "reminder", "joined", "ahead", "remote_turn", "called", "survey", "test")
PARTS = ("subject", "body", "sms")
PLACEHOLDERS = ("office", "service", "date", "time", "code", "bring", "link", "number", "counter", "ahead")

DEFAULTS: dict[str, dict[str, str]] = {
    "booked": {
        "subject": "Appointment booked: {service}, {date} {time}",
        "body": "Your appointment at {office} is booked.\n\nService: {service}\nWhen: {date} {time}\n"
                "Code: {code}\nWhat to bring: {bring}\n\nTo cancel or move it: {link}\n",
        # No {link} in the SMS defaults: with it a confirmation takes three parts (the e-mail has it).
        "sms": "{office}: appointment {date} {time}, {service}. Code: {code}",
    },
    "moved": {
        "subject": "Appointment moved: {service}, {date} {time}",
        "body": "Your appointment at {office} has been moved.\n\nService: {service}\nNew time: {date} {time}\n"
                "Code: {code}\nWhat to bring: {bring}\n\nTo cancel or move it: {link}\n",
        "sms": "{office}: appointment moved to {date} {time}. Code: {code}",
    },
    "cancelled": {
        "subject": "Appointment cancelled: {service}, {date} {time}",
        "body": "Your appointment at {office} ({service}, {date} {time}, code {code}) is cancelled.\n",
        "sms": "{office}: appointment {date} {time} ({code}) cancelled.",
    },
    "reminder": {
        "subject": "Reminder: {service}, {date} {time}",
        "body": "This is a reminder of your appointment at {office}.\n\nService: {service}\nWhen: {date} {time}\n"
                "Code: {code}\nWhat to bring: {bring}\n\nTo cancel or move it: {link}\n",
        "sms": "{office}: reminder, appointment {date} {time}, {service}. Code: {code}",
    },
    "ahead": {
        "subject": "Almost your turn: {number}",
        "body": "Ticket {number} at {office}: {ahead} people ahead of you. Please come to the waiting room.\n",
        "sms": "{office}: almost your turn ({number}), {ahead} ahead of you.",
    },
    "joined": {
        "subject": "Your ticket: {number} ({service})",
        "body": "You have joined the queue at {office}: ticket {number} for {service}.\n\n"
                "When you arrive, check in at the kiosk with the code {code} (or show the QR code on the "
                "ticket's page). You will not be called before you check in; if your turn comes first, you "
                "keep your place.\n\nYour ticket: {link}\n",
        # No {link} in the SMS: with a long office name it would take a third part (the e-mail has it).
        "sms": "{office}: ticket {number}. When you arrive, check in at the kiosk with code {code}.",
    },
    "remote_turn": {
        "subject": "Your turn has come: check in ({number})",
        "body": "Ticket {number} at {office}: your turn has come while you were away. Check in at the kiosk "
                "with the code {code}: you will be called first.\n",
        "sms": "{office}: your turn has come ({number}). Check in with code {code} and you are called first.",
    },
    "called": {
        "subject": "Your turn: {number}, {counter}",
        "body": "Ticket {number} at {office} is called to {counter}.\n",
        "sms": "{office}: {number}, please go to {counter}.",
    },
    "survey": {
        "subject": "How was your visit to {office}?",
        "body": "Thank you for visiting {office} (ticket {number}).\n\nHow likely are you to recommend us? "
                "One question, 0 to 10: {link}\n",
        "sms": "{office}: rate your visit (0-10): {link}",
    },
    "test": {
        "subject": "Sorra test message",
        "body": "This is a test message from {office}. Árvíztűrő tükörfúrógép.\n",
        "sms": "{office}: test message. Árvíztűrő tükörfúrógép.",
    },
}


def translator(lang: str) -> Translator:
    return package_translator(__file__, "notify", lang if lang in LANGS else "hu")


def default(kind: str, part: str, lang: str) -> str:
    return translator(lang).gettext(DEFAULTS[kind][part])


def template(custom: dict[str, Any], kind: str, part: str, lang: str) -> str:
    """The manager's text if there is one, else the default in that language."""
    own = ((custom.get(kind) or {}).get(lang) or {}).get(part)
    return own if own else default(kind, part, lang)


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, facts: dict[str, Any]) -> str:
    try:
        return string.Formatter().vformat(text, (), _Keep(facts))
    except (ValueError, IndexError, AttributeError):
        return text  # broken braces: send the text as written rather than nothing


def render(custom: dict[str, Any], kind: str, lang: str, facts: dict[str, Any]) -> dict[str, str]:
    return {part: fill(template(custom, kind, part, lang), facts) for part in PARTS}


def when(at: float, tz: str, lang: str) -> tuple[str, str]:
    """(date, time) as a reader of that language writes them."""
    d = datetime.fromtimestamp(at, ZoneInfo(tz))
    if lang == "hu":
        return d.strftime("%Y. %m. %d."), d.strftime("%H:%M")
    return d.strftime("%d %b %Y"), d.strftime("%H:%M")


def sample_facts(lang: str) -> dict[str, Any]:
    """Facts for the manager's preview."""
    date, time_ = when(1767262500.0, "Europe/Budapest", lang)
    hu = lang == "hu"
    return {"office": "Okmányiroda" if hu else "Document office", "service": "Személyi igazolvány" if hu
            else "Identity card", "date": date, "time": time_, "code": "K7M3QD",
            "bring": "régi igazolvány, lakcímkártya" if hu else "old card, address card",
            "link": "https://ugyfel.example/book/manage/K7M3QD?sig=…", "number": "A042",
            "counter": "3-as ablak" if hu else "Counter 3", "ahead": 2}
