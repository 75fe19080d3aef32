"""What the pages show, read from the engine on its worker thread (consistent snapshots).

Each ``*_snapshot`` function takes the engine (run it with
``hub.worker.run_in_worker``) and returns plain data the templates and the
JSON API both use; nothing here formats for a language.
"""

from __future__ import annotations

from typing import Any

from hub.booking import due_today
from hub.engine import Engine
from hub.engine.model import (
    CALLED,
    DONE,
    NO_SHOW,
    NOT_ARRIVED,
    OPEN_STATES,
    PARKED,
    SERVING,
    WAITING,
)

SLA_WARN = 0.75  # a queue is "warning" once its longest wait passes 75 % of the target


def sla_state(longest_s: float, sla_s: int, waiting: int) -> str:
    if not waiting or not sla_s:
        return "ok"
    if longest_s >= sla_s:
        return "over"
    return "warn" if longest_s >= SLA_WARN * sla_s else "ok"


def _service_rows(engine: Engine, presenter: Any, est_new: dict[str, float], now: float) -> list[dict[str, Any]]:
    # From the queue index: counts, the oldest and the priority tickets per service, never the queue
    # itself (this runs on the engine's thread for every live-dashboard update).
    s = engine.state
    boosts = engine.boosts()
    index = engine.index
    rows = []
    for svc in sorted(s.services.values(), key=lambda x: (x.order, x.id)):
        if not svc.enabled:
            continue
        waiting = index.waiting_for(svc.id)
        oldest = index.oldest_for(svc.id)
        longest = max(0.0, now - oldest.queued_at) if oldest is not None else 0.0
        rows.append({
            "id": svc.id, "names": svc.names, "prefix": svc.prefix, "waiting": waiting,
            "longest_wait_s": int(longest), "oldest_queued_at": oldest.queued_at if oldest is not None else None,
            "est_wait_s": int(round(est_new.get(svc.id, 0.0))), "sla_s": svc.sla_s,
            "sla_state": sla_state(longest, svc.sla_s, waiting), "open": engine.service_open(svc, now),
            "boost": boosts.get(svc.id, 1), "priority_waiting": index.priority_waiting(svc.id),
        })
    return rows


def dashboard_snapshot(engine: Engine, hub: Any) -> dict[str, Any]:
    s = engine.state
    now = engine.clock()
    est = engine.estimate()
    services = _service_rows(engine, hub.presenter, est.new_ticket_s, now)
    # counts from the queue index (this runs on the engine's thread: never a pass over the day)
    index = engine.index
    states = {k: v for k, v in index.counts.items() if v}
    targeted = {n: len(ids) for n, ids in index.targeted.items() if ids}
    parked = {n: [t.number for t in index.parked_at(n)] for n, ids in index.parked.items() if ids}
    counters = []
    for c in sorted(s.counters.values(), key=lambda c: c.number):
        if not c.enabled:
            continue
        t = s.tickets.get(c.ticket) if c.ticket else None
        clerk = s.clerks.get(c.clerk) if c.clerk else None
        bg = s.backgrounds.get(c.background) if c.background else None
        counters.append({
            "number": c.number, "name": c.name or str(c.number), "state": c.state, "since": c.since,
            "reason": c.reason, "clerk": c.clerk, "clerk_name": clerk.name if clerk else None,
            "ticket": {"number": t.number, "services": list(t.services), "called_at": t.called_at,
                       "started_at": t.started_at, "priority": t.priority, "recalls": t.recalls} if t else None,
            "background": {"kind": bg.kind, "note": bg.note, "started_at": bg.started_at} if bg else None,
            "parked": parked.get(c.number, []), "waiting_here": targeted.get(c.number, 0),
        })
    backgrounds = []
    for b in sorted(s.backgrounds.values(), key=lambda b: b.started_at):
        clerk = s.clerks.get(b.clerk) if b.clerk else None
        backgrounds.append({"counter": b.counter, "clerk": b.clerk, "clerk_name": clerk.name if clerk else b.clerk,
                            "kind": b.kind, "note": b.note, "started_at": b.started_at})
    totals = {
        "issued": len(s.tickets), "waiting": states.get(WAITING, 0), "served": states.get(DONE, 0),
        "no_show": states.get(NO_SHOW, 0), "at_counters": states.get(CALLED, 0) + states.get(SERVING, 0),
        "parked": states.get(PARKED, 0), "remote_away": len(index.away),
        "open_counters": sum(1 for c in counters if c["state"] in ("open", "called", "serving")),
    }
    rules = [{"id": r.id, "service": r.service, "boost": r.boost} for r in engine.active_rules()]
    away = sorted((s.tickets[tid] for tid in index.away), key=lambda t: t.queue_seq)
    remote = [{"number": t.number, "service": t.pending[0] if t.pending else "", "issued_at": t.issued_at,
               "passed": t.passed} for t in away]
    return {"now": now, "services": services, "counters": counters, "backgrounds": backgrounds,
            "totals": totals, "rules": rules, "remote": remote, "devices": devices_snapshot(hub),
            "alerts": hub.alerts.snapshot()["alerts"] if hub.alerts is not None else [],
            "office_open": engine.office_open(now), "tz": s.settings.tz,
            "service_names": {sid: svc.names for sid, svc in s.services.items()},
            "appointments": due_today(s, now),
            "no_shows": [{"id": t.id, "number": t.number, "services": list(t.pending or t.services),
                          "no_show_at": t.no_show_at, "until": (t.no_show_at or now) + s.settings.no_show_return_s}
                         for t in engine.returnable()],
            "backlog": [{"id": b.id, "kind": b.kind, "note": b.note, "recorded_at": b.recorded_at,
                         "services": b.services, "taken": b.taken_by is not None,
                         "clerk_name": _backlog_clerk(s, b.taken_by)}
                        for b in sorted(s.backlog.values(), key=lambda b: (b.recorded_at, b.id))]}


