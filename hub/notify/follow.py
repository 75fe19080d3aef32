"""Following a ticket: a citizen leaves a phone number or e-mail address on the ticket's page.

:func:`follow` runs on the engine worker (the web submits it as a read), so
the ticket it looks at and the "almost your turn" it may queue at once (when
few are ahead already) are consistent with every commit before and after.
"""

from __future__ import annotations

from typing import Any

from hub.engine import EngineError
from hub.engine.model import WAITING
from hub.notify import contacts, outbox


def follow(hub: Any, projector: Any, token: str, contact: str, kind: str) -> dict[str, Any]:
    """Remember ``contact`` for the ticket with ``token``; raises EngineError with a protocol code."""
    normal = contacts.phone(contact) if kind == "phone" else contacts.email(contact)
    if not normal:
        raise EngineError("bad_args", "not a phone number (+36… or 06…)" if kind == "phone"
                          else "not an e-mail address")
    engine = hub.engine
    t = engine.find_ticket(token=token) if token else None
    if t is None:
        raise EngineError("not_found", "no ticket with this token today")
    if t.state != WAITING:
        raise EngineError("conflict", "this ticket is no longer waiting")
    store = hub.store
    with store.lock, store.db.atomic():
        conn = store.db.conn
        cfg = outbox.settings(conn)
        channel = outbox.channel_for(normal, cfg)
        if channel is None:
            raise EngineError("unavailable", "this office does not send "
                              + ("text messages" if kind == "phone" else "e-mails"))
        now = hub.clock()
        conn.execute(
            "INSERT INTO notify_follow(ticket, token, day, contact, channel, lang, created_at, about_at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(ticket) DO UPDATE SET contact=excluded.contact,"
            " channel=excluded.channel",
            [t.id, t.token, t.day, normal, channel, t.lang if t.lang in ("hu", "en") else "hu", now,
             t.issued_at])
        projector.check_ahead(conn, cfg)  # few ahead already: tell them now
    if projector.wake is not None:
        projector.wake()
    return {"following": True, "channel": channel, "ahead_limit": int(cfg["next_ahead"])}
