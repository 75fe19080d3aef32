"""The hub's side of the bus: requests in, replies, state and events out.

The network thread only parses and queues; the engine worker does the work
and calls back here after its commit. Requests are acknowledged to the broker
(manual PUBACK) only after that commit: if the hub dies first, the broker
delivers the request again when the hub's persistent session returns, and
the stored reply makes the repeat harmless.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hub.alerts import AlertBook
from hub.devices import DeviceRegistry
from hub.engine import events as ev
from hub.engine.events import from_dict as typed_event
from hub.engine.reducer import Event
from hub.presenter import Presenter
from hub.worker import Done, EngineWorker, Job, ReadJob
from sorra import __version__
from sorra.mqtt_client import DirectWriteClient
from sorra.mqtt_properties import PublishProperties
from sorra.protocol.limits import MAX_MESSAGE_BYTES, MessageRejected, parse_json_object
from sorra.protocol.names import Event as EventName
from sorra.protocol.names import State
from sorra.protocol.topics import Topics, device_from_rpc_topic

log = logging.getLogger(__name__)

RECENT_CALLS = 10
SESSION_EXPIRY_S = 7 * 24 * 3600
ROOM_STATE_EVERY_S = 0.05
"""How often at most the retained snapshots (services, queue, counters, recent calls) are read and
sent. The first change after a quiet spell goes at once; a burst of requests is folded into one
snapshot per interval instead of one per commit. Replies and ``event/call`` always go at once."""

StateListener = Callable[[str, dict[str, Any]], None]


@dataclass
class HubBusSettings:
    host: str
    port: int
    username: str
    password: str
    site: str = "office"
    client_id: str = "sorra-hub"


@dataclass
class _Message:
    topic: str
    payload: dict[str, Any]
    retain: bool


class Outbox:
    """Encodes and sends on a thread of its own, in the order things were handed in.

    The engine thread only reads the state into plain dicts; JSON encoding, the
    duplicate check and the MQTT publish happen here, while the engine runs the
    next batch (its fsync releases the GIL). :meth:`send_if_idle` lets the
    engine answer at once when nothing handed in before is still unsent.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._unsent = 0

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="hub-outbox", daemon=True)
            self._thread.start()

    def put(self, send: Callable[[], None]) -> None:
        if self._thread is None or not self._thread.is_alive():
            send()  # not started (tests that drive the service directly) or stopped: send now
            return
        with self._lock:
            self._unsent += 1
        self._queue.put(send)

    def send_if_idle(self, send: Callable[[], None]) -> bool:
        """Run ``send`` on this thread if everything handed in before has gone out; False if not.

        A reply waits on this hand-off to the outbox thread twice over: its
        wake-up, and the GIL that the engine thread holds until it blocks again.
        Sending the reply from the engine thread, before it reads the room's
        state, takes both off the clerk's wait; under load the outbox is busy
        and the order rule sends the reply after what is already queued.
        """
        with self._lock:
            if self._unsent:
                return False
        _send_logged(send)
        return True

    def flush(self, timeout: float = 5.0) -> bool:
        if self._thread is None or not self._thread.is_alive():
            return True
        done = threading.Event()
        self.put(done.set)
        return done.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while True:
            send = self._queue.get()
            if send is None:
                return
            try:
                _send_logged(send)
            finally:
                with self._lock:
                    self._unsent -= 1


def _send_logged(send: Callable[[], None]) -> None:
    try:
        send()
    except Exception:  # one failed publish must not stop the others
        log.exception("sending from the hub's outbox failed")


@dataclass
class _Delivery:
    mid: int
    qos: int
    reply_topic: str
    correlation: bytes | None


