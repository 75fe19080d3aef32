"""The device side of the bus: one MQTT 5 connection to the hub's broker.

A device publishes requests to ``rpc/{device}`` and reads replies on
``reply/{device}``; it reads retained ``state/…`` and ``event/…`` topics and
keeps its own retained ``device/{device}/status`` with a Last Will.

Delivery contract for requests (what makes a button press safe):

* A request made while offline is held and sent when the connection returns,
  with the same ``req`` id. If it could not be *sent* before its
  ``send_deadline_s``, its future fails with ``RequestError("offline")`` and
  the hub never saw it: the caller shows the press as refused.
* Once sent, it is re-sent after every reconnect, and every few seconds
  while no reply comes, until a reply arrives. The hub answers a repeated ``req`` with its first reply and changes nothing, so
  the press is applied exactly once.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sorra import __version__
from sorra.mqtt_client import DirectWriteClient
from sorra.mqtt_properties import PublishProperties
from sorra.protocol.limits import MAX_MESSAGE_BYTES, PACKET_OVERHEAD_BYTES
from sorra.protocol.request_ids import new_request_id
from sorra.protocol.topics import Topics

log = logging.getLogger(__name__)

MessageCallback = Callable[[str, dict[str, Any] | None], None]

SESSION_EXPIRY_S = 24 * 3600


class RequestError(Exception):
    """The hub refused a request, or it could not be delivered."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


@dataclass
class BusSettings:
    host: str
    port: int
    username: str
    password: str = field(repr=False)  # never in logs or test output
    site: str
    device: str
    role: str
    keepalive: int = 10
    tls: bool = False
    ca_file: str = ""
    """With ``tls``: a PEM file of the CA(s) the broker's certificate must chain to."""
    ca_pem: str = ""
    """The same as PEM text (``[hub].ca``: what the hub gave at pairing). Neither: the system's CAs."""
    client_id: str = ""
    reconnect_min_s: float = 0.1
    reconnect_max_s: float = 2.0
    """A broker restart takes ~0.2 s: retry often enough that a press waits under 2 s."""
    resend_after_s: float = 5.0
    """Send a request again (same req) when no reply came within this time."""


@dataclass
class _Pending:
    req: str
    op: str
    args: dict[str, Any]
    future: Future[dict[str, Any]]
    deadline: float
    sent: bool = False
    sent_at: float = 0.0
    first_sent_at: float = 0.0
    reply_timeout_s: float | None = None
    payload: str = ""


@dataclass
class _Subscription:
    pattern: str
    callback: MessageCallback
    qos: int = 1


def _nodelay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    # Nagle's algorithm holds small packets back up to 40 ms; a call must not wait.
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # pragma: no cover - unix sockets, odd platforms
        pass


@dataclass
class _Status:
    extra: dict[str, Any] = field(default_factory=dict)


