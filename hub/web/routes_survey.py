"""The one-page NPS survey: "How likely are you to recommend us?" 0–10, under ``/f/{token}``.

The link is the ticket's own token (as on its status page), so only someone
who had the ticket can answer, once, after the visit (the ticket is done).
Sending the link after the visit is the notification channels' part: they
build it with :func:`survey_url`. An answer is the engine's ``feedback.nps``
event (op ``admin.nps_answer``, hub/survey.py), which the statistics project
into ``nps_answer``; they report NPS beside CSAT (:mod:`hub.stats.nps`).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.web import forms
from hub.web.access import Guarded
from hub.web.app import check_csrf, limit, page, web_of
from hub.web.routes_public import FormIn
from hub.web.security import WebError

router = APIRouter(include_in_schema=False, route_class=Guarded)


def survey_url(public_url: str, token: str) -> str:
    """The survey link for a ticket (the hook for the notifications that send it after the visit)."""
    return f"{public_url.rstrip('/')}/f/{token}"


def _visit(request: Request, token: str) -> dict[str, Any] | None:
    """The finished visit behind a token: its ticket, day, first service and the clerk who finished it."""
    if not token:
        return None
    row = web_of(request).db().execute(
        "SELECT id, number, day, state, data FROM tickets WHERE token = ? AND token != ''", [token]).fetchone()
    if row is None or row[3] != "done":
        return None
    data = json.loads(row[4])
    services = data.get("services") or [None]
    return {"ticket": row[0], "number": row[1], "day": row[2], "service": services[0], "clerk": data.get("clerk")}


def _answered(request: Request, token: str) -> int | None:
    row = web_of(request).stats_db().execute("SELECT score FROM nps_answer WHERE token = ?", [token]).fetchone()
    return int(row[0]) if row else None


@router.get("/f/{token}")
def survey(request: Request, token: str) -> Response:
    limit(request, "public")
    visit = _visit(request, token)
    if visit is None:
        return page(request, "survey.html", status=404, visit=None, token=token)
    return page(request, "survey.html", visit=visit, token=token, answered=_answered(request, token))


@router.post("/f/{token}")
def survey_answer(request: Request, token: str, form: FormIn) -> Response:
    limit(request, "public")
    check_csrf(request, form)
    visit = _visit(request, token)
    if visit is None:
        return page(request, "survey.html", status=404, visit=None, token=token)
    score = forms.integer(form, "score", None, 0, 10, "score")
    try:  # an event of the engine (feedback.nps): logged, replicated, projected into nps_answer
        web_of(request).call("admin.nps_answer", {"token": token, "score": score})
    except WebError as err:
        if err.code != "conflict":
            raise
        # answered already: the first answer stands, the page thanks again
    return page(request, "survey.html", visit=visit, token=token, answered=_answered(request, token), thanks=True)
