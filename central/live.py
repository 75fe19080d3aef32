"""The live overview of every office, derived from the replicated events.

Each site's current state is rebuilt with the hub's own reducer
(:func:`hub.engine.reducer.apply`) from its events, so "waiting", "longest
wait", "open counters" mean exactly what they mean on the hub. At start the
book replays, per site, the configuration events (services, counters, clerks,
settings, rules) and everything since the site's last ``day.opened``; then the
consumer applies each stored batch. An event the reducer refuses (history
that starts mid-day) is skipped: the overview is a view, the statistics come
from the database.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from hub.engine import model as M
from hub.engine.reducer import apply

log = logging.getLogger(__name__)

STALE_S = 120.0
"""No contact for longer than this: the office's hub is shown as unreachable."""
_CONFIG_TYPES = ("settings.updated", "service.upserted", "counter.upserted", "clerk.upserted", "profile.set",
                 "rule.upserted", "rule.removed")


class LiveBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, M.State] = {}
        self._loading: dict[str, list[dict[str, Any]]] = {}
        """Sites being rebuilt from the database: events stored meanwhile wait here."""

    def begin(self, sites: list[str]) -> None:
        """Mark sites as loading (before the consumer starts), so no stored batch is missed."""
        with self._lock:
            for site in sites:
                self._loading.setdefault(site, [])

    def load(self, conn: Any, site: str) -> None:
        """Rebuild a site's state from PostgreSQL (inside a transaction: a server-side cursor)."""
        with self._lock:
            self._loading.setdefault(site, [])
        state = M.State()
        row = conn.execute("SELECT max(seq) FROM events WHERE site = %s AND type = 'day.opened'"
                           " AND type NOT LIKE 'ticket.%%'", [site]).fetchone()
        since = int(row[0]) if row and row[0] is not None else 0
        cur = conn.cursor(name=f"live_{site}")  # server side: bounded memory
        cur.itersize = 2000
        cur.execute("SELECT seq, data FROM events WHERE site = %s AND seq < %s AND type = ANY(%s)"
                    " AND type NOT LIKE 'ticket.%%'"
                    " UNION ALL SELECT seq, data FROM events WHERE site = %s AND seq >= %s ORDER BY 1",
                    [site, since, list(_CONFIG_TYPES), site, since])
        last = 0
        for seq, data in cur:
            self._apply(state, data)
            last = seq
        cur.close()
        with self._lock:
            for e in self._loading.pop(site, []):
                if e["seq"] > last:
                    self._apply(state, e["data"])
            self._states[site] = state

    def apply(self, site: str, events: list[dict[str, Any]]) -> None:
        with self._lock:
            waiting = self._loading.get(site)
            if waiting is not None:
                waiting.extend(events)
                return
            state = self._states.setdefault(site, M.State())
            for e in events:
                self._apply(state, e["data"])

    @staticmethod
    def _apply(state: M.State, event: dict[str, Any]) -> None:
        try:
            apply(state, event)
        except Exception as exc:  # history that starts mid-day, an event type from a newer hub
            log.debug("overview: skipped %s: %r", event.get("type"), exc)

    def forget(self, site: str) -> None:
        with self._lock:
            self._states.pop(site, None)

    def overview(self, site: str, now: float | None = None) -> dict[str, Any]:
        now = time.time() if now is None else now
        with self._lock:
            s = self._states.get(site)
            if s is None:
                return {"loading": site in self._loading, "day": "", "waiting": 0, "longest_wait_s": None, "target_s": None, "open_counters": 0,
                        "counters": 0, "serving": 0, "over_target": [], "service_names": {}}
            waiting = [t for t in s.tickets.values() if t.state == M.WAITING]
            longest, target, over = None, None, []
            for t in waiting:
                wait = max(0.0, now - (t.queued_at or t.issued_at))
                svc = s.services.get(t.pending[0] if t.pending else t.services[0])
                sla = svc.sla_s if svc is not None else None
                if longest is None or wait > longest:
                    longest, target = wait, sla
                if sla and wait > sla:
                    over.append(svc.id if svc is not None else "")
            counters = [c for c in s.counters.values() if c.enabled]
            open_ = [c for c in counters if c.state in (M.C_OPEN, M.C_CALLED, M.C_SERVING)]
            return {"loading": False, "day": s.day, "waiting": len(waiting), "longest_wait_s": None if longest is None else round(longest),
                    "target_s": target, "open_counters": len(open_), "counters": len(counters),
                    "serving": sum(1 for c in counters if c.state in (M.C_CALLED, M.C_SERVING)),
                    "over_target": sorted(set(over)),
                    "service_names": {sid: dict(s.services[sid].names or {}) for sid in set(over) if sid in s.services}}


def alerts(site_row: dict[str, Any], ov: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """What a regional manager should look at, per office.

    ``message`` is English (the JSON API); ``code`` and ``args`` let a page show it in its own language.
    """
    out: list[dict[str, Any]] = []
    last = site_row.get("last_contact")
    if last is None:
        out.append({"level": "warning", "code": "never_connected", "message": "the hub has not connected yet",
                    "args": {}})
    elif now - last > STALE_S:
        minutes = int((now - last) // 60)
        out.append({"level": "error", "code": "unreachable", "args": {"minutes": minutes},
                    "message": f"no contact with the hub for {minutes} min"})
    backlog = max(0, int(site_row.get("head_seq") or 0) - int(site_row.get("acked_seq") or 0))
    if backlog > 1000:
        out.append({"level": "warning", "code": "backlog", "args": {"events": backlog},
                    "message": f"{backlog} events not yet received"})
    if ov.get("over_target"):
        out.append({"level": "warning", "code": "wait_over_target", "args": {"services": list(ov["over_target"])},
                    "message": "waits over target: " + ", ".join(ov["over_target"])})
    if ov.get("waiting") and not ov.get("open_counters"):
        out.append({"level": "error", "code": "no_open_counter", "message": "customers waiting, no counter open",
                    "args": {}})
    return out
