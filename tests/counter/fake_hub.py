"""A stand-in hub on the real broker: answers counter requests idempotently.

Used until (and besides) the real hub fixture: it lets the tests hold a reply,
count how often each request id was *applied*, and stop/start the broker.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


class FakeHub:
    def __init__(self, broker, counter: int = 3) -> None:
        self.broker = broker
        self.counter = counter
        self.root = f"sorra/v1/{broker.site}"
        self.applied: Counter[str] = Counter()  # req -> times applied (must stay 1)
        self.ops: list[tuple[str, str]] = []  # (op, req) in order applied
        self.replies: dict[str, dict[str, Any]] = {}
        self.hold_replies = False
        self.seen = threading.Condition()
        self.number = 0
        self.ticket: dict | None = None
        self.c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="fake-hub",
                             protocol=mqtt.MQTTv5)
        self.c.username_pw_set(broker.hub_account.username, broker.hub_account.password)
        self.c.reconnect_delay_set(0.1, 0.5)
        self.c.on_connect = self._on_connect
        self.c.on_message = self._on_message
        self.connected = threading.Event()

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600  # like the real hub: requests queue while it is away
        self.c.connect_async(broker_host(self.broker), self.broker.port, keepalive=10,
                             clean_start=False, properties=props)
        self.c.loop_start()
        assert self.connected.wait(5)

    def stop(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()

    def _on_connect(self, client, userdata, flags, reason, props) -> None:
        if reason.is_failure:
            return
        client.subscribe(f"{self.root}/rpc/+", qos=1)
        self.connected.set()

    def publish_state(self, **fields: Any) -> None:
        state = {"counter": self.counter, "name": f"Ablak {self.counter}", "state": "open",
                 "clerk": "kovacs", "clerk_name": "Kovács Anna", "since": time.time(),
                 "ticket": self.ticket, "waiting": {"A": 2}}
        state.update(fields)
        self.c.publish(f"{self.root}/state/counters/{self.counter}", json.dumps(state), qos=1,
                       retain=True)

    def _on_message(self, client, userdata, msg) -> None:
        body = json.loads(msg.payload)
        req, op = body["req"], body["op"]
        props = msg.properties
        with self.seen:
            reply = self.replies.get(req)
            if reply is None:
                self.applied[req] += 1
                self.ops.append((op, req))
                reply = {"req": req, "ok": True, "result": self._apply(op)}
                self.replies[req] = reply
                self.publish_state(state="called" if self.ticket else "open")
            self.seen.notify_all()
            if self.hold_replies:
                return
        out = Properties(PacketTypes.PUBLISH)
        out.CorrelationData = props.CorrelationData
        client.publish(props.ResponseTopic, json.dumps(reply), qos=1, properties=out)

    def _apply(self, op: str) -> dict[str, Any]:
        if op == "counter.call_next":
            self.number += 1
            self.ticket = {"id": f"t{self.number}", "number": f"A{self.number:03d}",
                           "services": ["A"], "state": "called", "issued_at": time.time() - 60,
                           "counter": self.counter}
            return {"ticket": self.ticket}
        if op in ("counter.finish", "counter.no_show"):
            t, self.ticket = self.ticket, None
            return {"ticket": t}
        return {}

    def wait_applied(self, n: int, timeout: float = 10.0) -> None:
        with self.seen:
            assert self.seen.wait_for(lambda: len(self.ops) >= n, timeout), self.ops


def broker_host(broker) -> str:
    return broker.host
