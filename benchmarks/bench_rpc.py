"""RPC round trip through the real broker: device → Mosquitto → hub (commit) → reply.

A paired kiosk and a paired counter send requests one after the other
(ticket.issue, counter.call_next); each sample is the time from
``BusClient.request`` to its reply, which the hub sends only after its
SQLite commit (WAL + synchronous=FULL).

A component figure: the hub runs in this process with the web off and a short queue. What
devices see (a separate hub process, web on, long queues, a busy day) is benchmarks/bench_hub_e2e.py.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.common import summary_ms, write_result
from hub.app import Hub, HubConfig
from sorra.bus import BusClient, BusSettings
from tests.broker_fixture import free_port

TARGET_P99_MS = 20.0
N = 500


def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(HubConfig(Path(tmp) / "hub", mqtt_port=free_port(), bind="127.0.0.1", web=False))
        hub.start()
        try:
            hub.worker.call("admin.settings", {"call_guard_s": 0})  # Next back to back: no double-tap guard
            hub.worker.call("admin.service_upsert", {"id": "A", "names": {"hu": "A", "en": "A"}, "prefix": "A"})
            clients = {}
            for device, role, counter in (("kiosk-1", "kiosk", None), ("counter-1", "counter", 1)):
                creds = hub.worker.call("admin.device_add", {"device": device, "role": role, "counter": counter})
                c = BusClient(BusSettings("127.0.0.1", hub.config.mqtt_port, creds["username"], creds["password"],
                                          "office", device, role))
                c.start()
                assert c.wait_connected(10)
                clients[role] = c
            clients["counter"].call("counter.resume")
            for _ in range(20):  # warm up
                clients["kiosk"].call("ticket.issue", {"services": ["A"]})
            samples: dict[str, list[float]] = {"ticket.issue": [], "counter.call_next": []}
            for i in range(N):
                op, role = ("ticket.issue", "kiosk") if i % 2 == 0 else ("counter.call_next", "counter")
                args = {"services": ["A"]} if op == "ticket.issue" else {}
                t0 = time.perf_counter()
                clients[role].request(op, args).result(10)
                samples[op].append(time.perf_counter() - t0)
            for c in clients.values():
                c.stop()
        finally:
            hub.stop()
    every = samples["ticket.issue"] + samples["counter.call_next"]
    overall = summary_ms(every)
    return write_result("rpc", {
        "round_trip": overall,
        "by_op": {op: summary_ms(s) for op, s in samples.items()},
        "target_p99_ms": TARGET_P99_MS,
        "target_met": overall["p99_ms"] < TARGET_P99_MS,
    })


if __name__ == "__main__":
    main()
