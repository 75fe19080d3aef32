"""Render ``benchmarks/results/hub_e2e*.json`` as the Markdown tables of docs/performance.md.

``python -m benchmarks.report [results/hub_e2e.json]`` prints them; paste them
into the document after a run, so the figures there are always a real run's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _load_text(r: dict[str, Any]) -> str:
    one, five, _ = r["loadavg"]
    return f"{one:.1f} / {five:.1f} ({r['cpu_count']} CPUs)"


def render(r: dict[str, Any]) -> str:
    out = [f"Run: {r['at']}, mode {r['mode']}, {r['seconds']:.0f} s; {r['machine']['system']}, "
           f"Python {r['machine']['python']}.", ""]
    f = r["floors"]
    out += ["| raw floor (same run, before the first depth) | figure | load 1 / 5 min |", "|---|---|---|",
            f"| MQTT QoS 1 round trip through a second process (bare Mosquitto) | p50 {f['mqtt_qos1_echo']['p50_ms']:.2f} ms, "
            f"p99 {f['mqtt_qos1_echo']['p99_ms']:.2f} ms | {_load_text(f['mqtt_qos1_echo'])} |",
            f"| SQLite WAL + synchronous=FULL, single-row commits | {f['sqlite_wal_full']['commits_per_s']:.0f}/s "
            f"| {_load_text(f['sqlite_wal_full'])} |", ""]
    out += ["| queue | tickets today | `ticket.issue` p50 / p99 | `counter.call_next` p50 / p99 "
            "| MQTT echo p50 (measured alongside) | hub CPU per request | load 1 / 5 min |",
            "|---|---|---|---|---|---|---|"]
    for row in r["round_trips"].values():
        i, c = row["ticket.issue"], row["counter.call_next"]
        echo = f"{row['mqtt_qos1_echo']['p50_ms']:.2f} ms" if "mqtt_qos1_echo" in row else "—"
        out.append(f"| {row['waiting']:,} waiting | {row['tickets_today']:,} | {i['p50_ms']:.2f} / {i['p99_ms']:.2f} ms "
                   f"| {c['p50_ms']:.2f} / {c['p99_ms']:.2f} ms | {echo} | {row['hub_cpu_ms_per_request']:.2f} ms "
                   f"| {_load_text(row)} |")
    t = r["throughput"]
    p = r["press_to_display"]
    out += ["", "| load test | figure | load 1 / 5 min |", "|---|---|---|",
            f"| {t['clients']} kiosks issuing at once (each waits for its reply) | {t['ticket.issue_per_s']:.0f} "
            f"`ticket.issue`/s, p50 {t['latency']['p50_ms']:.1f} ms, p99 {t['latency']['p99_ms']:.1f} ms "
            f"| {_load_text(t)} |",
            f"| press → display receives the call ({p['waiting_at_start']:,} waiting, a kiosk at "
            f"{p['kiosk_issued_per_s']:.0f}/s, dashboard SSE client) | p50 {p['press_to_display']['p50_ms']:.1f} ms, "
            f"p99 {p['press_to_display']['p99_ms']:.1f} ms ({p['presses']} presses, {p['not_heard']} unheard) "
            f"| {_load_text(p)} |", ""]
    out += ["| hub RSS | MB | load 1 / 5 min |", "|---|---|---|"]
    out += [f"| {x['at']} | {x['rss_mb']:.1f} | {_load_text(x)} |" for x in r["rss"]]
    out += ["", "| target (issue 13) | this run | pass |", "|---|---|---|"]
    for name, c in r["checks"].items():
        verdict = "—" if c["pass"] is None else ("pass" if c["pass"] else "**fail**")
        note = f" ({c['note']})" if c.get("note") else ""
        out.append(f"| {name} | {c['value']}{note} | {verdict} |")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else RESULTS / "hub_e2e.json"
    print(render(_load(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
