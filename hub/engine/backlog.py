"""Background work as a backlog: cases recorded to be done without the customer, taken by a clerk.

``record`` adds a case; ``take`` starts the counter's background-work timer on
the next case (or a chosen one) the counter may do; the clerk's
``background.stop`` finishes it, and any other stop (a call, closing, logging
out, the day's end) puts it back in the backlog (:mod:`hub.engine.reducer`).
Like every command these validate first, then emit events.
"""

from __future__ import annotations

from typing import Any, Protocol

from hub.engine import events as ev
from hub.engine import routing
from hub.engine.errors import bad_args, conflict, not_found
from hub.engine.model import BacklogItem, Counter, State


class EngineCore(Protocol):
    state: State

    @property
    def now(self) -> float: ...

    def _begin(self) -> None: ...

    def _emit(self, typed: ev.EngineEvent) -> ev.EngineEvent: ...

    def _counter(self, number: int) -> Counter: ...


class Backlog:
    def __init__(self, engine: EngineCore) -> None:
        self._engine = engine

    @property
    def state(self) -> State:
        return self._engine.state

    def record(self, kind: str, note: str = "", services: list[str] | None = None,
               by: str = "") -> BacklogItem:
        self._engine._begin()
        kind, note = str(kind).strip(), str(note).strip()
        if not kind or len(kind) > 64:
            raise bad_args("kind: 1–64 characters")
        if len(note) > 500:
            raise bad_args("note: at most 500 characters")
        wanted = list(dict.fromkeys(services or []))
        for sid in wanted:
            if sid not in self.state.services:
                raise not_found(f"no service {sid!r}")
        item = BacklogItem(id=f"bl-{self.state.backlog_seq + 1}", kind=kind, note=note,
                           recorded_at=self._engine.now, services=wanted, recorded_by=by)
        self._engine._emit(ev.BacklogRecorded(item=item.to_dict()))
        return self.state.backlog[item.id]

    def waiting_for(self, c: Counter) -> list[BacklogItem]:
        """Cases this counter may take, oldest first."""
        weights = routing.profile_of(self.state, c)
        return sorted((b for b in self.state.backlog.values()
                       if b.taken_by is None and (not b.services or any(s in weights for s in b.services))),
                      key=lambda b: (b.recorded_at, b.id))

    def take(self, counter: int, item_id: str | None = None) -> dict[str, Any]:
        self._engine._begin()
        c = self._engine._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before background work")
        if c.background is not None:
            raise conflict("background work is already running at this counter")
        open_here = self.waiting_for(c)
        if item_id is not None:
            item = self.state.backlog.get(item_id)
            if item is None:
                raise not_found(f"no backlog case {item_id!r}")
            if item.taken_by is not None:
                raise conflict("another clerk is working on this case")
            if item not in open_here:
                raise conflict("this counter does not serve that case's services")
        elif not open_here:
            raise not_found("the backlog has nothing for this counter")
        else:
            item = open_here[0]
        s = self.state
        bid = f"{s.day.replace('-', '')}-bg-{s.background_seq + 1}"
        self._engine._emit(ev.BackgroundStarted(counter=c.number, clerk=c.clerk, background={
            "id": bid, "counter": c.number, "clerk": c.clerk, "kind": item.kind, "note": item.note,
            "started_at": self._engine.now, "stopped_at": None, "backlog": item.id,
        }))
        return s.backgrounds[bid].to_dict()
