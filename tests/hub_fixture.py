"""A real hub for tests: engine + SQLite + its own Mosquitto + bus service, in this process.

``hub`` is ready to use; ``hub_factory(tmp_path, **config)`` makes more (two
sites, restarts). Devices are paired with :meth:`TestHub.device_settings`,
which returns the :class:`sorra.bus.BusSettings` a device app connects with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub, HubConfig
from hub.engine.pins import hash_pin
from sorra.bus import BusClient, BusSettings
from sorra.protocol.topics import Topics
from tests.broker_fixture import free_port

HOST = "127.0.0.1"


class Admin:
    """The manager's changes, made through the hub's worker like the web app does."""

    def __init__(self, hub: TestHub) -> None:
        self._hub = hub

    def call(self, op: str, args: dict[str, Any]) -> dict[str, Any]:
        return self._hub.hub.worker.call(op, args)

    def add_service(self, id: str, names: dict[str, str] | None = None, prefix: str = "A",
                    info: dict[str, str] | None = None, group: str = "", sla_s: int = 600,
                    **extra: Any) -> dict[str, Any]:
        return self.call("admin.service_upsert", {
            "id": id, "names": names or {"hu": id, "en": id}, "prefix": prefix,
            "info": info or {}, "group": group, "sla_s": sla_s, **extra})

    def add_counter(self, number: int, name: str = "", profile: list[tuple[str, int]] | None = None) -> dict:
        payload: dict[str, Any] = {"number": number, "name": name}
        if profile is not None:
            payload["profile"] = [{"service": s, "weight": w} for s, w in profile]
        return self.call("admin.counter_upsert", payload)

    def add_clerk(self, id: str, name: str, pin: str, profile: list[tuple[str, int]] | None = None,
                  may_edit_profile: bool = False) -> dict:
        payload: dict[str, Any] = {"id": id, "name": name, "pin": pin, "may_edit_profile": may_edit_profile}
        if profile is not None:
            payload["profile"] = [{"service": s, "weight": w} for s, w in profile]
        return self.call("admin.clerk_upsert", payload)

    def set_office(self, name: dict[str, str] | None = None, hours: dict | None = None, **more: Any) -> dict:
        changes: dict[str, Any] = dict(more)
        if name is not None:
            changes["office_names"] = name
        if hours is not None:
            changes["hours"] = hours
        return self.call("admin.settings", changes)

    def counter(self, number: int, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run a counter op as if counter ``number`` pressed it."""
        return self.call("admin.counter_command", {"counter": number, "op": op, "args": args or {}})


class TestHub:
    __test__ = False  # not a test class

    def __init__(self, data_dir: Path, site: str = "office", clock: Callable[[], float] | None = None,
                 call_guard_s: int = 0, **config: Any) -> None:
        self.data_dir = data_dir
        self.call_guard_s = call_guard_s
        """The office's guard after a call (product default 3 s): tests press Next again at once."""
        self.site = site
        self.topics = Topics(site)
        self.clock = clock
        self.config = HubConfig(data_dir=data_dir, site=site, mqtt_port=free_port(), http_port=free_port(),
                                bind=HOST, **{"web": False, **config})
        self.hub: Hub = None  # type: ignore[assignment]
        self.admin = Admin(self)
        self._clients: list[BusClient] = []

    @property
    def port(self) -> int:
        return self.config.mqtt_port

    @property
    def http_port(self) -> int:
        return self.config.http_port

    @property
    def broker(self) -> Any:
        """The broker handle: ``.supervisor.stop()`` / ``.supervisor.start(accounts)``."""
        return _BrokerHandle(self)

    def start(self) -> TestHub:
        kwargs = {"clock": self.clock} if self.clock else {}
        self.hub = Hub(self.config, **kwargs)
        self.hub.start()
        if self.hub.engine.state.settings.call_guard_s != self.call_guard_s:
            self.admin.set_office(call_guard_s=self.call_guard_s)
        return self

    def stop(self) -> None:
        if self.hub is not None:
            self.hub.stop()

    def device_settings(self, device: str, role: str, counter: int | None = None) -> BusSettings:
        if counter is not None and counter not in self.hub.engine.state.counters:
            self.admin.add_counter(counter)
        creds = self.hub.worker.call("admin.device_add", {"device": device, "role": role, "counter": counter})
        return BusSettings(host=HOST, port=self.port, username=creds["username"], password=creds["password"],
                           site=self.site, device=device, role=role)

    def client(self, device: str, role: str, counter: int | None = None) -> BusClient:
        """A connected BusClient for a freshly paired device (stopped at teardown)."""
        c = BusClient(self.device_settings(device, role, counter))
        c.start()
        assert c.wait_connected(10), "device could not connect"
        self._clients.append(c)
        return c

    def close_clients(self) -> None:
        for c in self._clients:
            c.stop()
        self._clients.clear()


class _BrokerHandle:
    def __init__(self, hub: TestHub) -> None:
        self._hub = hub

    @property
    def supervisor(self) -> Any:
        return _Supervisor(self._hub)

    @property
    def port(self) -> int:
        return self._hub.port

    host = HOST


class _Supervisor:
    def __init__(self, hub: TestHub) -> None:
        self._hub = hub

    def stop(self) -> None:
        self._hub.hub.broker.stop()

    def start(self, accounts: Any = None) -> None:
        self._hub.hub.broker.start(accounts or self._hub.hub.broker_accounts())


@pytest.fixture
def hub_factory(tmp_path: Path) -> Iterator[Callable[..., TestHub]]:
    made: list[TestHub] = []

    def make(name: str = "hub", **kwargs: Any) -> TestHub:
        h = TestHub(tmp_path / name, **kwargs).start()
        made.append(h)
        return h

    yield make
    for h in reversed(made):
        h.close_clients()
        h.stop()


@pytest.fixture
def hub(hub_factory: Callable[..., TestHub]) -> TestHub:
    return hub_factory()


__all__ = ["Admin", "TestHub", "hash_pin", "hub", "hub_factory"]


def later_today(now: float, seconds: float, tz: str = "Europe/Budapest") -> float:
    """``now + seconds``, but never past the office's local midnight (an appointment
    booked for "soon" must still be today's, whenever the suite runs)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    local = datetime.fromtimestamp(now, ZoneInfo(tz))
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    end = midnight.timestamp()
    return now + seconds if now + seconds < end else (now + end) / 2
