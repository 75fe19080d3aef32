"""Which information/ad item plays now: day/time schedules and a round-robin (pure).

An item is *active* when today is in its ``days`` (0 = Monday; empty: every
day) and the local time is within ``start``–``end`` ("HH:MM"; either may be
empty; ``end`` before ``start`` spans midnight, "22:00"–"06:00"). It is
*playable* when active and its media is in the cache (a text item needs
none). :meth:`Scheduler.advance` moves to the next playable item after the
current one, in playlist order, so a playlist change keeps the rotation where
it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import time as dtime

from sorra.protocol.messages import PlaylistItem

__all__ = ["Scheduler", "Slot", "is_active", "parse_hhmm"]

MIN_DURATION_S = 2.0
MAX_DURATION_S = 3600.0


def parse_hhmm(text: str) -> dtime | None:
    """"07:30" → time(7, 30); "" or a malformed value → None (no bound)."""
    text = text.strip()
    if not text:
        return None
    try:
        hh, mm = text.split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        return None
    if h == 24 and m == 0:
        return dtime(23, 59, 59, 999999)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return dtime(h, m)


def is_active(item: PlaylistItem, now: datetime) -> bool:
    start, end = parse_hhmm(item.start), parse_hhmm(item.end)
    t = now.time()
    today, yesterday = now.weekday(), (now.weekday() - 1) % 7

    def on(day: int) -> bool:
        return not item.days or day in item.days

    if start is not None and end is not None and end < start:
        # spans midnight; the window belongs to the day it starts on
        return (t >= start and on(today)) or (t < end and on(yesterday))
    if not on(today):
        return False
    if start is not None and t < start:
        return False
    return not (end is not None and t >= end)


@dataclass(frozen=True)
class Slot:
    """What to show now and for how long (a video may end earlier)."""

    item: PlaylistItem
    duration_s: float


class Scheduler:
    """Round-robin over the playable items of the current playlist."""

    def __init__(self, min_duration_s: float = MIN_DURATION_S) -> None:
        self.min_duration_s = min_duration_s
        self.items: list[PlaylistItem] = []
        self._current_id: str | None = None
        self._current_index = -1

    def set_items(self, items: Iterable[PlaylistItem]) -> None:
        self.items = list(items)
        # keep the rotation where it was: restart after the item now playing
        ids = [i.id for i in self.items]
        if self._current_id in ids:
            self._current_index = ids.index(self._current_id)
        else:
            self._current_index = min(self._current_index, len(self.items) - 1)

    @property
    def current_id(self) -> str | None:
        return self._current_id

    def playable(self, now: datetime, ready: Callable[[PlaylistItem], bool]) -> list[PlaylistItem]:
        return [i for i in self.items if is_active(i, now) and ready(i)]

    def advance(self, now: datetime, ready: Callable[[PlaylistItem], bool]) -> Slot | None:
        """The next playable item after the current one; None if nothing can play now."""
        n = len(self.items)
        for step in range(1, n + 1):
            idx = (self._current_index + step) % n
            item = self.items[idx]
            if is_active(item, now) and ready(item):
                self._current_index = idx
                self._current_id = item.id
                duration = min(MAX_DURATION_S, max(self.min_duration_s, float(item.duration_s or 0)))
                return Slot(item, duration)
        self._current_id = None
        return None
