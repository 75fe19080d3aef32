"""Exact statistics from the event log.

* :mod:`hub.stats.projector` keeps fact tables from the event log, projected
  in batches after the commits (:func:`catch_up`; a reader makes them
  :func:`current` first), and rebuilds them from the log (:func:`rebuild`).
* :mod:`hub.stats.report` computes a date range's figures (:func:`compute`).
* :mod:`hub.stats.export` writes them as CSV or XLSX.

numpy is imported only when a report is computed, so a hub that nobody asks
for statistics does not carry it.
"""

from __future__ import annotations

from typing import Any

from hub.stats.projector import FACT_TABLES, catch_up, current, install, project, rebuild

__all__ = ["FACT_TABLES", "catch_up", "compute", "current", "install", "project", "rebuild"]


def compute(conn: Any, start: str, end: str, **kwargs: Any) -> dict[str, Any]:
    from hub.stats.report import compute as _compute

    return _compute(conn, start, end, **kwargs)
