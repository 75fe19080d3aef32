"""Statistics for a date range, from the fact tables (through day packs).

Definitions (docs/web.md repeats them for managers):

* **Issued / served / no-show / cancelled / unserved / open** — tickets by the
  day they were issued, by final outcome. They add up: issued = served +
  no_show + cancelled + unserved + open. Per service the same holds for
  *cases* (one ticket may carry several services).
* **Waiting time** — every wait in a queue that ended with a call: from
  issue (or re-queueing after a transfer, a return or a finished first case)
  to the call, attributed to the service called for. Taking a parked customer
  back is not a wait.
* **Service time** — call → finish (or transfer, or park) at the counter.
* **SLA %** — waits within the service's target (``sla_s``) among all waits of
  services that have one.
* **First-contact resolution** — served tickets finished without a transfer
  or a return, among served tickets; when the office records outcome codes,
  only those whose codes are all resolved ones (:mod:`hub.stats.outcomes`).
* **Outcomes** — cases finished with each outcome (wrap-up) code.
* **CSAT** — "good" among all feedback presses. **NPS** — survey answers
  (0–10) for the period's tickets: % 9–10 minus % 0–6 (:mod:`hub.stats.nps`).
* Mean, median and p90 are exact over whole seconds; percentiles interpolate
  linearly between ranks (as ``statistics.median`` and numpy's default do).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

import numpy as np

from hub.stats import packs as P
from hub.stats.nps import nps
from hub.stats.outcomes import backlog_rows, outcome_rows, resolved_first_contact


def day_range(start: str, end: str) -> list[str]:
    d0, d1 = date.fromisoformat(start), date.fromisoformat(end)
    if d1 < d0:
        d0, d1 = d1, d0
    return [(d0 + timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


# ---- distributions -------------------------------------------------------------

EMPTY = {"n": 0, "mean": None, "median": None, "p90": None, "max": None, "total": 0}
CELLS = 4_000_000  # groups × distinct values counted at once (bounds memory)


def _quantile(at: Any, n: int, q: float) -> float:
    """Linear interpolation between order statistics; ``at(r)`` is the value of 0-based rank r."""
    pos = q * (n - 1)
    lo = int(np.floor(pos))
    a = float(at(lo))
    if pos == lo:
        return a
    return a + (float(at(min(lo + 1, n - 1))) - a) * (pos - lo)


def _dist_sorted(v: np.ndarray) -> dict[str, Any]:
    n = int(len(v))
    if n == 0:
        return dict(EMPTY)
    total = int(v.sum(dtype=np.int64))
    return {"n": n, "mean": total / n, "median": _quantile(lambda r: v[r], n, 0.5),
            "p90": _quantile(lambda r: v[r], n, 0.9), "max": int(v[-1]), "total": total}


class Ranked:
    """Whole-second values, ranked once, for exact grouped percentiles by counting (no sorting)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values.astype(np.uint16, copy=False)
        present = np.bincount(self.values) if len(values) else np.zeros(0, np.int64)
        self.vals = np.flatnonzero(present)
        lut = np.zeros(len(present), np.int64)
        lut[self.vals] = np.arange(len(self.vals))
        self.rank = lut[self.values] if len(values) else np.zeros(0, np.int64)

    def overall(self) -> dict[str, Any]:
        return self.grouped(np.zeros(len(self.values), np.uint8), 1)[0]

    def grouped(self, groups: np.ndarray, ngroups: int) -> list[dict[str, Any]]:
        d = len(self.vals)
        if d == 0 or ngroups == 0:
            return [dict(EMPTY) for _ in range(ngroups)]
        step = max(1, CELLS // d)
        if ngroups <= step:
            return self._block(self.rank, self.values, groups.astype(np.int64), 0, ngroups)
        out: list[dict[str, Any]] = []
        order = np.argsort(groups, kind="stable")  # radix sort (small integers)
        g_sorted = groups[order]
        bounds = np.searchsorted(g_sorted, np.arange(0, ngroups + step, step))
        for i, lo in enumerate(range(0, ngroups, step)):
            hi = min(ngroups, lo + step)
            sel = order[bounds[i]:bounds[i + 1]]
            out += self._block(self.rank[sel], self.values[sel], groups[sel].astype(np.int64) - lo, lo, hi - lo)
        return out

    def _block(self, rank: np.ndarray, values: np.ndarray, groups: np.ndarray, first: int,
               ngroups: int) -> list[dict[str, Any]]:
        d = len(self.vals)
        hist = np.bincount(groups * d + rank, minlength=ngroups * d).reshape(ngroups, d)
        counts = hist.sum(axis=1)
        sums = np.bincount(groups, weights=values, minlength=ngroups)
        cum = np.cumsum(hist, axis=1)
        vals = self.vals
        out = []
        for g in range(ngroups):
            n = int(counts[g])
            if n == 0:
                out.append(dict(EMPTY))
                continue
            row = cum[g]

            def at(r: int, row: np.ndarray = row) -> int:
                return int(vals[np.searchsorted(row, r, side="right")])

            total = int(round(sums[g]))
            out.append({"n": n, "mean": total / n, "median": _quantile(at, n, 0.5), "p90": _quantile(at, n, 0.9),
                        "max": at(n - 1), "total": total})
        return out


def dist(values: np.ndarray) -> dict[str, Any]:
    return Ranked(values).overall()


def grouped_dist(values: np.ndarray, groups: np.ndarray, ngroups: int) -> list[dict[str, Any]]:
    return Ranked(values).grouped(groups, ngroups)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# ---- combining days -----------------------------------------------------------

class _Keys:
    """Global indices for names that each pack numbers locally."""

    def __init__(self, first: list[str] | None = None) -> None:
        self.items: list[str] = [""]
        self.index: dict[str, int] = {"": 0}
        for name in first or []:
            self.add(name)

    def add(self, name: str) -> int:
        i = self.index.get(name)
        if i is None:
            i = self.index[name] = len(self.items)
            self.items.append(name)
        return i

    def remap(self, local: list[str]) -> np.ndarray:
        return np.array([self.add(n) for n in local], dtype=np.uint16)


def _gather(packs: list[P.Pack], maps: list[dict[str, np.ndarray]], table: str) -> dict[str, np.ndarray]:
    """One table's columns over all days, names remapped to the report's indices, plus the day index."""
    out: dict[str, np.ndarray] = {}
    for col, dtype in P.SCHEMA[table]:
        parts = [m[col][getattr(p, table)[col]] if col in m else getattr(p, table)[col]
                 for p, m in zip(packs, maps, strict=True)]
        out[col] = np.concatenate(parts) if parts else np.zeros(0, dtype)
    sizes = [p.size(table) for p in packs]
    out["day"] = np.repeat(np.arange(len(packs), dtype=np.uint16), sizes) if packs else np.zeros(0, np.uint16)
    return out


def _table2(groups: np.ndarray, kinds: np.ndarray, ngroups: int, nkinds: int) -> np.ndarray:
    """Counts per (group, kind) in one pass: shape (ngroups, nkinds)."""
    key = groups.astype(np.int64) * nkinds + kinds
    return np.bincount(key, minlength=ngroups * nkinds).reshape(ngroups, nkinds)


def _csat(row: np.ndarray) -> dict[str, Any]:
    good, neutral, bad = (int(x) for x in row)
    n = good + neutral + bad
    return {"good": good, "neutral": neutral, "bad": bad, "n": n, "pct": _pct(good, n)}


def compute(conn: sqlite3.Connection, start: str, end: str, *, services: dict[str, dict[str, Any]] | None = None,
            clerks: dict[str, str] | None = None, save_packs: bool = True,
            outcomes: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The report for days ``start``…``end`` (ISO dates, inclusive).

    ``services``: id → {"name", "sla_s"} (current configuration, for names and
    targets); ``clerks``: id → name; ``outcomes``: code → {"name", "resolved"}.
    All optional.
    """
    services = services or {}
    clerks = clerks or {}
    days = day_range(start, end)
    packs = P.load(conn, days, save=save_packs)
    skeys, ckeys, chkeys = _Keys(sorted(services)), _Keys(sorted(clerks)), _Keys()
    maps = [{"svc": skeys.remap(p.services), "clerk": ckeys.remap(p.clerks), "channel": chkeys.remap(p.channels)}
            for p in packs]
    C, T, K, F = (_gather(packs, maps, t) for t in P.TABLES)
    ns, nc, nd = len(skeys.items), len(ckeys.items), len(days)
    n_co, n_to, n_sc = len(P.CONTACT_OUTCOMES), len(P.TICKET_OUTCOMES), len(P.SCORES)
    co = {name: i for i, name in enumerate(P.CONTACT_OUTCOMES)}

    # Durations: rows without a wait (or a service time) go to an extra group that is dropped.
    has_w, has_s = C["has_wait"].astype(bool), C["has_serve"].astype(bool)
    RW, RS = Ranked(np.where(has_w, C["wait"], 0)), Ranked(np.where(has_s, C["serve"], 0))

    def wait_by(groups: np.ndarray, n: int) -> list[dict[str, Any]]:
        return RW.grouped(np.where(has_w, groups, n).astype(np.uint16), n + 1)[:n]

    def serve_by(groups: np.ndarray, n: int) -> list[dict[str, Any]]:
        return RS.grouped(np.where(has_s, groups, n).astype(np.uint16), n + 1)[:n]

    # SLA: a wait meets it when within its service's target; services without one do not count.
    sla = np.zeros(ns, np.int64)
    for sid, info in services.items():
        sla[skeys.index[sid]] = int(info.get("sla_s") or 0)
    has_sla = has_w & (sla[C["svc"]] > 0)
    within = has_sla & (C["wait"].astype(np.int64) <= sla[C["svc"]])
    sla_kind = has_sla.astype(np.int64) + within  # 0: not counted, 1: missed, 2: met

    t_svc = _table2(T["svc"], T["outcome"], ns, n_to)
    t_day = _table2(T["day"], T["outcome"], nd, n_to)
    t_clerk = _table2(T["clerk"], T["outcome"], nc, n_to)
    fcr_svc = np.bincount(T["svc"], weights=T["fcr"], minlength=ns)
    fcr_clerk = np.bincount(T["clerk"], weights=T["fcr"], minlength=nc)
    k_svc = _table2(K["svc"], K["outcome"], ns, n_to)
    k_clerk = _table2(K["clerk"], K["outcome"], nc, n_to)
    c_svc = _table2(C["svc"], C["outcome"], ns, n_co)
    c_clerk = _table2(C["clerk"], C["outcome"], nc, n_co)
    sla_svc = _table2(C["svc"], sla_kind, ns, 3)
    sla_day = _table2(C["day"], sla_kind, nd, 3)
    f_svc = _table2(F["svc"], F["score"], ns, n_sc)
    f_clerk = _table2(F["clerk"], F["score"], nc, n_sc)
    f_day = _table2(F["day"], F["score"], nd, n_sc)
    t_out = t_svc.sum(axis=0)
    served_t = int(t_out[P.TICKET_OUTCOMES.index("served")])
    fcr_total = int(fcr_svc.sum())
    sla_tot = sla_svc.sum(axis=0)
    channels = np.bincount(T["channel"], minlength=len(chkeys.items))

    totals = {
        "issued": int(len(T["outcome"])),
        **{name: int(t_out[i]) for i, name in enumerate(P.TICKET_OUTCOMES)},
        "cases": int(len(K["outcome"])),
        "contacts": int(len(C["outcome"])),
        "calls": int(has_w.sum()),
        "transfers": int(T["transfers"].sum(dtype=np.int64)),
        "returns": int(T["returns"].sum(dtype=np.int64)),
        "priority": int(T["priority"].sum(dtype=np.int64)),
        "appointments": int(T["appt"].sum(dtype=np.int64)),
        "fcr": fcr_total,
        "fcr_pct": _pct(fcr_total, served_t),
        "wait": RW.grouped(np.where(has_w, 0, 1).astype(np.uint8), 2)[0],
        "service": RS.grouped(np.where(has_s, 0, 1).astype(np.uint8), 2)[0],
        "sla_n": int(sla_tot[1] + sla_tot[2]),
        "sla_within": int(sla_tot[2]),
        "sla_pct": _pct(int(sla_tot[2]), int(sla_tot[1] + sla_tot[2])),
        "csat": _csat(f_svc.sum(axis=0)),
        "channels": {chkeys.items[i]: int(n) for i, n in enumerate(channels) if n},
    }

    # ---- by service -----------------------------------------------------------
    w_svc, s_svc = wait_by(C["svc"], ns), serve_by(C["svc"], ns)
    by_service = []
    for i, sid in enumerate(skeys.items):
        issued = int(k_svc[i].sum())
        if not (issued or w_svc[i]["n"] or s_svc[i]["n"]) and (i == 0 or sid not in services):
            continue
        info = services.get(sid, {})
        by_service.append({
            "id": sid, "name": info.get("name") or sid, "sla_s": int(sla[i]),
            "issued": issued, **{name: int(k_svc[i][j]) for j, name in enumerate(P.TICKET_OUTCOMES)},
            "tickets_first": int(t_svc[i].sum()), "no_show_calls": int(c_svc[i][co["no_show"]]),
            "wait": w_svc[i], "service": s_svc[i],
            "sla_pct": _pct(int(sla_svc[i][2]), int(sla_svc[i][1] + sla_svc[i][2])),
            "fcr_pct": _pct(int(fcr_svc[i]), int(t_svc[i][P.TICKET_OUTCOMES.index("served")])),
            "csat": _csat(f_svc[i]),
        })

    # ---- by clerk -------------------------------------------------------------
    s_clerk = serve_by(C["clerk"], nc)
    w_clerk = np.bincount(C["clerk"], weights=has_w, minlength=nc)
    time_rows = _clerk_time(conn, days[0], days[-1])
    served_i = P.TICKET_OUTCOMES.index("served")
    by_clerk = []
    for i, cid in enumerate(ckeys.items):
        t = time_rows.get(cid, {})
        contacts = int(c_clerk[i].sum())
        if not (contacts or t) and (i == 0 or cid not in clerks):
            continue
        logged = t.get("logged_in_s", 0.0)
        paused = t.get("paused_s", 0.0)
        available = max(0.0, logged - paused)
        serving = s_clerk[i]["total"]
        background_s = round(t.get("background_s", 0.0))
        by_clerk.append({
            "id": cid, "name": clerks.get(cid, cid) if cid else "", "contacts": contacts,
            "calls": int(w_clerk[i]), "finished": int(c_clerk[i][co["finished"]]),
            "served_cases": int(k_clerk[i][served_i]), "served_tickets": int(t_clerk[i][served_i]),
            "no_shows": int(c_clerk[i][co["no_show"]]), "transfers": int(c_clerk[i][co["transferred"]]),
            "service": s_clerk[i], "serving_s": int(serving),
            "background_n": t.get("background_n", 0), "background_s": background_s,
            "logged_in_s": round(logged), "paused_s": round(paused),
            "utilisation_pct": _pct(serving + background_s, round(available)) if available else None,
            "fcr_pct": _pct(int(fcr_clerk[i]), int(t_clerk[i][served_i])),
            "csat": _csat(f_clerk[i]),
        })

    # ---- by hour ----------------------------------------------------------------
    w_hour, s_hour = wait_by(C["whour"], 24), serve_by(C["chour"], 24)
    issued_hour = np.bincount(T["hour"], minlength=24)
    calls_hour = np.bincount(C["chour"], weights=has_w, minlength=24)
    by_hour = [{"hour": h, "issued": int(issued_hour[h]), "calls": int(calls_hour[h]), "wait": w_hour[h],
                "service": s_hour[h]} for h in range(24)]

    # ---- by day -----------------------------------------------------------------
    w_day, s_day = wait_by(C["day"], nd), serve_by(C["day"], nd)
    weekdays = np.array([date.fromisoformat(d).weekday() for d in days], np.int64)
    by_day = [{"day": day, "weekday": int(weekdays[i]), "issued": int(t_day[i].sum()),
               **{name: int(t_day[i][j]) for j, name in enumerate(P.TICKET_OUTCOMES)},
               "wait": w_day[i], "service": s_day[i],
               "sla_pct": _pct(int(sla_day[i][2]), int(sla_day[i][1] + sla_day[i][2])), "csat": _csat(f_day[i])}
              for i, day in enumerate(days)]
    weekday_hour = (np.bincount(weekdays[T["day"]] * 24 + T["hour"], minlength=7 * 24).reshape(7, 24)
                    if len(T["hour"]) else np.zeros((7, 24), np.int64))
    totals["people"] = int(conn.execute("SELECT COALESCE(SUM(people), 0) FROM stat_ticket WHERE day BETWEEN ? AND ?",
                                        [days[0], days[-1]]).fetchone()[0])
    totals["nps"] = nps(conn, days[0], days[-1])
    used = outcome_rows(conn, days[0], days[-1], outcomes or {})
    totals["fcr_basis"] = "outcomes" if used else "transfers"
    if used:  # the office says itself what was resolved
        fcr = resolved_first_contact(conn, days[0], days[-1], outcomes or {})
        totals["fcr"] = sum(fcr.values())
        totals["fcr_pct"] = _pct(totals["fcr"], served_t)
        for row in by_service:
            n = sum(v for (sid, _c), v in fcr.items() if sid == row["id"])
            row["fcr_pct"] = _pct(n, int(t_svc[skeys.index[row["id"]]][served_i]))
        for row in by_clerk:
            n = sum(v for (_s, cid), v in fcr.items() if cid == (row["id"] or ""))
            row["fcr_pct"] = _pct(n, int(t_clerk[ckeys.index[row["id"]]][served_i]))
    backgrounds = _background_kinds(conn, days[0], days[-1])
    totals["background"] = {"n": sum(b["n"] for b in backgrounds), "total_s": sum(b["total_s"] for b in backgrounds)}
    return {
        "from": days[0], "to": days[-1], "days": len(days),
        "totals": totals, "services": by_service, "clerks": by_clerk, "hours": by_hour, "by_day": by_day,
        "weekday_hour": weekday_hour.tolist(), "backgrounds": backgrounds, "outcomes": used,
        "backlog": backlog_rows(conn, days[0], days[-1], clerks),
    }


def _clerk_time(conn: sqlite3.Connection, start: str, end: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for clerk, kind, total in conn.execute(
        "SELECT COALESCE(clerk, ''), kind, SUM(COALESCE(end, start) - start) FROM stat_session"
        " WHERE day BETWEEN ? AND ? GROUP BY 1, 2", [start, end]):
        out.setdefault(clerk, {})["logged_in_s" if kind == "login" else "paused_s"] = float(total or 0.0)
    for clerk, n, total in conn.execute(
        "SELECT COALESCE(clerk, ''), COUNT(*), SUM(COALESCE(duration_s, 0)) FROM stat_background"
        " WHERE day BETWEEN ? AND ? GROUP BY 1", [start, end]):
        row = out.setdefault(clerk, {})
        row["background_n"] = int(n)
        row["background_s"] = float(total or 0.0)
    return out


def _background_kinds(conn: sqlite3.Connection, start: str, end: str) -> list[dict[str, Any]]:
    return [{"kind": kind, "n": int(n), "total_s": round(float(total or 0.0))}
            for kind, n, total in conn.execute(
                "SELECT kind, COUNT(*), SUM(COALESCE(duration_s, 0)) FROM stat_background"
                " WHERE day BETWEEN ? AND ? GROUP BY kind ORDER BY 3 DESC", [start, end])]
