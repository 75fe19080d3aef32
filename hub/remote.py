"""Remote tickets on the hub: joining from the web (``admin.remote_join``) and the kiosk's check-in op.

The rules live in the engine (:mod:`hub.engine.remote`); here the hub adds
what the engine must not do itself: a random check-in code and status token,
the contact in one normal form (so ``06 30 123 4567`` and ``+36301234567``
are one phone for the per-phone limit), and "not today" for a code that
belongs to an earlier day's ticket (from the store's history).

The ``ticket.issued`` event of a remote ticket carries its ``contact`` and
``lang``: a notification sender can take its messages from there.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Any

from hub.engine import EngineError
from hub.engine.remote import CODE_DIGITS
from hub.ops import Context, OpRegistry, OpSpec, new_token
from sorra.protocol import messages as m
from sorra.protocol.names import Op

REMOTE_CODE_DAYS = 30
"""How far back an unknown check-in code is looked up, to answer "not today" rather than "unknown"."""
PHONE_RE = re.compile(r"^\+?[0-9]{8,15}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normal_phone(raw: str) -> str | None:
    """``+36 30 123 4567``, ``06-30/123-4567`` → ``+36301234567``; None when it is no phone number."""
    text = re.sub(r"[\s\-/().]", "", raw or "")
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("06"):
        text = "+36" + text[2:]
    if not PHONE_RE.match(text) or not text.startswith("+"):
        return None
    return text


def normal_email(raw: str) -> str | None:
    text = (raw or "").strip().lower()
    return text if len(text) <= 200 and EMAIL_RE.match(text) else None


def contact_of(phone: str, email: str) -> str:
    """The contact the limits count by: the phone when given, else the e-mail address."""
    return phone or email


def register_ops(ops: OpRegistry) -> None:
    ops.add(OpSpec(Op.TICKET_CHECKIN, _checkin, m.TicketCheckInArgs))
    ops.add(OpSpec("admin.remote_join", _join, loose=True))


def _join(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    """Web only: ``service``, ``contact`` (normal form), ``origin`` (client digest), ``lang``."""
    lang = a.get("lang", "hu")
    if lang not in ("hu", "en"):
        raise EngineError("bad_args", "lang: hu or en")
    for _ in range(20):  # a code taken today: draw again
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        if ctx.engine.remote.find(code) is None and not _earlier_remote_code(ctx, code):
            break
    t = ctx.engine.remote.join(str(a["service"]), contact=str(a["contact"]), origin=str(a["origin"]),
                               code=code, token=new_token(), lang=lang)
    return {"ticket": ctx.presenter.ticket(t), "code": t.code}


def _checkin(ctx: Context, a: m.TicketCheckInArgs) -> dict[str, Any]:
    try:
        t = ctx.engine.remote.check_in(a.code)
    except EngineError as err:
        if err.code == "not_found" and _earlier_remote_code(ctx, a.code):
            raise EngineError("not_today", "this ticket was for an earlier day") from None
        raise
    return {"ticket": ctx.presenter.ticket(t)}


def _earlier_remote_code(ctx: Context, code: str) -> bool:
    store = getattr(ctx.hub, "store", None)
    day = ctx.engine.state.day
    if store is None or not day:
        return False
    since = (date.fromisoformat(day) - timedelta(days=REMOTE_CODE_DAYS)).isoformat()
    row = store.db.execute(
        "SELECT 1 FROM tickets WHERE day >= ? AND day < ? AND json_extract(data, '$.channel') = 'remote'"
        " AND json_extract(data, '$.code') = ? LIMIT 1", [since, day, code]).fetchone()
    return row is not None
