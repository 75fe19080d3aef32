"""The hub end to end, as devices see it: ``sorra hub run`` in its own process, clients in others.

The hub runs as ``sorra hub run`` (its own Mosquitto, its SQLite file with
WAL + ``synchronous=FULL``, the web app on, one server-sent-events client on
the live dashboard). Paired kiosks, counters and a display run in separate
client processes over MQTT with :class:`sorra.bus.BusClient`. Measured, in
one run:

* raw floors: MQTT QoS 1 round trip through a second process on a bare Mosquitto (before the
  first depth, and at each depth in blocks between its round trips: each depth is judged against
  the echo measured with it), SQLite WAL + FULL single-row commits per second on the same disk;
* ``ticket.issue`` and ``counter.call_next`` round trips (one request at a
  time, p50/p99) and the hub's CPU per request, at 0, 1,000 and 4,000
  waiting and with an empty queue after a day of 50,000 tickets;
* throughput: 16 kiosks issuing at once, each waiting for its reply;
* a counter's press → the display receives the call, with 1,000 waiting
  while a kiosk issues 20 tickets/s;
* the hub's RSS through the day (a hub that has started before: its first start makes its
  certificates and keys, see ``HubProcess.install``).

Each figure carries the machine's load average and CPU count when it was
taken. ``--quick`` runs fewer samples and a 10,000-ticket day (the memory
target then is reported, not judged).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import summary_ms, write_result
from benchmarks.hubproc import (
    ClientProcess,
    HubProcess,
    RawBroker,
    SseClient,
    echo_responder,
    machine_load,
    sqlite_floor,
)

KIOSKS_LOAD = 16
COUNTERS = 6  # 1: round trips, 2: presses, 3-6: fill and drain
DRAIN = [3, 4, 5, 6]

FULL = {"rounds": 300, "echo": 500, "blocks": 6, "load_n": 100, "press_s": 20.0, "press_per_s": 10.0, "day": 50_000,
        "depths": [1000, 4000]}
QUICK = {"rounds": 80, "echo": 200, "blocks": 4, "load_n": 40, "press_s": 6.0, "press_per_s": 10.0, "day": 10_000,
         "depths": [1000, 4000]}

# Targets (issue 13), on this machine
FLAT_RATIO = 1.5  # p50 and CPU per request at 4,000 waiting / after the day ≤ 1.5 × at 0 waiting
ECHO_RATIO = 5.0  # p50 round trip ≤ 5 × the MQTT QoS 1 echo
THROUGHPUT = 500.0  # ticket.issue/s with 16 clients …
THROUGHPUT_P99_MS = 100.0  # … at this p99
THROUGHPUT_SQLITE_SHARE = 0.15  # and ≥ 15 % of raw SQLite commits/s
PRESS_P99_MS = 15.0
RSS_MB = 100.0


class Bench:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.cfg = QUICK if quick else FULL
        self.tmp = tempfile.TemporaryDirectory(prefix="sorra-bench-")
        self.data = Path(self.tmp.name) / "hub"
        self.hub = HubProcess(self.data, services=["A", "B"], counters=COUNTERS, kiosks=KIOSKS_LOAD + 2)
        d = self.hub.devices
        self.issued = 0
        self.called = 0
        self.rss: list[dict[str, Any]] = []
        self.procs: dict[str, Any] = {}
        self.echo_port: int | None = None
        """A bare Mosquitto with an echo responder, while :func:`main` runs one."""
        self.hub.install()  # the day of a hub that has started before (not its first start)
        self.hub.start()
        self.sse = SseClient(self.hub.http_port, self.hub.web_user, self.hub.web_password)
        try:
            load_groups = [[d[f"kiosk-{i}"] for i in range(g * 4 + 1, g * 4 + 5)] for g in range(KIOSKS_LOAD // 4)]
            specs = {
                "seq": [d[f"kiosk-{KIOSKS_LOAD + 1}"], d["counter-1"]],
                "rate": [d[f"kiosk-{KIOSKS_LOAD + 2}"]],
                "press": [d["counter-2"]],
                "display": [d["display-1"]],
                "drain": [d[f"counter-{n}"] for n in DRAIN],
                **{f"load{g}": group for g, group in enumerate(load_groups)},
            }
            for name, devices in specs.items():
                self.procs[name] = ClientProcess(devices)
            for name, p in self.procs.items():
                if not p.ready():
                    raise RuntimeError(f"client process {name} could not connect to the hub")
            if not self.sse.start():
                raise RuntimeError("the live dashboard (SSE) sent nothing")
            self.procs["seq"].run(cmd="seq", steps=[["counter-1", "counter.resume"]], n=1)
            self.procs["press"].run(cmd="seq", steps=[["counter-2", "counter.resume"]], n=1)
            self.procs["drain"].run(cmd="seq", steps=[[f"counter-{n}", "counter.resume"] for n in DRAIN], n=1)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.sse.stop()
        for p in self.procs.values():
            p.close()
        self.hub.stop()
        self.tmp.cleanup()

    @property
    def waiting(self) -> int:
        return self.issued - self.called

    def note_rss(self, label: str) -> None:
        self.rss.append({"at": label, "rss_mb": round(self.hub.rss_mb(), 1), "tickets_today": self.issued,
                         "waiting": self.waiting, **machine_load()})

    # ---- building blocks ------------------------------------------------------------------------------

    def round_trips(self, label: str) -> dict[str, Any]:
        """Issue then call, one at a time (the queue's depth stays where it is); hub CPU per request.

        The rounds run in blocks, each after a block of raw MQTT echoes from the same client
        process (when :attr:`echo_port` is set): the floor this depth is compared with is measured
        under the same machine conditions, not minutes earlier (a shared machine's speed drifts).
        """
        n = self.cfg["rounds"]
        blocks = self.cfg["blocks"]
        steps = [[f"kiosk-{KIOSKS_LOAD + 1}", "ticket.issue"], ["counter-1", "counter.call_next"]]
        self.procs["seq"].run(cmd="seq", steps=steps, n=10)  # warm up
        latency: dict[str, list[float]] = {"ticket.issue": [], "counter.call_next": []}
        echo: list[float] = []
        called = 0
        cpu, elapsed = 0.0, 0.0
        for k in range(blocks):
            if self.echo_port is not None:
                echo += self.procs["seq"].run(cmd="echo", port=self.echo_port,
                                              n=self.cfg["echo"] // blocks)["latency"]
            rounds = n // blocks + (1 if k < n % blocks else 0)
            cpu0, t0 = self.hub.cpu_s(), time.monotonic()
            out = self.procs["seq"].run(cmd="seq", steps=steps, n=rounds)
            elapsed += time.monotonic() - t0
            cpu += self.hub.cpu_s() - cpu0
            for op, samples in out["latency"].items():
                latency[op] += samples
            called += sum(1 for _, tid in out["presses"] if tid)
        self.issued += n + 10
        self.called += called + 10
        requests = 2 * n
        return {
            "label": label, "waiting": self.waiting, "tickets_today": self.issued,
            "ticket.issue": summary_ms(latency["ticket.issue"]),
            "counter.call_next": summary_ms(latency["counter.call_next"]),
            "hub_cpu_ms_per_request": round(1000 * cpu / requests, 3),
            "hub_cpu_share": round(cpu / elapsed, 3),
            **({"mqtt_qos1_echo": summary_ms(echo)} if echo else {}),
            **machine_load(),
        }

    def closed_loop(self, op: str, per_client: int, window: int, procs: list[str]) -> dict[str, Any]:
        for name in procs:
            self.procs[name].send(cmd="closed", op=op, n=per_client, window=window)
        outs = [self.procs[name].answer() for name in procs]
        lat = [x for o in outs for x in o["latency"]]
        start = min(o["start"] for o in outs)
        end = max(o["end"] for o in outs)
        ok = len(lat) - sum(o["errors"] for o in outs)
        if op == "ticket.issue":
            self.issued += ok
        else:
            self.called += ok - sum(o["empty"] for o in outs)
        return {"requests": len(lat), "errors": sum(o["errors"] for o in outs), "seconds": round(end - start, 3),
                "per_s": round(len(lat) / (end - start), 1), "latency": summary_ms(lat)}

    def fill_to(self, depth: int) -> None:
        load = [n for n in self.procs if n.startswith("load")]
        while self.waiting < depth:
            per_client = max(1, (depth - self.waiting) // KIOSKS_LOAD)
            self.closed_loop("ticket.issue", per_client, 16, load)

    def drain_to(self, depth: int) -> None:
        while self.waiting > depth:
            per_counter = max(1, (self.waiting - depth) // len(DRAIN))
            self.closed_loop("counter.call_next", per_counter, 16, ["drain"])

    def throughput(self) -> dict[str, Any]:
        load = [n for n in self.procs if n.startswith("load")]
        out = self.closed_loop("ticket.issue", self.cfg["load_n"], 1, load)
        return {"clients": KIOSKS_LOAD, "ticket.issue_per_s": out["per_s"], "requests": out["requests"],
                "errors": out["errors"], "latency": out["latency"], "waiting_after": self.waiting, **machine_load()}

    def press_to_display(self) -> dict[str, Any]:
        seconds, per_s = self.cfg["press_s"], self.cfg["press_per_s"]
        self.procs["display"].run(cmd="listen")
        self.procs["rate"].send(cmd="rate", device=f"kiosk-{KIOSKS_LOAD + 2}", op="ticket.issue", per_s=20.0,
                                seconds=seconds)
        waiting_before = self.waiting
        presses = []
        t_end = time.monotonic() + seconds
        while time.monotonic() < t_end:
            out = self.procs["press"].run(cmd="seq", steps=[["counter-2", "counter.call_next"]], n=1)
            presses += out["presses"]
            time.sleep(1.0 / per_s)  # pacing the clerk's presses, not waiting for an outcome
        kiosk = self.procs["rate"].answer()
        self.issued += kiosk["answered"]
        self.called += sum(1 for _, tid in presses if tid)
        heard = self.procs["display"].run(cmd="heard")
        lat = [heard[tid] - t0 for t0, tid in presses if tid in heard]
        missed = sum(1 for _, tid in presses if tid and tid not in heard)
        return {"waiting_at_start": waiting_before, "kiosk_issued_per_s": round(kiosk["sent"] / kiosk["seconds"], 1),
                "presses": len(presses), "not_heard": missed, "press_to_display": summary_ms(lat),
                "sse_updates_so_far": self.sse.updates, **machine_load()}

    def busy_day(self, total: int) -> dict[str, Any]:
        """Issue and serve until ``total`` tickets were issued today, the queue near 4,000."""
        load = [n for n in self.procs if n.startswith("load")]
        t0 = time.monotonic()
        chunk = 100
        mark = (self.issued // 10_000 + 1) * 10_000
        while self.issued < total:
            per_client = max(1, min(chunk, (total - self.issued) // KIOSKS_LOAD))
            for name in load:
                self.procs[name].send(cmd="closed", op="ticket.issue", n=per_client, window=16)
            self.procs["drain"].send(cmd="closed", op="counter.call_next", n=per_client * KIOSKS_LOAD // len(DRAIN),
                                     window=16)
            for name in load:
                o = self.procs[name].answer()
                self.issued += len(o["latency"]) - o["errors"]
            o = self.procs["drain"].answer()
            self.called += len(o["latency"]) - o["errors"] - o["empty"]
            if self.issued >= mark:
                self.note_rss(f"day: {self.issued} tickets")
                mark += 10_000
        return {"tickets_today": self.issued, "seconds": round(time.monotonic() - t0, 1)}


def _ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else float("inf")


def main(quick: bool = False) -> dict:
    started = time.monotonic()
    b = Bench(quick)
    try:
        b.note_rss("started")
        raw = RawBroker(b.data.parent / "raw-broker")
        raw.start()
        responder = echo_responder(raw.port)
        try:
            echo = b.procs["seq"].run(cmd="echo", port=raw.port, n=b.cfg["echo"])
            floors = {"mqtt_qos1_echo": {**summary_ms(echo["latency"]), **machine_load()},
                      "sqlite_wal_full": {**sqlite_floor(b.data), **machine_load()}}
            b.echo_port = raw.port
            depth: dict[str, Any] = {"0": b.round_trips("0 waiting")}
            through = b.throughput()
            b.note_rss("after throughput")
            b.drain_to(1000) if b.waiting > 1000 else b.fill_to(1000)
            depth["1000"] = b.round_trips("1,000 waiting")
            press = b.press_to_display()
            b.fill_to(4000)
            depth["4000"] = b.round_trips("4,000 waiting")
            b.note_rss("4,000 waiting")
            day = b.busy_day(b.cfg["day"])
            b.drain_to(0)
            b.note_rss(f"day of {b.issued} tickets, queue empty")
            depth["after_day"] = b.round_trips(f"0 waiting after {b.issued} tickets")
            b.note_rss("end")
            sse_updates = b.sse.updates
        finally:
            responder.loop_stop()
            responder.disconnect()
            raw.stop()
    finally:
        b.close()

    base = depth["0"]
    sqlite_rate = floors["sqlite_wal_full"]["commits_per_s"]
    checks: dict[str, dict[str, Any]] = {}
    for op in ("ticket.issue", "counter.call_next"):
        for key in ("4000", "after_day"):
            ratio = _ratio(depth[key][op]["p50_ms"], base[op]["p50_ms"])
            checks[f"{op} p50 at {key} / at 0 ≤ {FLAT_RATIO}"] = {"value": ratio, "pass": ratio <= FLAT_RATIO}
        # Each depth against the echo measured in blocks between its own rounds; the ratio to the
        # echo taken once before the first depth (the rule until December 2026) is kept in the note.
        ratio = max(_ratio(depth[k][op]["p50_ms"], depth[k]["mqtt_qos1_echo"]["p50_ms"]) for k in depth)
        first_echo = floors["mqtt_qos1_echo"]["p50_ms"]
        before = _ratio(max(depth[k][op]["p50_ms"] for k in depth), first_echo)
        checks[f"{op} p50 ≤ {ECHO_RATIO} × MQTT echo measured with it (worst depth)"] = {
            "value": ratio, "pass": ratio <= ECHO_RATIO,
            "note": f"worst depth against the echo before the first depth ({first_echo} ms): {before}"}
    for key in ("4000", "after_day"):
        ratio = _ratio(depth[key]["hub_cpu_ms_per_request"], base["hub_cpu_ms_per_request"])
        checks[f"hub CPU per request at {key} / at 0 ≤ {FLAT_RATIO}"] = {"value": ratio, "pass": ratio <= FLAT_RATIO}
    rate = through["ticket.issue_per_s"]
    checks[f"throughput ≥ {THROUGHPUT:.0f} issue/s"] = {"value": rate, "pass": rate >= THROUGHPUT}
    checks[f"throughput p99 ≤ {THROUGHPUT_P99_MS:.0f} ms"] = {"value": through["latency"]["p99_ms"],
                                                              "pass": through["latency"]["p99_ms"] <= THROUGHPUT_P99_MS}
    share = _ratio(rate, sqlite_rate)
    checks[f"throughput ≥ {THROUGHPUT_SQLITE_SHARE:.0%} of SQLite commits/s"] = {
        "value": share, "pass": share >= THROUGHPUT_SQLITE_SHARE}
    p99 = press["press_to_display"]["p99_ms"]
    checks[f"press → display p99 < {PRESS_P99_MS:.0f} ms (1,000 waiting, kiosk 20/s, SSE)"] = {
        "value": p99, "pass": p99 < PRESS_P99_MS and press["not_heard"] == 0}
    peak = max(r["rss_mb"] for r in b.rss)
    rss_check = {"value": peak, "pass": peak < RSS_MB}
    if b.issued < 50_000:
        rss_check = {**rss_check, "pass": None, "note": f"day of {b.issued} tickets (quick): reported, not judged"}
    checks[f"hub RSS < {RSS_MB:.0f} MB after a 50,000-ticket day, web on"] = rss_check
    judged = [c["pass"] for c in checks.values() if c["pass"] is not None]
    return write_result("hub_e2e" + ("_quick" if quick else ""), {
        "mode": "quick" if quick else "full",
        "setup": {"hub": "sorra hub run (own Mosquitto, SQLite WAL+FULL, web on)", "sse_clients": 1,
                  "sse_updates": sse_updates, "client_processes": len(b.procs), "services": 2,
                  "counters": COUNTERS,
                  "malloc_env": {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")}},
        "floors": floors,
        "round_trips": depth,
        "throughput": through,
        "press_to_display": press,
        "day": day,
        "rss": b.rss,
        "checks": checks,
        "seconds": round(time.monotonic() - started, 1),
        "target_met": all(judged),
    })


if __name__ == "__main__":
    import sys

    main("--quick" in sys.argv)
