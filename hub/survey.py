"""``admin.nps_answer``: the web's NPS survey answer, recorded as the engine's ``feedback.nps``.

The survey link is the ticket's token, found in the store. Today's tickets are
in the engine; an earlier day's ticket is taken from the store, with its
answer (if any) from ``nps_answer`` (the statistics' projection of
``feedback.nps``) or from the worker's batch not committed yet, so the engine
can refuse a second answer for it too, whether it comes in a later batch or in
the same one.
"""

from __future__ import annotations

import json
from typing import Any

from hub.engine import EngineError
from hub.engine.model import Ticket
from hub.ops import Context, OpRegistry, OpSpec


def register_ops(ops: OpRegistry) -> None:
    ops.add(OpSpec("admin.nps_answer", _answer, loose=True))


def _answer(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    """``token`` (the ticket's), ``score`` (0–10): ``{"ticket", "score"}``."""
    token = str(a.get("token", ""))
    score = a.get("score")
    if not token:
        raise EngineError("bad_args", "token: the ticket's token")
    ticket_id, earlier = _find(ctx, token)
    if ticket_id is None:
        raise EngineError("not_found", "no ticket with this token")
    e = ctx.engine.survey.answer(ticket_id, score, earlier)
    return {"ticket": e.ticket, "score": e.score}


def _find(ctx: Context, token: str) -> tuple[str | None, Ticket | None]:
    """The ticket behind a token as stored, with its answer if it has one.

    The engine prefers its own copy while the ticket is today's; the stored one
    counts once the day has rolled (which may happen inside the op itself)."""
    store = getattr(ctx.hub, "store", None)
    if store is None:
        return None, None
    ctx.hub.project_stats()  # answers of earlier batches into nps_answer (this is the engine thread)
    with store.lock:  # every ticket is in the store from the commit that issued it
        row = store.db.execute("SELECT data FROM tickets WHERE token = ? AND token != ''", [token]).fetchone()
        if row is None:
            return None, None
        t = Ticket.from_dict(json.loads(row[0]))
        answered = store.db.execute("SELECT score FROM nps_answer WHERE ticket = ?", [t.id]).fetchone()
    if answered is not None:
        t.nps = int(answered[0])
    for e in ctx.uncommitted:  # an answer earlier in this batch is not in nps_answer before the commit
        if e["type"] == "feedback.nps" and e["ticket"] == t.id:
            t.nps = int(e["score"])
    return t.id, t