class BusClient:
    """A device's connection to the hub (see the module docstring for guarantees)."""

    def __init__(self, settings: BusSettings) -> None:
        self.settings = settings
        self.topics = Topics(settings.site)
        self._lock = threading.RLock()
        self._pending: dict[str, _Pending] = {}
        self._subs: list[_Subscription] = []
        self._connection_callbacks: list[Callable[[bool], None]] = []
        self._connected = threading.Event()
        self._status = _Status()
        self._stopping = threading.Event()
        self._timer: threading.Thread | None = None
        self._hub_online_at: Any = None
        client_id = settings.client_id or f"sorra-{settings.device}"
        self._client = DirectWriteClient(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=True,
        )
        if settings.username:
            self._client.username_pw_set(settings.username, settings.password)
        if settings.tls:  # verify the broker's certificate and that it names settings.host
            from sorra.pairing.tls import client_context

            self._client.tls_set_context(client_context(settings.ca_file, settings.ca_pem))
        self._client.reconnect_delay_set(settings.reconnect_min_s, settings.reconnect_max_s)  # type: ignore[arg-type]
        self._client.on_socket_open = _nodelay
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.will_set(
            self.topics.status(settings.device),
            json.dumps(self._status_payload(online=False)),
            qos=1,
            retain=True,
        )

    # ---- lifecycle -----------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        return self._connected.wait(timeout)

    def on_connection(self, callback: Callable[[bool], None]) -> None:
        """``callback(online)`` on every connect and disconnect (paho's thread)."""
        self._connection_callbacks.append(callback)

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(
            self.settings.host,
            self.settings.port,
            keepalive=self.settings.keepalive,
            clean_start=False,
            properties=props,
        )
        self._client.loop_start()
        self._timer = threading.Thread(target=self._expire_loop, name="bus-deadlines", daemon=True)
        self._timer.start()

    def stop(self) -> None:
        """Mark the device offline (retained) and disconnect cleanly."""
        self._stopping.set()
        if self.connected:
            info = self._client.publish(
                self.topics.status(self.settings.device),
                json.dumps(self._status_payload(online=False)),
                qos=1,
                retain=True,
            )
            try:
                info.wait_for_publish(timeout=2)
            except (RuntimeError, ValueError):
                pass
        self._client.disconnect()
        self._client.loop_stop()
        if self._timer is not None:
            self._timer.join(timeout=2)
        with self._lock:
            pending = list(self._pending.values())
            self._pending.clear()
        for p in pending:
            if not p.future.done():
                p.future.set_exception(RequestError("offline", "client stopped"))

    # ---- subscriptions -----------------------------------------------------

    def subscribe_state(self, name: str, callback: MessageCallback) -> None:
        """Retained ``state/{name}`` (wildcards allowed: ``counters/+``)."""
        self._subscribe(self.topics.state(name), callback)

    def subscribe_event(self, name: str, callback: MessageCallback) -> None:
        self._subscribe(self.topics.event(name), callback)

    def subscribe_status(self, callback: MessageCallback) -> None:
        """Every device's presence (``device/+/status``)."""
        self._subscribe(f"{self.topics.root}/device/+/status", callback)

    def _subscribe(self, pattern: str, callback: MessageCallback) -> None:
        sub = _Subscription(pattern, callback)
        with self._lock:
            self._subs.append(sub)
        if self.connected:
            self._client.subscribe(pattern, qos=sub.qos)

    # ---- requests ------------------------------------------------------------

    def request(
        self,
        op: str,
        args: dict[str, Any] | None = None,
        *,
        req: str | None = None,
        send_deadline_s: float = 10.0,
        reply_timeout_s: float | None = None,
    ) -> Future[dict[str, Any]]:
        """Send ``op`` to the hub; the future gives the result dict or raises RequestError.

        ``reply_timeout_s``: once sent, give up waiting after this long with
        ``RequestError("timeout")`` (the hub may still apply it: its broker
        session holds the request). ``None`` waits, re-sending, until a reply.
        A request too big for the bus fails at once with ``too_large``.
        """
        pending = _Pending(
            req=req or new_request_id(),
            op=op,
            args=args or {},
            future=Future(),
            deadline=time.monotonic() + send_deadline_s,
            reply_timeout_s=reply_timeout_s,
        )
        pending.payload = json.dumps({"req": pending.req, "op": op, "args": pending.args})  # encoded once
        size = self._request_size(pending)
        if size > MAX_MESSAGE_BYTES:
            pending.future.set_exception(RequestError(
                "too_large", f"the request is {size} bytes, more than the bus carries "
                             f"({MAX_MESSAGE_BYTES}); nothing was sent"))
            return pending.future
        with self._lock:
            existing = self._pending.get(pending.req)
            if existing is not None:  # the same press again: one request, one future
                return existing.future
            self._pending[pending.req] = pending
            if self.connected:
                self._send(pending)
        return pending.future

    def call(self, op: str, args: dict[str, Any] | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """Blocking request (CLI tools, tests); raises RequestError (``offline``, ``timeout``, …)."""
        future = self.request(op, args, send_deadline_s=timeout, reply_timeout_s=timeout)
        result: dict[str, Any] = future.result(2 * timeout + 1)  # the future itself fails in time
        return result

    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)

    @staticmethod
    def _request_size(p: _Pending) -> int:
        """The request's packet size: payload (ASCII: json escapes the rest) plus room for header, topic, properties."""
        return len(p.payload) + PACKET_OVERHEAD_BYTES

    def _send(self, p: _Pending) -> None:
        props = PublishProperties(self.topics.reply(self.settings.device), p.req.encode("utf-8", "surrogatepass"))
        info = self._client.publish(
            self.topics.rpc(self.settings.device), p.payload, qos=1, properties=props
        )
        if info.rc == mqtt.MQTT_ERR_SUCCESS:
            p.sent = True
            p.sent_at = time.monotonic()
            p.first_sent_at = p.first_sent_at or p.sent_at

    def _expire_loop(self) -> None:
        while not self._stopping.wait(0.1):
            now = time.monotonic()
            expired: list[_Pending] = []
            timed_out: list[_Pending] = []
            with self._lock:
                for req, p in list(self._pending.items()):
                    if not p.sent and now >= p.deadline:
                        expired.append(self._pending.pop(req))
                    elif (p.sent and p.reply_timeout_s is not None
                          and now - p.first_sent_at >= p.reply_timeout_s):
                        timed_out.append(self._pending.pop(req))
                    elif p.sent and self.connected and now - p.sent_at >= self.settings.resend_after_s:
                        # No reply yet: the request may have been lost between a
                        # broker restart and the hub's re-subscription. The same
                        # req again is harmless (the hub answers it once).
                        self._send(p)
            for p in expired:
                p.future.set_exception(
                    RequestError("offline", "the hub could not be reached; nothing was done")
                )
            for p in timed_out:
                p.future.set_exception(
                    RequestError("timeout", "sent, but the hub has not answered; it may still be done")
                )

    # ---- presence ------------------------------------------------------------

    def publish_status(self, extra: dict[str, Any] | None = None) -> None:
        """Update this device's retained status (printer paper, display state, …)."""
        if extra:
            self._status.extra.update(extra)
        if self.connected:
            self._client.publish(
                self.topics.status(self.settings.device),
                json.dumps(self._status_payload(online=True)),
                qos=1,
                retain=True,
            )

    def _status_payload(self, online: bool) -> dict[str, Any]:
        return {
            **self._status.extra,
            "device": self.settings.device,
            "role": self.settings.role,
            "online": online,
            "version": __version__,
            "at": time.time(),
        }

    # ---- paho callbacks (network thread) -------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.warning("broker refused the connection: %s", reason)
            return
        client.subscribe(self.topics.reply(self.settings.device), qos=1)
        with self._lock:
            patterns = {sub.pattern for sub in self._subs}
            for sub in self._subs:
                client.subscribe(sub.pattern, qos=sub.qos)
        hub_status = self.topics.status("hub")
        if not any(mqtt.topic_matches_sub(p, hub_status) for p in patterns):
            client.subscribe(hub_status, qos=1)
        self._connected.set()
        self.publish_status()
        with self._lock:
            for p in self._pending.values():
                self._send(p)
        self._notify_connection(True)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        was = self._connected.is_set()
        self._connected.clear()
        # Requests already sent stay pending (never refused: they may have been
        # applied); they are re-sent with the same req on reconnect.
        if was:
            log.info("disconnected from the broker: %s", reason)
            self._notify_connection(False)

    def _notify_connection(self, online: bool) -> None:
        for cb in list(self._connection_callbacks):
            try:
                cb(online)
            except Exception:  # a listener's bug must not kill the network loop
                log.exception("connection callback failed")

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            payload = json.loads(msg.payload) if msg.payload else None
        except (ValueError, UnicodeDecodeError):
            log.warning("ignoring a message that is not JSON on %s", msg.topic)
            return
        if payload is not None and not isinstance(payload, dict):
            log.warning("ignoring a non-object message on %s", msg.topic)
            return
        if msg.topic == self.topics.reply(self.settings.device):
            self._on_reply(payload or {})
            return
        if msg.topic == self.topics.status("hub"):
            self._on_hub_status(payload or {}, retained=bool(msg.retain))
        suffix = self.topics.suffix(msg.topic)
        with self._lock:
            subs = [s for s in self._subs if mqtt.topic_matches_sub(s.pattern, msg.topic)]
        for sub in subs:
            try:
                sub.callback(suffix, payload)
            except Exception:
                log.exception("callback for %s failed", msg.topic)

    def _on_hub_status(self, status: dict[str, Any], *, retained: bool = False) -> None:
        """The hub (re)connected: send what is unanswered again at once.

        After a broker crash the hub's session may be gone, so requests that
        reached the new broker before the hub subscribed were dropped; waiting
        for ``resend_after_s`` would leave the press unanswered for seconds.
        A *retained* status is the broker's answer to this client's subscription:
        the hub was online before it, and what this client sent since connecting
        reached it (connecting sent everything pending), so nothing is sent twice.
        """
        online, at = bool(status.get("online")), status.get("at")
        if not online or at == self._hub_online_at:
            return
        self._hub_online_at = at
        if retained:
            return
        with self._lock:
            for p in self._pending.values():
                if p.sent:
                    self._send(p)

    def _on_reply(self, reply: dict[str, Any]) -> None:
        req = reply.get("req")
        with self._lock:
            p = self._pending.pop(req, None) if isinstance(req, str) else None
        if p is None or p.future.done():
            return  # a late duplicate of a reply already handled
        if reply.get("ok"):
            p.future.set_result(reply.get("result") or {})
        else:
            err = reply.get("error") or {}
            p.future.set_exception(
                RequestError(str(err.get("code", "internal")), str(err.get("message", "")))
            )
