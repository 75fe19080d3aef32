"""Hub footprint: RSS of the ``sorra hub run`` process (broker excluded) under a day's traffic.

Starts a real hub process (with its web app), pairs a kiosk and four
counters, issues and serves ``TICKETS`` tickets, and samples the hub's RSS
from /proc before, during and after. Target: under 100 MB.

A short day (2,000 tickets); the 50,000-ticket day with the web's live dashboard open is in
benchmarks/bench_hub_e2e.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from benchmarks.common import write_result
from sorra.bus import BusClient, BusSettings
from tests.broker_fixture import free_port

TARGET_MB = 100.0
TICKETS = 2000
COUNTERS = 4


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cli(data: Path, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "sorra.cli", "hub", *args, "--data", str(data)],
                          capture_output=True, text=True, check=True, timeout=60).stdout


def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "hub"
        _cli(data, "service", "add", "A", "--name", "Okmányügyek", "--prefix", "A")
        _cli(data, "service", "add", "B", "--name", "Adóügyek", "--prefix", "B")
        _cli(data, "settings", "--set", "call_guard_s=0")  # Next back to back: no double-tap guard
        creds = {"kiosk-1": json.loads(_cli(data, "device", "add", "kiosk-1", "--role", "kiosk"))}
        for n in range(1, COUNTERS + 1):
            creds[f"counter-{n}"] = json.loads(_cli(data, "device", "add", f"counter-{n}", "--role", "counter",
                                                    "--counter", str(n)))
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "sorra.cli", "hub", "run", "--data", str(data),
                                 "--mqtt-port", str(port), "--http-port", str(free_port()), "--bind", "127.0.0.1"],
                                env={**os.environ, "SORRA_LOG_LEVEL": "WARNING"})
        samples = []
        try:
            clients = {}
            for device, c in creds.items():
                role = "kiosk" if device.startswith("kiosk") else "counter"
                client = BusClient(BusSettings("127.0.0.1", port, c["username"], c["password"], "office", device, role))
                online = threading.Event()
                client.subscribe_status(lambda s, p, ev=online: s == "device/hub/status" and p and p.get("online") and ev.set())
                client.start()
                assert client.wait_connected(30) and online.wait(30)
                clients[device] = client
            samples.append(("started", rss_mb(proc.pid)))
            for n in range(1, COUNTERS + 1):
                clients[f"counter-{n}"].call("counter.resume")
            issued = 0
            while issued < TICKETS:
                batch = [clients["kiosk-1"].request("ticket.issue", {"services": ["A" if i % 3 else "B"]})
                         for i in range(50)]
                for f in batch:
                    f.result(30)
                issued += len(batch)
                for n in range(1, COUNTERS + 1):
                    for _ in range(50 // COUNTERS + 1):
                        clients[f"counter-{n}"].call("counter.call_next")
                if issued % 500 == 0:
                    samples.append((f"{issued} tickets", rss_mb(proc.pid)))
            samples.append(("end", rss_mb(proc.pid)))
            for c in clients.values():
                c.stop()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
    peak = max(mb for _, mb in samples)
    return write_result("hub_memory", {
        "tickets": TICKETS,
        "rss_mb": {label: round(mb, 1) for label, mb in samples},
        "peak_rss_mb": round(peak, 1),
        "target_mb": TARGET_MB,
        "target_met": peak < TARGET_MB,
    })


if __name__ == "__main__":
    main()
