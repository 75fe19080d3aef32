"""In-memory stand-ins for the counter terminal's collaborators (no network)."""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sorra.bus import RequestError


@dataclass
class Sent:
    op: str
    args: dict[str, Any]
    req: str
    future: Future

    def ok(self, **result: Any) -> None:
        self.future.set_result(result)

    def fail(self, code: str, message: str = "") -> None:
        self.future.set_exception(RequestError(code, message))


class FakeBus:
    """Records requests; the test answers them. Subscriptions can be fed by hand."""

    def __init__(self, connected: bool = True) -> None:
        self.connected = connected
        self.sent: list[Sent] = []
        self.subs: dict[str, Any] = {}
        self.conn_cbs: list[Any] = []

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def publish_status(self, extra=None) -> None:
        self.status = dict(extra or {})

    def on_connection(self, cb):
        self.conn_cbs.append(cb)

    def subscribe_state(self, name, cb):
        self.subs["state/" + name] = cb

    def subscribe_event(self, name, cb):
        self.subs["event/" + name] = cb

    def request(self, op, args=None, *, req=None, send_deadline_s=10.0):
        fut: Future = Future()
        self.sent.append(Sent(op, dict(args or {}), req or "", fut))
        return fut

    # test helpers
    def set_online(self, online: bool) -> None:
        self.connected = online
        for cb in self.conn_cbs:
            cb(online)

    def counter_state(self, n: int, **fields: Any) -> None:
        payload = {"counter": n, "name": f"Ablak {n}", "state": "open", "since": time.time()}
        payload.update(fields)
        self.subs["state/counters/+"](f"state/counters/{n}", payload)

    def services(self, *services: tuple[str, str, str]) -> None:
        self.subs["state/services"]("state/services", {
            "services": [
                {"id": sid, "names": {"hu": hu, "en": hu + " (en)"}, "prefix": sid}
                for sid, hu, _ in services
            ],
            "at": time.time(),
        })

    def alert(self, code: str, level: str = "warning", message: str = "", active: bool = True):
        self.subs["event/alert"]("event/alert", {
            "code": code, "level": level, "message": message, "active": active, "at": time.time()
        })

    def last(self) -> Sent:
        return self.sent[-1]


class FakeClock:
    def __init__(self, t: float = 5000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


def ticket(number: str = "A001", tid: str | None = None, services=("A",), **extra: Any) -> dict:
    return {
        "id": tid or f"t-{number}",
        "number": number,
        "services": list(services),
        "state": extra.pop("state", "called"),
        "issued_at": time.time() - 600,
        **extra,
    }
