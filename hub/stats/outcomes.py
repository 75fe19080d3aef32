"""Cases per outcome (wrap-up) code, first-contact resolution by the resolved codes, the backlog.

An office that uses outcome codes says itself which finished cases were
settled (``resolved`` codes). When any code was recorded in the range,
first-contact resolution counts a served ticket only if it was served without
a transfer or a return (as without codes) *and* every code recorded for it is
a resolved one (and there is at least one); otherwise the definition in
:mod:`hub.stats.report` stands.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def outcome_rows(conn: sqlite3.Connection, start: str, end: str,
                 outcomes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per code: cases finished with it and their tickets, most used first."""
    out = []
    for code, cases, tickets in conn.execute(
            "SELECT code, COUNT(*), COUNT(DISTINCT ticket) FROM stat_outcome WHERE day BETWEEN ? AND ?"
            " GROUP BY code ORDER BY 2 DESC, code", [start, end]):
        info = outcomes.get(code, {})
        out.append({"code": code, "name": info.get("name") or code, "resolved": bool(info.get("resolved", False)),
                    "cases": int(cases), "tickets": int(tickets)})
    return out


def resolved_first_contact(conn: sqlite3.Connection, start: str, end: str,
                           outcomes: dict[str, dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(first service, last clerk) → served tickets resolved at the first contact, by the resolved codes."""
    resolved = sorted(code for code, info in outcomes.items() if info.get("resolved"))
    marks = ",".join("?" * len(resolved)) or "NULL"
    rows = conn.execute(
        "SELECT t.service, COALESCE(t.last_clerk, ''), COUNT(*) FROM stat_ticket t"
        " WHERE t.day BETWEEN ? AND ? AND t.outcome = 'served' AND t.transfers = 0 AND t.returns = 0"
        " AND EXISTS (SELECT 1 FROM stat_outcome o WHERE o.ticket = t.id)"
        f" AND NOT EXISTS (SELECT 1 FROM stat_outcome o WHERE o.ticket = t.id AND o.code NOT IN ({marks}))"
        " GROUP BY 1, 2", [start, end, *resolved]).fetchall()
    return {(svc, clerk): int(n) for svc, clerk, n in rows}


def backlog_rows(conn: sqlite3.Connection, start: str, end: str,
                 clerks: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Background backlog cases recorded in the range: per kind, and done per clerk.

    ``wait_s``: mean time from recording to done, over the cases done; ``work_s``: time worked on them.
    """
    kinds = [{"kind": kind, "recorded": int(n), "done": int(done or 0), "open": int(n) - int(done or 0),
              "work_s": round(float(work or 0.0)), "wait_s": None if wait is None else round(float(wait))}
             for kind, n, done, work, wait in conn.execute(
                 "SELECT kind, COUNT(*), SUM(done_at IS NOT NULL), SUM(work_s), AVG(done_at - recorded_at)"
                 " FROM stat_backlog WHERE day BETWEEN ? AND ? GROUP BY kind ORDER BY 2 DESC, kind", [start, end])]
    by_clerk = [{"id": clerk, "name": clerks.get(clerk, clerk), "done": int(n), "work_s": round(float(work or 0.0))}
                for clerk, n, work in conn.execute(
                    "SELECT clerk, COUNT(*), SUM(work_s) FROM stat_backlog WHERE day BETWEEN ? AND ?"
                    " AND done_at IS NOT NULL GROUP BY clerk ORDER BY 2 DESC, clerk", [start, end])]
    return {"kinds": kinds, "clerks": by_clerk}
