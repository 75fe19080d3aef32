"""Alerts in the reader's language: the hub keeps a code and its parameters, the page words them.

The English ``message`` an alert carries is for logs and the CLI; a code without an entry here
(an alert from a newer device) falls back to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.web import i18n

# code → text with %(param)s placeholders (msgids in web.po)
TEXTS: dict[str, str] = {
    "device.offline": "not connected to the hub",
    "hub.storage": "The hub cannot save its data: %(error)s",
    "web.down": "The web app could not listen on port %(port)s.",
    "rule": "%(name)s: the queue is over the limit, priority raised ×%(boost)s",
    "printer.paper_near_end": "Printer: the paper is running out.",
    "printer.paper_out": "Printer: out of paper.",
    "printer.cover_open": "Printer: the cover is open.",
    "printer.offline": "Printer: offline.",
    "printer.error": "Printer error (cutter jam or overheated head).",
    "notify.email": "E-mail delivery keeps failing",
    "notify.sms": "SMS delivery keeps failing",
    "notify.gateway": "Gateway delivery keeps failing",
}
SOURCES: dict[str, str] = {"hub": "Hub", "rules": "Automatic rules", "notify": "Messages to citizens"}


def alert_text(alert: dict[str, Any], gettext: Callable[[str], str], lang: str, tz: str) -> str:
    code = str(alert.get("code", ""))
    key = "rule" if code.startswith("rule.") else code
    text = TEXTS.get(key)
    if text is None:
        return str(alert.get("message") or code)
    params: dict[str, Any] = dict(alert.get("params") or {})
    params.setdefault("time", i18n.hhmm(float(alert.get("at") or 0), tz))
    names = params.get("names")
    if isinstance(names, dict):
        params["name"] = names.get(lang) or names.get("hu") or next(iter(names.values()), "")
    try:
        return gettext(text) % {k: params.get(k, "") for k in ("time", "error", "port", "name", "boost")}
    except (TypeError, ValueError, KeyError):
        return str(alert.get("message") or code)


def alert_source(alert: dict[str, Any], gettext: Callable[[str], str]) -> str:
    source = str(alert.get("source", ""))
    return gettext(SOURCES[source]) if source in SOURCES else source
