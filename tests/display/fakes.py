"""Test doubles for the display: a bus that records subscriptions, a recording announcer/listener."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from display.announcement import Announcement
from display.model import CallView, DisplayState

Callback = Callable[[str, dict[str, Any] | None], None]


class FakeBus:
    """Feeds messages to a controller as a BusClient would (same callback shapes)."""

    def __init__(self) -> None:
        self.state: dict[str, Callback] = {}
        self.events: dict[str, Callback] = {}
        self.status_cb: Callback | None = None
        self.connection: list[Callable[[bool], None]] = []
        self.statuses: list[dict[str, Any]] = []

    def subscribe_state(self, name: str, cb: Callback) -> None:
        self.state[name] = cb

    def subscribe_event(self, name: str, cb: Callback) -> None:
        self.events[name] = cb

    def subscribe_status(self, cb: Callback) -> None:
        self.status_cb = cb

    def on_connection(self, cb: Callable[[bool], None]) -> None:
        self.connection.append(cb)

    def publish_status(self, extra: dict[str, Any] | None = None) -> None:
        self.statuses.append(extra or {})

    # driving it
    def connect(self, up: bool = True) -> None:
        for cb in self.connection:
            cb(up)

    def hub_status(self, online: bool) -> None:
        assert self.status_cb is not None
        self.status_cb("device/hub/status", {"device": "hub", "role": "hub", "online": online})

    def call(self, payload: dict[str, Any]) -> None:
        self.events["call"]("event/call", payload)

    def put(self, name: str, payload: dict[str, Any] | None) -> None:
        self.state[name](f"state/{name}", payload)


class RecordingAnnouncer:
    def __init__(self) -> None:
        self.said: list[Announcement] = []
        self.event = threading.Event()

    def announce(self, a: Announcement) -> bool:
        self.said.append(a)
        self.event.set()
        return True

    @property
    def written(self) -> list[str]:
        return [a.written for a in self.said]


class RecordingListener:
    def __init__(self) -> None:
        self.states: list[frozenset[str]] = []
        self.arrived: list[CallView] = []
        self.last: DisplayState | None = None
        self.cond = threading.Condition()

    def state_changed(self, state: DisplayState, changed: frozenset[str]) -> None:
        with self.cond:
            self.last = state
            self.states.append(changed)
            self.cond.notify_all()

    def call_arrived(self, call: CallView) -> None:
        with self.cond:
            self.arrived.append(call)
            self.cond.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)


def call(number: str = "A042", counter: int = 3, at: float = 1000.0, **kw: Any) -> dict[str, Any]:
    return {"ticket": kw.pop("ticket", f"t-{number}"), "number": number, "counter": counter,
            "counter_name": kw.pop("counter_name", str(counter)), "services": kw.pop("services", ["A"]),
            "recall": kw.pop("recall", False), "at": at, "lang": kw.pop("lang", "hu"), **kw}


def services_state(at: float = 1000.0, **office: Any) -> dict[str, Any]:
    return {
        "services": [
            {"id": "A", "names": {"hu": "Okmányok", "en": "Documents"}, "prefix": "A", "open": True},
            {"id": "B", "names": {"hu": "Gépjármű", "en": "Vehicles"}, "prefix": "B", "open": True},
            {"id": "C", "names": {"hu": "Pénztár", "en": "Cashier"}, "prefix": "C", "open": False},
        ],
        "office": {"name": {"hu": "Kormányablak Budapest XI.", "en": "Government Window Budapest XI"},
                   **office},
        "at": at,
    }


def queue_state(at: float = 1000.0) -> dict[str, Any]:
    return {
        "services": {
            "A": {"waiting": 12, "longest_wait_s": 900, "est_wait_s": 1260},
            "B": {"waiting": 3, "longest_wait_s": 300, "est_wait_s": 420},
            "C": {"waiting": 0, "longest_wait_s": 0, "est_wait_s": 0},
        },
        "waiting": 15,
        "open_counters": 4,
        "at": at,
    }
