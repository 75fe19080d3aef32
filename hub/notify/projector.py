"""Messages caused by engine events, queued inside the engine's own commit.

:class:`NotifyProjector` is one of the store's projectors: the store calls it
with the batch's events inside the transaction that writes them, so a
booking and its confirmation, or a call and its "your turn" message, are
committed together or not at all. It runs on the engine worker's thread,
where reading the engine's state (people ahead of a ticket) is safe.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import Any

from hub.engine.model import Appointment, Ticket
from hub.notify import contacts, outbox, texts
from sorra.naming import counter_label

log = logging.getLogger(__name__)
FOLLOW_EXPIRES_S = 2 * 3600.0
"""An "almost your turn" or "your turn" message later than this is no use to anyone."""


class Facts:
    """What the message texts are filled from, for appointments and tickets."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub

    def appointment(self, a: Appointment | dict[str, Any], lang: str) -> dict[str, Any]:
        from hub import booking

        d = a if isinstance(a, dict) else a.to_dict()
        state = self.hub.engine.state
        svc = state.services.get(d["service"])
        date, hhmm = texts.when(float(d["at"]), state.settings.tz, lang)
        link = ""
        if self.hub.secrets.get("hub_key"):
            sig = booking.sign(d["code"], self.hub.secrets["hub_key"])
            link = f"{self.hub.public_url.rstrip('/')}/book/manage/{d['code']}?sig={sig}"
        return {"office": _name(state.settings.office_names, lang), "service": _name(svc.names, lang) if svc else
                d["service"], "date": date, "time": hhmm, "code": d["code"],
                "bring": (_name(svc.info, lang) if svc else "") or "–", "link": link}

    def ticket(self, t: Ticket, lang: str, **more: Any) -> dict[str, Any]:
        state = self.hub.engine.state
        return {"office": _name(state.settings.office_names, lang), "number": t.number, **more}


def _name(names: dict[str, str] | None, lang: str) -> str:
    names = names or {}
    return names.get(lang) or names.get("hu") or names.get("en") or ""


HANDLED = frozenset({"appointment.booked", "appointment.moved", "appointment.cancelled", "ticket.called",
                     "ticket.issued", "ticket.passed_over", "ticket.finished"})


def may_queue(conn: sqlite3.Connection, events: list[dict[str, Any]]) -> bool:
    """Whether :meth:`NotifyProjector.project` could queue anything for these events.

    It runs inside every commit; most batches are tickets nobody follows. A
    ticket event matters only when some ticket is followed (the called, passed
    over, finished and "almost your turn" messages all need a follow row), or
    when it issues a remote ticket (which starts a follow); an appointment
    event always may.
    """
    followed: bool | None = None
    for e in events:
        kind = e["type"]
        if kind.startswith("ticket."):
            if kind == "ticket.issued" and e["ticket"].get("channel") == "remote":
                return True
            if followed is None:
                followed = conn.execute("SELECT 1 FROM notify_follow LIMIT 1").fetchone() is not None
            if followed:
                return True
        elif kind in HANDLED:
            return True
    return False


