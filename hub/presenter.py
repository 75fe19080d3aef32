"""Engine objects → protocol payloads (sorra.protocol.messages shapes)."""

from __future__ import annotations

from typing import Any

from hub.engine import Engine
from hub.engine import hours as office_hours
from hub.engine.model import WAITING, Counter, Ticket
from hub.engine.routing import profile_of


class Presenter:
    def __init__(self, engine: Engine, public_url: str = "") -> None:
        self.engine = engine
        self.public_url = public_url.rstrip("/")
        self._waiting: tuple[int, dict[str, list[Ticket]]] | None = None

    def waiting_by_service(self) -> dict[str, list[Ticket]]:
        """Service → its queue (oldest first), computed once per engine change."""
        version = self.engine.version
        if self._waiting is None or self._waiting[0] != version:
            index: dict[str, list[Ticket]] = {sid: [] for sid in self.engine.state.services}
            queued = [t for t in self.engine.state.tickets.values()
                      if t.state == WAITING and t.pending and t.target_counter is None]
            for t in sorted(queued, key=lambda t: t.queue_seq):
                index.setdefault(t.pending[0], []).append(t)
            self._waiting = (version, index)
        return self._waiting[1]

    def status_url(self, t: Ticket) -> str:
        return f"{self.public_url}/t/{t.token}" if self.public_url and t.token else ""

    def ticket(self, t: Ticket) -> dict[str, Any]:
        est = self.engine.estimate()
        info: dict[str, Any] = {
            "id": t.id,
            "number": t.number,
            "services": list(t.services),
            "pending": list(t.pending),
            "state": t.state,
            "priority": t.priority,
            "note": t.note,
            "channel": t.channel,
            "lang": t.lang,
            "issued_at": t.issued_at,
            "called_at": t.called_at,
            "counter": t.counter,
            "ahead": 0,
            "est_wait_s": 0,
            "token": t.token,
            "status_url": self.status_url(t),
            "appointment": t.appointment,
            "recalls": t.recalls,
        }
        if t.state == WAITING:
            info["ahead"] = est.ahead.get(t.id, self._ahead_fallback(t))
            info["est_wait_s"] = int(round(est.wait_s.get(t.id, 0.0)))
        if t.counter is not None and t.counter in self.engine.state.counters:
            info["counter_name"] = self.counter_name(self.engine.state.counters[t.counter])
        return info

    def _ahead_fallback(self, t: Ticket) -> int:
        # Nobody open serves this ticket: count those queued before it for its service.
        queue = self.waiting_by_service().get(t.pending[0], []) if t.pending else []
        return sum(1 for x in queue if x.queue_seq < t.queue_seq)

    @staticmethod
    def counter_name(c: Counter) -> str:
        return c.name or str(c.number)

    def services(self) -> dict[str, Any]:
        s = self.engine.state
        now = self.engine.clock()
        open_now = self.engine.office_open(now)
        settings = s.settings
        return {
            "services": [
                {
                    "id": svc.id,
                    "names": svc.names,
                    "prefix": svc.prefix,
                    "info": svc.info,
                    "group": svc.group,
                    "sla_s": svc.sla_s,
                    "open": self.engine.service_open(svc, now),
                    "enabled": svc.enabled,
                    "order": svc.order,
                }
                for svc in sorted(s.services.values(), key=lambda x: (x.order, x.id))
                if svc.enabled
            ],
            "office": {
                "name": settings.office_names,
                "open": open_now,
                "hours_today": office_hours.today_text(settings.hours, now, settings.tz),
                "next_open": None if open_now else office_hours.next_opening(settings.hours, settings.holidays, now, settings.tz),
                "message": settings.message,
                "tz": settings.tz,
            },
            "at": now,
        }

    def queue(self) -> dict[str, Any]:
        s = self.engine.state
        now = self.engine.clock()
        est = self.engine.estimate()
        out: dict[str, Any] = {}
        total = 0
        for sid, svc in s.services.items():
            if not svc.enabled:
                continue
            waiting = self.waiting_by_service().get(sid, [])
            total += len(waiting)
            out[sid] = {
                "waiting": len(waiting),
                "longest_wait_s": int(max((now - t.queued_at for t in waiting), default=0)),
                "est_wait_s": int(round(est.new_ticket_s.get(sid, 0.0))),
                "sla_s": svc.sla_s,
            }
        targeted = sum(1 for t in s.tickets.values() if t.state == WAITING and t.target_counter is not None)
        open_counters = sum(1 for c in s.counters.values() if c.enabled and c.state in ("open", "called", "serving"))
        return {"services": out, "waiting": total + targeted, "open_counters": open_counters, "at": now}

    def counter(self, c: Counter) -> dict[str, Any]:
        s = self.engine.state
        clerk = s.clerks.get(c.clerk) if c.clerk else None
        bg = s.backgrounds.get(c.background) if c.background else None
        weights = profile_of(s, c)
        index = self.waiting_by_service()
        waiting = {sid: len(index.get(sid, [])) for sid in weights if sid in s.services}
        targeted = sum(1 for t in s.tickets.values() if t.state == WAITING and t.target_counter == c.number)
        return {
            "counter": c.number,
            "name": self.counter_name(c),
            "state": c.state,
            "clerk": c.clerk,
            "clerk_name": clerk.name if clerk else None,
            "ticket": self.ticket(s.tickets[c.ticket]) if c.ticket else None,
            "since": c.since,
            "reason": c.reason,
            "background": bg.to_dict() if bg else None,
            "parked": [self.ticket(t) for t in self.engine.parked_at(c.number)],
            "waiting": waiting,
            "waiting_here": targeted,
            "profile": [{"service": k, "weight": v} for k, v in weights.items()],
            "last_ticket": c.last_ticket,
        }

    def call(self, t: Ticket, counter: int, at: float, recall: bool) -> dict[str, Any]:
        c = self.engine.state.counters[counter]
        return {
            "ticket": t.id,
            "number": t.number,
            "counter": counter,
            "counter_name": self.counter_name(c),
            "services": list(t.services),
            "recall": recall,
            "at": at,
            "lang": t.lang,
        }

    def clerk(self, clerk_id: str) -> dict[str, Any] | None:
        c = self.engine.state.clerks.get(clerk_id)
        if c is None:
            return None
        return {"id": c.id, "name": c.name, "may_edit_profile": c.may_edit_profile, "profile": list(c.profile)}
