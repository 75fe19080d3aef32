"""The NPS survey's answer ("How likely are you to recommend us?", 0–10) as an event.

The web's one-page survey (``/f/{token}``) submits it through the hub's worker
(``admin.nps_answer``), so it is in the event log: replayed, replicated to the
central service, and projected into ``nps_answer`` by the statistics.
"""

from __future__ import annotations

from typing import Protocol

from hub.engine import events as ev
from hub.engine.errors import bad_args, conflict, not_found
from hub.engine.model import DONE, State, Ticket


class EngineCore(Protocol):
    state: State

    def _begin(self) -> None: ...

    def _emit(self, typed: ev.EngineEvent) -> ev.EngineEvent: ...


class Survey:
    def __init__(self, engine: EngineCore) -> None:
        self._engine = engine

    def answer(self, ticket_id: str, score: int, earlier: Ticket | None = None) -> ev.FeedbackNps:
        """Record a finished visit's answer; a second answer for the ticket is refused (``conflict``).

        ``earlier``: the ticket as the store keeps it, when it is of an earlier day
        (no longer in memory), with ``nps`` set if it was answered already."""
        self._engine._begin()
        t = self._engine.state.tickets.get(ticket_id) or earlier
        if t is None or t.id != ticket_id:
            raise not_found("no such ticket")
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
            raise bad_args("score: a whole number 0–10")
        if t.state != DONE:
            raise conflict(f"ticket {t.number} is {t.state}: only a finished visit can be rated")
        if t.nps is not None:
            raise conflict(f"ticket {t.number} was rated already")
        typed = ev.FeedbackNps(ticket=t.id, score=score, day=t.day, token=t.token,
                               service=t.services[0] if t.services else None, clerk=t.clerk)
        out = self._engine._emit(typed)
        assert isinstance(out, ev.FeedbackNps)
        return out
