"""Engine operations per second, durably: WAL + synchronous=FULL on a real file.

Requests are queued to the engine worker the way the bus queues them (each
with its own request id, so the idempotency table is written too, and the
statistics projector writes its fact tables in the same commit); the
worker groups what has queued up into one commit. The figure counts only
operations whose reply was released, i.e. after their commit.

A component figure (engine, worker and SQLite in this process, no MQTT): devices never see
it. What they see is benchmarks/bench_hub_e2e.py.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import wait
from pathlib import Path

from benchmarks.common import write_result
from hub.engine import Engine
from hub.ops import Actor
from hub.presenter import Presenter
from hub.stats import install as install_stats
from hub.store import Store
from hub.worker import EngineWorker, Job

TARGET_OPS = 1000
COUNTERS = 10
ROUNDS = 300  # each round: 10 issues + 10 calls + 10 finishes = 30 ops


def _worker(path: Path) -> EngineWorker:
    store = Store(path)
    install_stats(store)  # as in the hub: statistics fact tables written in every commit
    engine = Engine(time.time, store.load_state())
    worker = EngineWorker(engine, store, Presenter(engine))
    worker.start()
    admin = Actor("admin", "admin")
    worker.call("admin.settings", {"call_guard_s": 0}, actor=admin)  # Next back to back: no double-tap guard
    worker.call("admin.service_upsert", {"id": "A", "names": {"hu": "A", "en": "A"}, "prefix": "A"}, actor=admin)
    worker.call("admin.service_upsert", {"id": "B", "names": {"hu": "B", "en": "B"}, "prefix": "B"}, actor=admin)
    for n in range(1, COUNTERS + 1):
        worker.call("admin.counter_upsert", {"number": n}, actor=admin)
        worker.call("counter.resume", {}, actor=Actor(f"c{n}", "counter", n))
    return worker


def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        worker = _worker(Path(tmp) / "bench.db")
        kiosk = Actor("kiosk-1", "kiosk")
        counters = [Actor(f"counter-{n}", "counter", n) for n in range(1, COUNTERS + 1)]
        seq = 0

        def job(actor: Actor, op: str, args: dict) -> Job:
            nonlocal seq
            seq += 1
            return Job(actor, op, args, req=f"r{seq}")

        # one at a time: the latency of a single durable operation
        single = []
        for i in range(200):
            t0 = time.perf_counter()
            worker.submit(job(kiosk, "ticket.issue", {"services": ["A" if i % 2 else "B"]})).result(10)
            single.append(time.perf_counter() - t0)
        for c in counters:  # drain what those tickets put in the queue
            while worker.submit(job(c, "counter.call_next", {})).result(10)["result"]["ticket"]:
                pass
        # many at once, as when a whole office presses and prints together
        t0 = time.perf_counter()
        futures = []
        for _ in range(ROUNDS):
            futures += [worker.submit(job(kiosk, "ticket.issue", {"services": ["A" if i % 2 else "B"]}))
                        for i in range(COUNTERS)]
            futures += [worker.submit(job(c, "counter.call_next", {})) for c in counters]
            futures += [worker.submit(job(c, "counter.finish", {"marks": []})) for c in counters]
        wait(futures, timeout=300)
        elapsed = time.perf_counter() - t0
        ops = len(futures)
        failed = sum(1 for f in futures if not f.result()["ok"])
        worker.stop()
        db = Store(Path(tmp) / "bench.db")
        mode = db.db.execute("PRAGMA journal_mode").fetchone()[0]
        sync = db.db.execute("PRAGMA synchronous").fetchone()[0]
        db.close()
    ops_per_s = ops / elapsed
    return write_result("engine", {
        "journal_mode": mode, "synchronous": {2: "FULL"}.get(sync, sync),
        "concurrent": {"ops": ops, "seconds": round(elapsed, 3), "ops_per_s": round(ops_per_s, 1),
                       "refused": failed},
        "sequential_issue": {"n": len(single), "ops_per_s": round(len(single) / sum(single), 1),
                             "mean_ms": round(1000 * sum(single) / len(single), 3)},
        "target_ops_per_s": TARGET_OPS,
        "target_met": ops_per_s >= TARGET_OPS,
    })


if __name__ == "__main__":
    main()
