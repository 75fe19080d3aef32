"""Engine objects → protocol payloads.

Each payload is what its model from :mod:`sorra.protocol.messages` dumps.
The rare ones (services, a clerk, a background, the backlog) are built as the
model and published as its ``model_dump()``. The ones published after every
change (tickets, the queue, counters, calls) are built as that same dict
directly: every field of the model, in its order, with the model's types
(floats made floats here). Validating values the hub made itself cost more
than building them (~5 µs a model, dozens a request; ``model_construct`` is
slower still). tests/hub/test_presenter.py checks that validating each of
them against its model changes nothing, and tests/protocol_check.py
validates the traffic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.engine import Engine
from hub.engine import hours as office_hours
from hub.engine.model import NOT_ARRIVED, WAITING, Counter, Ticket
from hub.engine.routing import profile_of
from sorra.protocol.messages import (
    BackgroundInfo,
    BacklogInfo,
    ClerkInfo,
    OutcomeInfo,
    ProfileEntry,
    ServiceInfo,
    ServicesState,
)


class Presenter:
    def __init__(self, engine: Engine, public_url: str = "") -> None:
        self.engine = engine
        self.public_url = public_url.rstrip("/")

    def status_url(self, t: Ticket) -> str:
        return f"{self.public_url}/t/{t.token}" if self.public_url and t.token else ""

    def ticket(self, t: Ticket) -> dict[str, Any]:
        """A :class:`TicketInfo`'s dump."""
        ahead = est_wait_s = 0
        if t.state in (WAITING, NOT_ARRIVED):  # not arrived: its figure were it to check in now
            figure = self.engine.wait_for(t)
            if figure is not None:
                est_wait_s = int(round(figure[0]))
            ahead = self.engine.ahead_of(t)
        counters = self.engine.state.counters
        return {
            "id": t.id, "number": t.number, "services": list(t.services), "state": t.state,
            "priority": bool(t.priority), "note": t.note, "channel": t.channel, "lang": t.lang,
            "issued_at": float(t.issued_at), "called_at": _float(t.called_at), "counter": t.counter,
            "ahead": ahead, "est_wait_s": est_wait_s, "token": t.token, "status_url": self.status_url(t),
            "appointment": t.appointment, "pending": list(t.pending), "recalls": t.recalls,
            "counter_name": self.counter_name(counters[t.counter]) if t.counter in counters else None,
            "front": bool(t.front), "passed": t.passed, "people": t.people,
        }

    @staticmethod
    def counter_name(c: Counter) -> str:
        return c.name or str(c.number)

    def services(self) -> dict[str, Any]:
        s = self.engine.state
        now = self.engine.clock()
        open_now = self.engine.office_open(now)
        settings = s.settings
        return ServicesState(
            services=[
                ServiceInfo(id=svc.id, names=svc.names, prefix=svc.prefix, info=svc.info, group=svc.group,
                            sla_s=svc.sla_s, open=self.engine.service_open(svc, now), enabled=svc.enabled,
                            order=svc.order, default_outcome=svc.default_outcome)
                for svc in sorted(s.services.values(), key=lambda x: (x.order, x.id))
                if svc.enabled
            ],
            office={
                "name": settings.office_names,
                "open": open_now,
                "hours_today": office_hours.today_text(settings.hours, now, settings.tz, settings.workdays),
                "next_open": None if open_now else office_hours.next_opening(
                    settings.hours, settings.holidays, now, settings.tz, settings.workdays),
                "message": settings.message,
                "tz": settings.tz,
                "next_finishes": settings.next_finishes,
            },
            outcomes=[OutcomeInfo(code=o.code, names=o.names, resolved=o.resolved)
                      for o in sorted(s.outcomes.values(), key=lambda o: o.code) if o.enabled],
            at=now,
        ).model_dump()

    def queue(self) -> dict[str, Any]:
        s = self.engine.state
        now = self.engine.clock()
        est = self.engine.estimate()
        index = self.engine.index
        out: dict[str, dict[str, Any]] = {}
        total = 0
        for sid, svc in s.services.items():
            if not svc.enabled:
                continue
            waiting = index.waiting_for(sid)
            oldest = index.oldest_for(sid)
            total += waiting
            out[sid] = {  # QueueEntry
                "waiting": waiting,
                "longest_wait_s": int(max(0.0, now - oldest.queued_at)) if oldest is not None else 0,
                "est_wait_s": int(round(est.new_ticket_s.get(sid, 0.0))),
                "sla_s": svc.sla_s,
            }
        targeted = index.targeted_total()
        open_counters = sum(1 for c in s.counters.values() if c.enabled and c.state in ("open", "called", "serving"))
        backlog = sum(1 for b in s.backlog.values() if b.taken_by is None)
        return {"services": out, "waiting": total + targeted, "open_counters": open_counters,  # QueueState
                "backlog": backlog, "at": float(now)}

    def counter(self, c: Counter) -> dict[str, Any]:
        s = self.engine.state
        clerk = s.clerks.get(c.clerk) if c.clerk else None
        bg = s.backgrounds.get(c.background) if c.background else None
        weights = profile_of(s, c)
        index = self.engine.index
        waiting = {sid: index.waiting_for(sid) for sid in weights if sid in s.services}
        targeted = index.targeted_at(c.number)
        return {  # CounterState
            "counter": c.number,
            "name": self.counter_name(c),
            "state": c.state,
            "clerk": c.clerk,
            "clerk_name": clerk.name if clerk else None,
            "ticket": self.ticket(s.tickets[c.ticket]) if c.ticket else None,
            "since": float(c.since),
            "reason": c.reason,
            "background": BackgroundInfo(**bg.to_dict()).model_dump() if bg else None,
            "parked": [self.ticket(t) for t in self.engine.parked_at(c.number)],
            "waiting": waiting,
            "waiting_here": targeted,
            "profile": [{"service": k, "weight": v} for k, v in weights.items()],  # ProfileEntry
            "last_ticket": c.last_ticket,
            "no_shows": [self.ticket(t) for t in self.engine.returnable()[:20]] if c.clerk else [],
            "backlog": [BacklogInfo(**b.to_dict()).model_dump()
                        for b in self.engine.backlog.waiting_for(c)[:20]] if c.clerk else [],
        }

    def call(self, t: Ticket, counter: int, at: float, recall: bool) -> dict[str, Any]:
        c = self.engine.state.counters[counter]
        return {"ticket": t.id, "number": t.number, "counter": counter,  # CallInfo
                "counter_name": self.counter_name(c), "services": list(t.services), "recall": bool(recall),
                "at": float(at), "lang": t.lang}

    @staticmethod
    def calls(recent: Iterable[dict[str, Any]], at: float) -> dict[str, Any]:
        """The retained ``state/calls`` (a CallsState): the latest calls (:meth:`call` payloads), oldest first."""
        return {"calls": [dict(c) for c in recent], "at": float(at)}

    def clerk(self, clerk_id: str) -> dict[str, Any] | None:
        c = self.engine.state.clerks.get(clerk_id)
        if c is None:
            return None
        return ClerkInfo(id=c.id, name=c.name, may_edit_profile=c.may_edit_profile,
                         profile=[ProfileEntry(**p) for p in c.profile]).model_dump()


def _float(x: float | None) -> float | None:
    return None if x is None else float(x)
