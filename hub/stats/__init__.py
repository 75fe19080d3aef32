"""Exact statistics from the event log.

* :mod:`hub.stats.projector` keeps fact tables inside every commit
  (:func:`install` registers it with the hub's store) and rebuilds them from
  the log (:func:`rebuild`).
* :mod:`hub.stats.report` computes a date range's figures (:func:`compute`).
* :mod:`hub.stats.export` writes them as CSV or XLSX.

numpy is imported only when a report is computed, so a hub that nobody asks
for statistics does not carry it.
"""

from __future__ import annotations

from typing import Any

from hub.stats.projector import FACT_TABLES, install, project, rebuild

__all__ = ["FACT_TABLES", "compute", "install", "project", "rebuild"]


def compute(conn: Any, start: str, end: str, **kwargs: Any) -> dict[str, Any]:
    from hub.stats.report import compute as _compute

    return _compute(conn, start, end, **kwargs)
