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
  or a return, among served tickets.
* **CSAT** — "good" among all feedback presses.
* Mean, median and p90 are exact over whole seconds; percentiles interpolate
  linearly between ranks (as ``statistics.median`` and numpy's default do).
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

import numpy as np

from hub.stats import packs as P


def day_range(start: str, end: str) -> list[str]:
    d0, d1 = date.fromisoformat(start), date.fromisoformat(end)
    if d1 < d0:
        d0, d1 = d1, d0
    return [(d0 + timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


# ---- distributions -------------------------------------------------------------

def _quantile(sorted_vals: np.ndarray, q: float) -> float:
    n = len(sorted_vals)
    pos = q * (n - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    a, b = float(sorted_vals[lo]), float(sorted_vals[hi])
    return a + (b - a) * frac


def _dist_sorted(v: np.ndarray) -> dict[str, Any]:
    n = int(len(v))
    if n == 0:
        return {"n": 0, "mean": None, "median": None, "p90": None, "max": None, "total": 0}
    total = int(v.sum(dtype=np.int64))
    return {"n": n, "mean": total / n, "median": _quantile(v, 0.5), "p90": _quantile(v, 0.9),
            "max": int(v[-1]), "total": total}


def dist(values: np.ndarray) -> dict[str, Any]:
    return _dist_sorted(np.sort(values.astype(np.uint16, copy=False), kind="stable"))


def grouped_dist(values: np.ndarray, groups: np.ndarray, ngroups: int) -> list[dict[str, Any]]:
    """Distribution of ``values`` per group index 0…ngroups-1 (radix sorts, linear time)."""
    if len(values) == 0:
        return [_dist_sorted(values) for _ in range(ngroups)]
    order = np.argsort(values, kind="stable")
    v = values[order]
    g = groups[order]
    order2 = np.argsort(g, kind="stable")
    v = v[order2]
    counts = np.bincount(g, minlength=ngroups)
    ends = np.cumsum(counts)
    starts = ends - counts
    return [_dist_sorted(v[starts[i]:ends[i]]) for i in range(ngroups)]


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


def _concat(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype)


def compute(conn: sqlite3.Connection, start: str, end: str, *, services: dict[str, dict[str, Any]] | None = None,
            clerks: dict[str, str] | None = None, save_packs: bool = True) -> dict[str, Any]:
    """The report for days ``start``…``end`` (ISO dates, inclusive).

    ``services``: id → {"name", "sla_s"} (current configuration, for names and
    targets); ``clerks``: id → name. Both optional.
    """
    services = services or {}
    clerks = clerks or {}
    days = day_range(start, end)
    packs = P.load(conn, days, save=save_packs)
    skeys = _Keys(sorted(services))
    ckeys = _Keys(sorted(clerks))
    chkeys = _Keys()
    c_parts, t_parts, k_parts, f_parts = [], [], [], []
    c_day, t_day, f_day = [], [], []
    for di, p in enumerate(packs):
        smap, cmap, chmap = skeys.remap(p.services), ckeys.remap(p.clerks), chkeys.remap(p.channels)
        c = p.contacts.copy()
        c["svc"], c["clerk"] = smap[c["svc"]], cmap[c["clerk"]]
        t = p.tickets.copy()
        t["svc"], t["clerk"], t["channel"] = smap[t["svc"]], cmap[t["clerk"]], chmap[t["channel"]]
        k = p.cases.copy()
        k["svc"], k["clerk"] = smap[k["svc"]], cmap[k["clerk"]]
        f = p.feedback.copy()
        f["svc"], f["clerk"] = smap[f["svc"]], cmap[f["clerk"]]
        c_parts.append(c), t_parts.append(t), k_parts.append(k), f_parts.append(f)
        c_day.append(np.full(len(c), di, np.uint16))
        t_day.append(np.full(len(t), di, np.uint16))
        f_day.append(np.full(len(f), di, np.uint16))
    C = _concat(c_parts, P.CONTACT)
    T = _concat(t_parts, P.TICKET)
    K = _concat(k_parts, P.CASE)
    F = _concat(f_parts, P.FEEDBACK)
    cday = _concat(c_day, np.dtype(np.uint16))
    tday = _concat(t_day, np.dtype(np.uint16))
    fday = _concat(f_day, np.dtype(np.uint16))
    ns, nc, nd = len(skeys.items), len(ckeys.items), len(days)

    waits = C["has_wait"] == 1
    serves = C["has_serve"] == 1
    W, Wsvc, Wday, Whour, Wclerk = C["wait"][waits], C["svc"][waits], cday[waits], C["whour"][waits], C["clerk"][waits]
    S, Ssvc, Sday, Shour, Sclerk = C["serve"][serves], C["svc"][serves], cday[serves], C["chour"][serves], C["clerk"][serves]

    # SLA: a wait meets it when within its service's target; services without one do not count.
    sla = np.zeros(ns, np.int64)
    for sid, info in services.items():
        sla[skeys.index[sid]] = int(info.get("sla_s") or 0)
    has_sla = sla[Wsvc] > 0
    within = has_sla & (W.astype(np.int64) <= sla[Wsvc])

    def counts(groups: np.ndarray, n: int, mask: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(groups if mask is None else groups[mask], minlength=n)

    t_out = {name: T["outcome"] == i for i, name in enumerate(P.TICKET_OUTCOMES)}
    k_out = {name: K["outcome"] == i for i, name in enumerate(P.TICKET_OUTCOMES)}
    f_score = {name: F["score"] == i for i, name in enumerate(P.SCORES)}
    fcr = T["fcr"] == 1

    def csat(mask: np.ndarray | None, groups: np.ndarray | None = None, n: int = 0) -> Any:
        if groups is None:
            sel = slice(None) if mask is None else mask
            good, neutral, bad = (int(f_score[s][sel].sum()) for s in P.SCORES)
            return {"good": good, "neutral": neutral, "bad": bad, "n": good + neutral + bad,
                    "pct": _pct(good, good + neutral + bad)}
        per = {s: counts(groups, n, f_score[s]) for s in P.SCORES}
        out = []
        for i in range(n):
            good, neutral, bad = int(per["good"][i]), int(per["neutral"][i]), int(per["bad"][i])
            out.append({"good": good, "neutral": neutral, "bad": bad, "n": good + neutral + bad,
                        "pct": _pct(good, good + neutral + bad)})
        return out

    served_t = int(t_out["served"].sum())
    totals = {
        "issued": int(len(T)),
        **{name: int(mask.sum()) for name, mask in t_out.items()},
        "cases": int(len(K)),
        "contacts": int(len(C)),
        "calls": int(waits.sum()),
        "transfers": int(T["transfers"].sum(dtype=np.int64)),
        "returns": int(T["returns"].sum(dtype=np.int64)),
        "priority": int(T["priority"].sum(dtype=np.int64)),
        "appointments": int(T["appt"].sum(dtype=np.int64)),
        "fcr": int(fcr.sum()),
        "fcr_pct": _pct(int(fcr.sum()), served_t),
        "wait": dist(W),
        "service": dist(S),
        "sla_n": int(has_sla.sum()),
        "sla_within": int(within.sum()),
        "sla_pct": _pct(int(within.sum()), int(has_sla.sum())),
        "csat": csat(None),
        "channels": {chkeys.items[i]: int(n) for i, n in enumerate(counts(T["channel"], len(chkeys.items))) if n},
    }

    # ---- by service -----------------------------------------------------------
    w_svc = grouped_dist(W, Wsvc, ns)
    s_svc = grouped_dist(S, Ssvc, ns)
    k_counts = {name: counts(K["svc"], ns, mask) for name, mask in k_out.items()}
    k_all = counts(K["svc"], ns)
    t_first = counts(T["svc"], ns)
    t_served = counts(T["svc"], ns, t_out["served"])
    t_fcr = counts(T["svc"], ns, fcr)
    sla_n = counts(Wsvc, ns, has_sla)
    sla_in = counts(Wsvc, ns, within)
    no_show_calls = counts(C["svc"], ns, C["outcome"] == P.CONTACT_OUTCOMES.index("no_show"))
    cs_svc = csat(None, F["svc"], ns)
    by_service = []
    for i, sid in enumerate(skeys.items):
        if not (k_all[i] or w_svc[i]["n"] or s_svc[i]["n"]) and (i == 0 or sid not in services):
            continue
        info = services.get(sid, {})
        by_service.append({
            "id": sid, "name": info.get("name") or sid, "sla_s": int(sla[i]),
            "issued": int(k_all[i]), **{name: int(k_counts[name][i]) for name in P.TICKET_OUTCOMES},
            "tickets_first": int(t_first[i]), "no_show_calls": int(no_show_calls[i]),
            "wait": w_svc[i], "service": s_svc[i],
            "sla_pct": _pct(int(sla_in[i]), int(sla_n[i])),
            "fcr_pct": _pct(int(t_fcr[i]), int(t_served[i])),
            "csat": cs_svc[i],
        })

    # ---- by clerk -------------------------------------------------------------
    s_clerk = grouped_dist(S, Sclerk, nc)
    w_clerk = counts(Wclerk, nc)
    finished = C["outcome"] == P.CONTACT_OUTCOMES.index("finished")
    contacts_clerk = counts(C["clerk"], nc)
    finished_clerk = counts(C["clerk"], nc, finished)
    no_show_clerk = counts(C["clerk"], nc, C["outcome"] == P.CONTACT_OUTCOMES.index("no_show"))
    transfer_clerk = counts(C["clerk"], nc, C["outcome"] == P.CONTACT_OUTCOMES.index("transferred"))
    cases_clerk = counts(K["clerk"], nc, k_out["served"])
    tserved_clerk = counts(T["clerk"], nc, t_out["served"])
    tfcr_clerk = counts(T["clerk"], nc, fcr)
    cs_clerk = csat(None, F["clerk"], nc)
    time_rows = _clerk_time(conn, days[0], days[-1])
    by_clerk = []
    for i, cid in enumerate(ckeys.items):
        t = time_rows.get(cid, {})
        if not (contacts_clerk[i] or t) and (i == 0 or cid not in clerks):
            continue
        logged = t.get("logged_in_s", 0.0)
        paused = t.get("paused_s", 0.0)
        available = max(0.0, logged - paused)
        serving = s_clerk[i]["total"]
        by_clerk.append({
            "id": cid, "name": clerks.get(cid, cid) if cid else "", "contacts": int(contacts_clerk[i]),
            "calls": int(w_clerk[i]), "finished": int(finished_clerk[i]), "served_cases": int(cases_clerk[i]),
            "served_tickets": int(tserved_clerk[i]), "no_shows": int(no_show_clerk[i]),
            "transfers": int(transfer_clerk[i]), "service": s_clerk[i], "serving_s": int(serving),
            "background_n": t.get("background_n", 0), "background_s": round(t.get("background_s", 0.0)),
            "logged_in_s": round(logged), "paused_s": round(paused),
            "utilisation_pct": _pct(serving + round(t.get("background_s", 0.0)), round(available)) if available else None,
            "fcr_pct": _pct(int(tfcr_clerk[i]), int(tserved_clerk[i])),
            "csat": cs_clerk[i],
        })

    # ---- by hour ----------------------------------------------------------------
    w_hour = grouped_dist(W, Whour.astype(np.uint16), 24)
    s_hour = grouped_dist(S, Shour.astype(np.uint16), 24)
    issued_hour = counts(T["hour"].astype(np.int64), 24)
    calls_hour = counts(C["chour"].astype(np.int64), 24, waits)
    by_hour = [{"hour": h, "issued": int(issued_hour[h]), "calls": int(calls_hour[h]), "wait": w_hour[h],
                "service": s_hour[h]} for h in range(24)]

    # ---- by day -----------------------------------------------------------------
    w_day = grouped_dist(W, Wday, nd)
    s_day = grouped_dist(S, Sday, nd)
    d_issued = counts(tday, nd)
    d_out = {name: counts(tday, nd, mask) for name, mask in t_out.items()}
    d_sla_n = counts(Wday, nd, has_sla)
    d_sla_in = counts(Wday, nd, within)
    cs_day = csat(None, fday, nd)
    by_day = []
    weekday_hour = np.zeros((7, 24), np.int64)
    for i, day in enumerate(days):
        wd = date.fromisoformat(day).weekday()
        by_day.append({"day": day, "weekday": wd, "issued": int(d_issued[i]),
                       **{name: int(d_out[name][i]) for name in P.TICKET_OUTCOMES},
                       "wait": w_day[i], "service": s_day[i], "sla_pct": _pct(int(d_sla_in[i]), int(d_sla_n[i])),
                       "csat": cs_day[i]})
    if len(T):
        np.add.at(weekday_hour, (np.array([date.fromisoformat(d).weekday() for d in days], np.int64)[tday],
                                 T["hour"].astype(np.int64)), 1)
    backgrounds = _background_kinds(conn, days[0], days[-1])
    totals["background"] = {"n": sum(b["n"] for b in backgrounds), "total_s": sum(b["total_s"] for b in backgrounds)}
    return {
        "from": days[0], "to": days[-1], "days": len(days),
        "totals": totals, "services": by_service, "clerks": by_clerk, "hours": by_hour, "by_day": by_day,
        "weekday_hour": weekday_hour.tolist(), "backgrounds": backgrounds,
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
