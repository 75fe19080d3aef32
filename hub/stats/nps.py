"""Net Promoter Score from the survey answers (``nps_answer``: the ``feedback.nps`` events, projected).

NPS = % promoters (9–10) − % detractors (0–6) among the answers for tickets
of the period, from −100 to 100; passives (7–8) count in the total only.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def nps(conn: sqlite3.Connection, start: str, end: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(score >= 9), 0), COALESCE(SUM(score BETWEEN 7 AND 8), 0),"
        " COALESCE(SUM(score <= 6), 0) FROM nps_answer WHERE day BETWEEN ? AND ?", [start, end]).fetchone()
    n, promoters, passives, detractors = (int(x) for x in row)
    score = round(100.0 * (promoters - detractors) / n, 1) if n else None
    return {"n": n, "promoters": promoters, "passives": passives, "detractors": detractors, "score": score}