class BusService:
    def __init__(self, settings: HubBusSettings, worker: EngineWorker, presenter: Presenter,
                 devices: DeviceRegistry, alerts: AlertBook) -> None:
        self.settings = settings
        self.worker = worker
        self.presenter = presenter
        self.devices = devices
        self.alerts = alerts
        self.topics = Topics(settings.site)
        self.listeners: list[StateListener] = []
        """Called with (topic suffix, payload) for every state and event published (web live view)."""
        self.presence: dict[str, dict[str, Any]] = {}
        self._published: dict[str, dict[str, Any]] = {}
        self._room_topics: set[ev.Topic] = set()
        self._room_counters: set[int] = set()
        self._room_at = float("-inf")
        self._room_due = False
        self._playlist: dict[str, Any] | None = None
        self._outbox = Outbox()
        self._recent_calls: deque[dict[str, Any]] = deque(maxlen=RECENT_CALLS)
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._client = DirectWriteClient(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self._client.username_pw_set(settings.username, settings.password)
        # Back on a restarted broker within a fraction of a second: devices wait on the hub.
        self._client.reconnect_delay_set(0.1, 2)  # type: ignore[arg-type]
        self._client.max_queued_messages_set(0)
        self._client.on_socket_open = _nodelay
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.will_set(self.topics.status("hub"), json.dumps(self._hub_status(False)), qos=1, retain=True)

    # ---- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        self._outbox.start()
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(self.settings.host, self.settings.port, keepalive=10,
                                   clean_start=False, properties=props)
        self._client.loop_start()

    def stop(self) -> None:
        self._outbox.stop()
        if self._connected.is_set():
            info = self._client.publish(self.topics.status("hub"), json.dumps(self._hub_status(False)),
                                        qos=1, retain=True)
            try:
                info.wait_for_publish(2)
            except (RuntimeError, ValueError):
                pass
        self._client.disconnect()
        self._client.loop_stop()

    def wait_connected(self, timeout: float = 10) -> bool:
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def seed_recent_calls(self, calls: list[dict[str, Any]]) -> None:
        self._recent_calls.extend(calls[-RECENT_CALLS:])

    # ---- incoming (network thread) -------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("broker refused the hub: %s", reason)
            return
        client.subscribe(f"{self.topics.root}/rpc/+", qos=1)
        client.subscribe(f"{self.topics.root}/device/+/status", qos=1)
        self._connected.set()
        with self._lock:
            self._published.clear()  # the broker may have lost retained state: send it all again
        self.publish_all()
        log.info("hub connected to the broker at %s:%s", self.settings.host, self.settings.port)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._connected.clear()
        log.warning("hub lost the broker: %s", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        try:
            device = device_from_rpc_topic(self.topics, msg.topic)
            if device is not None:
                self._on_request(device, msg)
                return  # acknowledged after the commit
            self._on_status(msg)
        except Exception:  # whatever a device sends, the hub keeps running
            log.exception("dropping a message on %s that could not be handled", msg.topic)
        self._ack(msg.mid, msg.qos)

    def _ack(self, mid: int, qos: int) -> None:
        if qos > 0:
            self._client.ack(mid, qos)

    def _on_request(self, device: str, msg: mqtt.MQTTMessage) -> None:
        props = getattr(msg, "properties", None)
        reply_topic = getattr(props, "ResponseTopic", None) or self.topics.reply(device)
        correlation = getattr(props, "CorrelationData", None)
        delivery = _Delivery(msg.mid, msg.qos, reply_topic, correlation)
        if reply_topic != self.topics.reply(device):
            # A device may only be answered on its own reply topic.
            reply_topic = delivery.reply_topic = self.topics.reply(device)
        actor = self.devices.actor(device)
        payload, problem = _parse(msg.payload)
        req = payload.get("req") if isinstance(payload, dict) and isinstance(payload.get("req"), str) else ""
        if problem is not None:
            req = _readable_req(msg.payload)
        if problem is None and (not req or len(req) > 64):
            problem = "req: a non-empty string of at most 64 characters"
        if problem is None and not isinstance(payload.get("op"), str):
            problem = "op: a string"
        if problem is None and actor is None:
            self._reply_now(delivery, req, "forbidden", f"device {device} is not paired with this hub")
            return
        if problem is not None:
            self._reply_now(delivery, req, "bad_request", problem)
            return
        job = Job(actor, payload["op"], payload.get("args", {}), req=req, meta=delivery)  # type: ignore[arg-type]
        self.worker.submit(job)

    def _reply_now(self, delivery: _Delivery, req: str, code: str, message: str) -> None:
        self._send_reply(delivery, {"req": req, "ok": False, "error": {"code": code, "message": message}})
        self._ack(delivery.mid, delivery.qos)

    def _on_status(self, msg: mqtt.MQTTMessage) -> None:
        rest = self.topics.suffix(msg.topic)
        parts = rest.split("/")
        if len(parts) != 3 or parts[0] != "device" or parts[2] != "status" or parts[1] == "hub":
            return
        payload, problem = _parse(msg.payload)
        if problem is not None or not isinstance(payload, dict):
            return
        device = parts[1]
        self.presence[device] = {**payload, "device": device, "seen_at": time.time()}
        online = bool(payload.get("online"))
        actor = self.devices.actor(device)
        # Only paired devices: the CLI and the web connect as an admin account for a moment,
        # and their going away is not a device going offline.
        if actor is not None and actor.role != "admin":
            self.alerts.set(device, {"code": "device.offline", "level": "warning",
                                     "message": f"{device} is offline", "params": {"device": device},
                                     "active": not online})
        self._notify("presence", {"device": device, **payload})

    # ---- outgoing ------------------------------------------------------------------

    def committed(self, events: list[Event], done: list[Done]) -> None:
        """Worker callback after a commit: replies, acks, events, changed state.

        The replies go first: from this thread when the outbox is idle, else
        queued behind what it holds. The state is *read* here, on the engine
        thread, so it is consistent with the commit; encoding and sending happen
        on the outbox thread, so the engine goes back to the next batch at once.
        Everything goes out in the order it was read, so a device never gets a
        snapshot older than a reply it already has.
        """
        replies = [(d.job.meta, d.reply, d.row.text if d.row is not None else None)
                   for d in done if isinstance(d.job.meta, _Delivery)]
        if replies:
            def answer() -> None:
                for delivery, reply, text in replies:
                    self._send_reply(delivery, reply, text)
                    self._ack(delivery.mid, delivery.qos)

            if not self._outbox.send_if_idle(answer):
                self._outbox.put(answer)
        messages = self._changed_messages(events) if events else []
        messages += self._room_state_if_due()
        if messages:
            self._outbox.put(lambda: self._send_all(messages))

    def _send_all(self, messages: list[_Message]) -> None:
        for m in messages:
            if m.retain:
                self._publish_state_now(m.topic, m.payload)
            else:
                self._publish_now(m.topic, m.payload, retain=False)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything handed to the outbox so far is sent (tests, shutdown)."""
        return self._outbox.flush(timeout)

    def _send_reply(self, delivery: _Delivery, reply: dict[str, Any], text: str | None = None) -> None:
        """``text``: the reply already encoded (as committed); else it is encoded here.

        At QoS 0. What makes a reply reach its device is not the broker but the
        device and the store: a device re-sends every unanswered request when it
        (re)connects and every few seconds, and the hub answers a repeated
        ``req`` with the reply it committed. A QoS 1 reply the broker held for a
        device that was away would arrive at the same moment as that answer (and
        a broker restart could lose it: Sorra does not rely on broker
        persistence); meanwhile it cost every request a PUBACK to read on the
        hub's network thread and one to send on the device's.
        """
        props = PublishProperties(correlation=delivery.correlation)
        self._client.publish(delivery.reply_topic, text if text is not None else json.dumps(reply),
                             qos=0, properties=props)

    def _changed_messages(self, events: list[Event]) -> list[_Message]:
        """The calls, read now (engine thread); the state the events change is only marked here.

        Every retained snapshot they touch (services, queue, the counters that
        acted and the waiting counts on every other, the recent calls) is read
        by :meth:`_room_state_if_due`. The caller's own reply carries what it
        needs at once (the counter terminal shows it before its state arrives).
        """
        engine = self.presenter.engine
        out: list[_Message] = []
        for e in events:
            typed = typed_event(e)  # what the event changes is its class's declaration
            if isinstance(typed, (ev.TicketCalled, ev.TicketRecalled)):
                t = engine.state.tickets.get(typed.ticket)
                if t is not None:
                    call = self.presenter.call(t, typed.counter, typed.at,
                                               recall=isinstance(typed, ev.TicketRecalled))
                    self._recent_calls.append(call)
                    out.append(_Message(self.topics.event(EventName.CALL), call, retain=False))
            self._room_topics |= typed.TOPICS
            self._room_counters |= typed.desks()
        if ev.QUEUE in self._room_topics:
            # Waiting counts on every counter's screen follow the queue.
            self._room_counters.update(engine.state.counters)
        return out

    def _room_state_if_due(self) -> list[_Message]:
        """The room-wide snapshots now, or a read scheduled for when the interval is over."""
        if not self._room_topics and not self._room_counters:
            return []
        wait = self._room_at + ROOM_STATE_EVERY_S - time.monotonic()
        if wait <= 0 or not self.worker.running:
            return self._room_state()
        if not self._room_due:
            self._room_due = True
            self.worker.later(wait, self._send_room_state)
        return []

    def _send_room_state(self) -> None:
        """Deferred read on the engine thread, sent after everything queued before it."""
        self._room_due = False
        messages = self._room_state()
        if messages:
            self._outbox.put(lambda: self._send_all(messages))

    def _room_state(self) -> list[_Message]:
        """Read what is marked; nothing (and the interval not restarted) when a commit after the
        interval read it already."""
        engine = self.presenter.engine
        topics, counters = self._room_topics, self._room_counters
        if not topics and not counters:
            return []
        self._room_topics, self._room_counters = set(), set()
        self._room_at = time.monotonic()
        out: list[_Message] = []
        if ev.SERVICES in topics:
            out.append(self._state(State.SERVICES, self.presenter.services()))
        if ev.QUEUE in topics:
            out.append(self._state(State.QUEUE, self.presenter.queue()))
        for n in sorted(counters):
            c = engine.state.counters.get(n)
            if c is not None:
                out.append(self._state(f"counters/{n}", self.presenter.counter(c)))
        if ev.CALLS in topics:
            out.append(self._state(State.CALLS, self.presenter.calls(self._recent_calls, time.time())))
        return out

    def _state(self, name: str, payload: dict[str, Any]) -> _Message:
        return _Message(self.topics.state(name), payload, retain=True)

    def publish_all(self) -> None:
        """Every retained topic (on connect), built on the worker thread so it reads a consistent state."""
        def build_and_publish(engine: Any) -> None:
            messages = [self._state(State.SERVICES, self.presenter.services()),
                        self._state(State.QUEUE, self.presenter.queue())]
            messages += [self._state(f"counters/{n}", self.presenter.counter(c))
                         for n, c in sorted(engine.state.counters.items())]
            messages.append(self._state(State.CALLS, self.presenter.calls(self._recent_calls, time.time())))
            messages.append(self._state(State.ALERTS, self.alerts.snapshot()))
            if self._playlist is not None:
                messages.append(self._state(State.PLAYLIST, self._playlist))
            status = json.dumps(self._hub_status(True))

            def send() -> None:
                self._send_all(messages)
                # Last: devices take "hub online" as the sign to re-send unanswered requests.
                self._client.publish(self.topics.status("hub"), status, qos=1, retain=True)

            self._outbox.put(send)

        if self.worker.running and not self.worker.on_engine_thread():
            self.worker.submit(ReadJob(build_and_publish))
        else:
            build_and_publish(self.presenter.engine)

    def tick(self) -> None:
        """Periodic refresh from the worker thread: waits and opening hours change with time."""
        messages = [self._state(State.SERVICES, self.presenter.services()),
                    self._state(State.QUEUE, self.presenter.queue())]
        self._outbox.put(lambda: self._send_all(messages))

    def _publish_state(self, name: str, payload: dict[str, Any]) -> None:
        message = self._state(name, payload)
        self._outbox.put(lambda: self._publish_state_now(message.topic, message.payload))

    def _publish_state_now(self, topic: str, payload: dict[str, Any]) -> None:
        # Skip a republish that only moved the clock (compared as values: cheaper than encoding twice).
        content = {k: v for k, v in payload.items() if k != "at"}
        with self._lock:
            if self._published.get(topic) == content:
                return
            self._published[topic] = content
        self._publish_now(topic, payload, retain=True)

    def _publish_now(self, topic: str, payload: dict[str, Any], *, retain: bool) -> None:
        self._client.publish(topic, json.dumps(payload, default=str), qos=1, retain=retain)
        self._notify(self.topics.suffix(topic), payload)

    def publish_alert(self, payload: dict[str, Any]) -> None:
        event = _Message(self.topics.event(EventName.ALERT), payload, retain=False)
        messages = [event, self._state(State.ALERTS, self.alerts.snapshot())]
        self._outbox.put(lambda: self._send_all(messages))

    def publish_print(self, device: str, payload: dict[str, Any]) -> None:
        """``event/print/{device}``: that kiosk prints a ticket the front desk issued (not retained)."""
        message = _Message(self.topics.event(f"print/{device}"), payload, retain=False)
        self._outbox.put(lambda: self._send_all([message]))

    def publish_playlist(self, payload: dict[str, Any]) -> None:
        """Retained ``state/playlist`` (set by the web app); sent again after every reconnect."""
        self._playlist = payload
        self._publish_state(State.PLAYLIST, payload)

    def publish_device_config(self, device: str, payload: dict[str, Any]) -> None:
        self._publish_state(f"config/{device}", payload)

    def publish_counter(self, number: int, payload: dict[str, Any]) -> None:
        """Retained ``state/counters/{n}`` outside a commit (a no-show's return window closed); skipped
        when unchanged."""
        self._publish_state(f"counters/{number}", payload)

    def _notify(self, suffix: str, payload: dict[str, Any]) -> None:
        for listener in list(self.listeners):
            try:
                listener(suffix, payload)
            except Exception:
                log.exception("state listener failed")

    def _hub_status(self, online: bool) -> dict[str, Any]:
        return {"device": "hub", "role": "hub", "online": online, "version": __version__, "at": time.time()}


def _parse(raw: bytes) -> tuple[Any, str | None]:
    try:
        return parse_json_object(raw, max_bytes=MAX_MESSAGE_BYTES), None
    except MessageRejected as err:
        return None, str(err)


_REQ = re.compile(rb'"req"\s*:\s*"([A-Za-z0-9_.:-]{1,64})"')


def _readable_req(raw: bytes) -> str:
    """The ``req`` of a refused message when it can be read, so the device can match the refusal."""
    found = _REQ.search(raw[:4096])
    return found.group(1).decode("ascii") if found else ""


def _nodelay(client: mqtt.Client, userdata: Any, sock: socket.socket) -> None:
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass
