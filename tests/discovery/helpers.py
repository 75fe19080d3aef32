"""Helpers for discovery and pairing tests: everything on loopback, bounded in time."""

from __future__ import annotations

import queue
import secrets
import threading
from pathlib import Path
from typing import Any

from sorra import pairing
from sorra.config import DeviceConfig

LOOP = ["127.0.0.1"]
WAIT = 15.0


def new_site() -> str:
    """A site no other test (or another engineer's run on this machine) announces."""
    return f"t{secrets.token_hex(4)}"


def device_config(site: str, role: str = "kiosk", **device: Any) -> DeviceConfig:
    cfg = DeviceConfig()
    cfg.device.role = role
    cfg.device.site = site
    for key, value in device.items():
        setattr(cfg.device, key, value)
    return cfg


def hub_announced(test_hub: Any, timeout: float = 5.0) -> None:
    """Wait until the hub's mDNS probe is done, so a browse finds it at once."""
    assert test_hub.hub.discovery.advertiser.registered(timeout), "the hub did not announce itself"


class Pairer:
    """``ensure_paired`` on a thread; codes and status lines arrive on queues."""

    def __init__(self, cfg: DeviceConfig, path: Path, **kwargs: Any) -> None:
        self.codes: queue.Queue[str] = queue.Queue()
        self.status: list[str] = []
        self.stop = threading.Event()
        self.result: DeviceConfig | None = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        kwargs.setdefault("interfaces", LOOP)
        kwargs.setdefault("settle_s", 0.2)
        kwargs.setdefault("timeout_s", 40)

        def run() -> None:
            try:
                self.result = pairing.ensure_paired(cfg, path, self.codes.put, on_status=self.status.append,
                                                    stop=self.stop, **kwargs)
            except BaseException as err:  # handed to the test
                self.error = err
            finally:
                self._done.set()

        self.thread = threading.Thread(target=run, name="test-pairer", daemon=True)
        self.thread.start()

    def code(self, timeout: float = WAIT) -> str:
        try:
            return self.codes.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no pairing code shown; status: {self.status}") from None

    def finish(self, timeout: float = WAIT) -> DeviceConfig:
        assert self._done.wait(timeout), f"pairing did not finish; status: {self.status}"
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def cancel(self) -> None:
        self.stop.set()
        self._done.wait(WAIT)