def _backlog_clerk(s: Any, background: str | None) -> str | None:
    """Who is working on a backlog case now."""
    b = s.backgrounds.get(background) if background else None
    clerk = s.clerks.get(b.clerk) if b is not None and b.clerk else None
    return clerk.name if clerk is not None else None


def devices_snapshot(hub: Any) -> list[dict[str, Any]]:
    """Paired devices with their presence (online, printer, version)."""
    presence = dict(hub.bus.presence) if hub.bus is not None else {}
    rows = []
    for d in hub.store.devices() if hub.store is not None else []:
        p = presence.get(d["id"], {})
        printer = p.get("printer") if isinstance(p.get("printer"), dict) else None
        rows.append({"id": d["id"], "role": d["role"], "counter": d["counter"], "name": d["name"],
                     "online": bool(p.get("online")), "seen": bool(p), "version": p.get("version", ""),
                     "at": p.get("at") or p.get("seen_at"),
                     "printer": printer.get("state") if printer else None,
                     "printer_known": bool(printer.get("known", True)) if printer else False,
                     "printer_detail": printer.get("detail", "") if printer else ""})
    return rows


RECENT_FINISHED = 1000


def public_snapshot(engine: Engine, presenter: Any, previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """The office status (public page and JSON) and every open ticket's position, by token."""
    s = engine.state
    now = engine.clock()
    est = engine.estimate()
    services = [{k: row[k] for k in ("id", "names", "waiting", "est_wait_s", "open")}
                for row in _service_rows(engine, presenter, est.new_ticket_s, now)]
    counters = []
    for c in sorted(s.counters.values(), key=lambda c: c.number):
        if not c.enabled:
            continue
        t = s.tickets.get(c.ticket) if c.ticket else None
        counters.append({"number": c.number, "name": c.name or str(c.number),
                         "state": "open" if c.state in ("open", "called", "serving") else c.state,
                         "serving": t.number if t else None})
    office = presenter.services()["office"]
    status = {
        "office": office, "waiting": sum(x["waiting"] for x in services) + engine.index.targeted_total(),
        "open_counters": sum(1 for c in counters if c["state"] == "open"), "counters": counters,
        "services": services, "appointments": due_today(s, now), "at": now,
        "remote_on": bool(office["open"] and s.settings.remote_max_waiting > 0
                          and any(svc.enabled and svc.remote for svc in s.services.values())),
    }
    # Open tickets from the index; a ticket that was open in the previous snapshot and is
    # finished now stays (as finished) for the pages still following it, the latest
    # RECENT_FINISHED of them: never a pass over the day's finished tickets.
    tickets: dict[str, Any] = {}
    for tid in list(engine.index.by_token.values()):
        t = s.tickets.get(tid)
        if t is not None and t.token and t.state in OPEN_STATES:
            tickets[t.token] = ticket_view(engine, presenter, t)
    finished: dict[str, Any] = {}
    for token, info in (previous or {}).get("tickets", {}).items():
        if token in tickets:
            continue
        if info.get("state") in OPEN_STATES:
            t = engine.find_ticket(token=token)
            if t is None or t.state in OPEN_STATES:
                continue
            info = {"number": t.number, "state": t.state, "services": list(t.services),
                    "counter": t.counter, "finished_at": t.finished_at}
        finished[token] = info
    for token in list(finished)[-RECENT_FINISHED:]:
        tickets[token] = finished[token]
    return {"status": status, "tickets": tickets, "now": now, "tz": s.settings.tz,
            "no_show_return_s": s.settings.no_show_return_s}


def ticket_view(engine: Engine, presenter: Any, t: Any) -> dict[str, Any]:
    info = presenter.ticket(t)
    s = engine.state
    names = {sid: s.services[sid].names for sid in t.services if sid in s.services}
    return {"number": t.number, "state": t.state, "services": list(t.services), "names": names,
            "pending": list(t.pending), "ahead": info["ahead"], "est_wait_s": info["est_wait_s"],
            "counter": t.counter, "counter_name": info.get("counter_name"), "called_at": t.called_at,
            "issued_at": t.issued_at, "no_show_at": t.no_show_at, "priority": t.priority,
            "appointment": t.appointment, "day": t.day, "channel": t.channel, "passed": t.passed,
            # a remote ticket's check-in code: the page is reached only through its secret token
            "code": t.code if t.state == NOT_ARRIVED else ""}


def find_ticket_snapshot(engine: Engine, presenter: Any, token: str) -> dict[str, Any] | None:
    t = engine.find_ticket(token=token)
    if t is None:
        return None
    if t.state in OPEN_STATES:
        return ticket_view(engine, presenter, t)
    return {"number": t.number, "state": t.state, "services": list(t.services), "counter": t.counter,
            "finished_at": t.finished_at, "day": t.day}