class NotifyProjector:
    def __init__(self, hub: Any, clock: Any = time.time) -> None:
        self.hub = hub
        self.facts = Facts(hub)
        self.clock = clock
        self.wake: Any = None
        """Called after queueing, so the sender looks at once (set by the sender)."""

    def __call__(self, db: Any, events: list[dict[str, Any]]) -> None:
        conn: sqlite3.Connection = db.conn
        if not may_queue(conn, events):
            return  # the usual batch: no savepoint, no settings read, one indexed read at most
        conn.execute("SAVEPOINT notify")
        try:
            queued = self.project(conn, events)
        except Exception:
            # A bug here must not cost the office its booking or call: this
            # batch's messages are dropped (and logged), the events are kept.
            conn.execute("ROLLBACK TO notify")
            log.exception("queueing messages for %d events failed", len(events))
            queued = False
        conn.execute("RELEASE notify")
        if queued and self.wake is not None:
            self.wake()

    def project(self, conn: sqlite3.Connection, events: list[dict[str, Any]]) -> bool:
        cfg: dict[str, Any] | None = None
        queued = False
        ticket_events = False
        for e in events:
            kind = e["type"]
            if kind.startswith("ticket."):
                ticket_events = True
            if kind not in HANDLED:
                continue
            if cfg is None:
                cfg = outbox.settings(conn)
            if kind == "ticket.called":
                queued |= self._called(conn, cfg, e)
            elif kind == "ticket.issued":
                queued |= self._joined(conn, cfg, e)
            elif kind == "ticket.passed_over":
                queued |= self._passed_over(conn, cfg, e)
            elif kind == "ticket.finished":
                queued |= self._finished(conn, cfg, e)
            else:
                queued |= self._appointment(conn, cfg, e)
        if ticket_events and conn.execute("SELECT 1 FROM notify_follow WHERE ahead_sent = 0 LIMIT 1").fetchone():
            queued |= self.check_ahead(conn, cfg or outbox.settings(conn))
        return queued

    # ---- appointments -------------------------------------------------------------

    def _appointment(self, conn: sqlite3.Connection, cfg: dict[str, Any], e: dict[str, Any]) -> bool:
        state = self.hub.engine.state
        code = e["appointment"]["code"] if e["type"] == "appointment.booked" else e["code"]
        a = state.appointments.get(code)
        if a is None:
            return False
        if e["type"] != "appointment.booked":
            # The old time's reminder, if one waits, is no longer right.
            outbox.drop_pending(conn, code, ("reminder",), f"appointment {e['type'].split('.')[1]}")
        kind = e["type"].split(".")[1]  # booked | moved | cancelled
        return queue_appointment(conn, cfg, self.facts, a, kind, f"{kind}:{code}:{e['at']}", e["at"])

    # ---- followed tickets --------------------------------------------------------

    def _called(self, conn: sqlite3.Connection, cfg: dict[str, Any], e: dict[str, Any]) -> bool:
        tid = e["ticket"]
        row = conn.execute("SELECT contact, channel, lang FROM notify_follow WHERE ticket = ? AND called_sent = 0",
                           [tid]).fetchone()
        t = self.hub.engine.state.tickets.get(tid)
        if row is None or t is None:
            return False
        contact, channel, lang = row
        counter = self.hub.engine.state.counters.get(e["counter"])
        facts = self.facts.ticket(t, lang, counter=counter_label(e["counter"], counter.name if counter else "", lang))
        conn.execute("UPDATE notify_follow SET called_sent = 1, ahead_sent = 1 WHERE ticket = ?", [tid])
        return queue_text(conn, cfg, key=f"called:{tid}", channel=channel, to=contact, kind="called", lang=lang,
                          ref=tid, facts=facts, now=e["at"], about_at=t.issued_at,
                          expires_at=e["at"] + FOLLOW_EXPIRES_S)

    # ---- remote tickets (hub/engine/remote.py) and the survey after a visit ---------------

    def _joined(self, conn: sqlite3.Connection, cfg: dict[str, Any], e: dict[str, Any]) -> bool:
        """A ticket taken from afar: its number and check-in code, and it is followed from now on."""
        d = e["ticket"]
        t = self.hub.engine.state.tickets.get(d["id"])
        if t is None or d.get("channel") != "remote" or not t.contact:
            return False
        to = contacts.normalise(t.contact)
        channel = outbox.channel_for(t.contact, cfg)
        if not to or channel is None:
            return False
        lang = t.lang if t.lang in ("hu", "en") else "hu"
        # Few ahead already: this message is the one that says "come now"; no "almost your turn" after it.
        near = int(self.hub.presenter.ticket(t)["ahead"]) <= int(cfg["next_ahead"])
        conn.execute(
            "INSERT INTO notify_follow(ticket, token, day, contact, channel, lang, ahead_sent, created_at, about_at)"
            " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(ticket) DO NOTHING",
            [t.id, t.token, t.day, to, channel, lang, int(near), e["at"], t.issued_at])
        svc = self.hub.engine.state.services.get(t.pending[0] if t.pending else "")
        facts = self.facts.ticket(t, lang, code=t.code, service=_name(svc.names, lang) if svc else "",
                                  link=self.hub.presenter.status_url(t))
        return queue_text(conn, cfg, key=f"joined:{t.id}", channel=channel, to=to, kind="joined", lang=lang,
                          ref=t.id, facts=facts, now=e["at"], about_at=t.issued_at,
                          expires_at=e["at"] + FOLLOW_EXPIRES_S)

    def _passed_over(self, conn: sqlite3.Connection, cfg: dict[str, Any], e: dict[str, Any]) -> bool:
        """Once, when a remote ticket's turn first comes while its citizen is not here yet."""
        queued = False
        for tid in e["tickets"]:
            row = conn.execute("SELECT contact, channel, lang FROM notify_follow WHERE ticket = ?", [tid]).fetchone()
            t = self.hub.engine.state.tickets.get(tid)
            if row is None or t is None:
                continue
            contact, channel, lang = row
            queued |= queue_text(conn, cfg, key=f"remote_turn:{tid}", channel=channel, to=contact,
                                 kind="remote_turn", lang=lang, ref=tid, facts=self.facts.ticket(t, lang, code=t.code),
                                 now=e["at"], about_at=t.issued_at, expires_at=e["at"] + FOLLOW_EXPIRES_S)
        return queued

    def _finished(self, conn: sqlite3.Connection, cfg: dict[str, Any], e: dict[str, Any]) -> bool:
        """The NPS survey link after a visit, when the office asks and the citizen left a contact."""
        if not cfg.get("survey") or e.get("remaining"):
            return False
        tid = e["ticket"]
        row = conn.execute("SELECT contact, channel, lang FROM notify_follow WHERE ticket = ?", [tid]).fetchone()
        t = self.hub.engine.state.tickets.get(tid)
        if row is None or t is None or not t.token:
            return False
        contact, channel, lang = row
        from hub.web.routes_survey import survey_url

        facts = self.facts.ticket(t, lang, link=survey_url(self.hub.public_url, t.token))
        return queue_text(conn, cfg, key=f"survey:{tid}", channel=channel, to=contact, kind="survey", lang=lang,
                          ref=tid, facts=facts, now=e["at"], about_at=t.issued_at, expires_at=e["at"] + 7 * 86400.0)

    def check_ahead(self, conn: sqlite3.Connection, cfg: dict[str, Any]) -> bool:
        """"Almost your turn" for every followed ticket with at most N people ahead (once each)."""
        from hub.engine.model import NOT_ARRIVED, WAITING

        limit = int(cfg["next_ahead"])
        queued = False
        now = self.clock()
        for tid, contact, channel, lang in conn.execute(
                "SELECT ticket, contact, channel, lang FROM notify_follow WHERE ahead_sent = 0").fetchall():
            t = self.hub.engine.state.tickets.get(tid)
            if t is None or t.state not in (WAITING, NOT_ARRIVED):  # not arrived: time to set off
                continue
            ahead = int(self.hub.presenter.ticket(t)["ahead"])
            if ahead > limit:
                continue
            conn.execute("UPDATE notify_follow SET ahead_sent = 1 WHERE ticket = ?", [tid])
            queued |= queue_text(conn, cfg, key=f"ahead:{tid}", channel=channel, to=contact, kind="ahead",
                                 lang=lang, ref=tid, facts=self.facts.ticket(t, lang, ahead=ahead), now=now,
                                 about_at=t.issued_at, expires_at=now + FOLLOW_EXPIRES_S)
        return queued


