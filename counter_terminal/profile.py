"""The clerk's own priority list: services ordered by weight, moved up and down.

The hub's routing multiplies waiting time by a service's weight, so "higher in
the list" means "higher weight". Moving a service above its neighbour gives it
a weight greater than the neighbour's, raising those above it as needed so the
list stays in order; weights stay within 1..100.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

MAX_WEIGHT = 100


def _weight(entry: Any) -> int:
    return int(entry["weight"] if isinstance(entry, dict) else entry.weight)


def sort_profile(entries: Iterable[T]) -> list[T]:
    """Highest weight first; equal weights keep their order."""
    return sorted(entries, key=lambda e: -_weight(e))


def moved(rows: Sequence[T], index: int, delta: int, make: Callable[[T, int], T]) -> list[T]:
    """``rows`` (highest weight first) with item ``index`` moved up (-1) or down (+1).

    ``make(row, weight)`` builds a row with a new weight. The result is still
    ordered highest first, with the moved item strictly above the one it passed.
    """
    rows = list(rows)
    j = index + delta
    if delta not in (-1, 1) or not 0 <= j < len(rows):
        return rows
    up = index if delta == -1 else j  # the item that goes up one place
    p = up - 1  # its new position
    w = [_weight(r) for r in rows]
    rows[p], rows[up] = rows[up], rows[p]
    if w[p] <= w[p + 1]:
        if w[p + 1] >= MAX_WEIGHT:
            w[p + 1] = MAX_WEIGHT - 1
            for k in range(p + 2, len(w)):
                w[k] = min(w[k], w[k - 1])
        w[p] = w[p + 1] + 1
    for k in range(p - 1, -1, -1):
        w[k] = max(w[k], w[k + 1])
    return [make(r, wt) for r, wt in zip(rows, w, strict=True)]
