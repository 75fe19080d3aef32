"""A controllable clock and a small office for engine tests."""

from __future__ import annotations

from datetime import datetime

from hub.engine import Engine


class Clock:
    def __init__(self, start: str = "2026-11-23T10:00:00+01:00") -> None:
        self.now = datetime.fromisoformat(start).timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def office(clock: Clock) -> Engine:
    """Two services (A, B), two counters with no profile (serve everything)."""
    e = Engine(clock)
    e.upsert_service({"id": "A", "names": {"hu": "Okmány", "en": "Documents"}, "prefix": "A"})
    e.upsert_service({"id": "B", "names": {"hu": "Adó", "en": "Tax"}, "prefix": "B"})
    e.upsert_counter(1, "Ablak 1")
    e.upsert_counter(2, "Ablak 2")
    for code in ("ok", "resolved"):
        e.upsert_outcome({"code": code, "names": {"hu": code, "en": code}})
    return e


def quick_next(e: Engine) -> Engine:
    """No guard after a call: tests of routing press Next again at the same instant."""
    e.update_settings(call_guard_s=0)
    return e