def erase_s(cfg: dict[str, Any]) -> float:
    return float(cfg["erase_days"]) * outbox.DAY_S


def queue_text(conn: sqlite3.Connection, cfg: dict[str, Any], *, key: str, channel: str, to: str, kind: str,
               lang: str, ref: str, facts: dict[str, Any], now: float, about_at: float,
               expires_at: float | None) -> bool:
    text = texts.render(cfg["texts"], kind, lang, facts)
    body = text["sms"] if channel == "sms" or (channel == "gateway" and "@" not in to) else text["body"]
    return outbox.enqueue(conn, key=key, channel=channel, to=to, kind=kind, lang=lang, ref=ref,
                          subject=text["subject"], body=body, now=now, about_at=about_at, expires_at=expires_at)


def queue_appointment(conn: sqlite3.Connection, cfg: dict[str, Any], facts: Facts, a: Appointment, kind: str,
                      key: str, now: float) -> bool:
    to = contacts.normalise(a.contact)
    channel = outbox.channel_for(a.contact, cfg)
    if not to or channel is None:
        return False
    lang = a.lang if a.lang in ("hu", "en") else "hu"
    return queue_text(conn, cfg, key=key, channel=channel, to=to, kind=kind, lang=lang, ref=a.code,
                      facts=facts.appointment(a, lang), now=now, about_at=a.at, expires_at=a.at)
