"""Central test helpers: the service in this process, the CLI as a subprocess, an office's work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from central import db as D
from central.consumer import STORED_CHANNEL
from central.service import CentralConfig, CentralService
from tests.broker_fixture import free_port

HOST = "127.0.0.1"


def sorra(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "SORRA_LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "sorra.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=60, check=check, env=env)


class Central:
    """``sorra central run`` in this process, restartable on the same data and ports."""

    def __init__(self, data: Path, db_url: str, *, web: bool = False, tls: bool = False) -> None:
        self.data, self.db_url = data, db_url
        self.config = CentralConfig(data_dir=data, db_url=db_url, mqtt_port=free_port(), http_port=free_port(),
                                    bind=HOST, web=web, tls_port=free_port() if tls else 0)
        self.service: CentralService | None = None

    def start(self) -> Central:
        self.service = CentralService(self.config).start()
        return self

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None

    def add_site(self, site: str, name: str = "") -> dict[str, Any]:
        out = sorra("central", "site", "add", site, "--name", name or site.upper(), "--data", str(self.data))
        return json.loads(out.stdout)

    def report(self, day: str) -> dict[str, Any]:
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            return D.report(conn, day)


def join(hub_data: Path, creds: dict[str, Any]) -> None:
    sorra("hub", "central", "join", "--url", creds["url"], "--site", creds["site"], "--username", creds["username"],
          "--password-stdin", "--data", str(hub_data), *(["--ca-file", creds["ca_file"]] if "ca_file" in creds else []),
          stdin=creds["password"] + "\n")


def wait_for(db_url: str, cond: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """``cond()`` once now and again after each commit of the central consumer, until it is true.

    The consumer notifies ``sorra_stored`` when a transaction that stored a
    site's events or its contact commits (central/consumer.py); LISTEN starts
    before the first check, so no commit is missed. What a hub says about
    itself (``sorra hub central status``) is checked again at the hub's next
    hello (every 10 s), which is such a commit too.
    """
    deadline = time.monotonic() + timeout
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(f"LISTEN {STORED_CHANNEL}")
        while True:
            value = cond()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what}")
            for _ in conn.notifies(timeout=left, stop_after=1):
                pass


class Office:
    """Works a hub like a day in the office, counting what it did (per day)."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.counts: dict[str, dict[str, int]] = {}
        hub.admin.add_service("A", {"hu": "Okmány", "en": "Documents"}, "A")
        hub.admin.add_counter(1)
        hub.admin.counter(1, "counter.resume")

    @property
    def day(self) -> str:
        return self.hub.hub.worker.run_in_worker(lambda e: e.state.day)

    def _bump(self, key: str) -> None:
        c = self.counts.setdefault(self.day, {"issued": 0, "served": 0, "no_show": 0})
        c[key] += 1

    def work(self, issued: int, served: int = 0, no_show: int = 0) -> None:
        for _ in range(issued):
            self.hub.admin.call("ticket.issue", {"services": ["A"]})
            self._bump("issued")
        for _ in range(served):
            self.hub.admin.counter(1, "counter.call_next")
            self.hub.admin.counter(1, "counter.finish")
            self._bump("served")
        for _ in range(no_show):
            self.hub.admin.counter(1, "counter.call_next")
            self.hub.admin.counter(1, "counter.no_show")
            self._bump("no_show")

    def head(self) -> int:
        return int(self.hub.hub.store.db.execute("SELECT MAX(seq) FROM events").fetchone()[0] or 0)


def matches(central: Central, offices: dict[str, Office]) -> bool:
    for site, office in offices.items():
        for day, want in office.counts.items():
            got = central.report(day).get(site)
            if got is None or {k: got[k] for k in want} != want:
                return False
    return True
