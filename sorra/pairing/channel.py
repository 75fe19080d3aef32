"""The device's end of the pairing topics: one MQTT 5 connection with one of the
hub's ``pairing.N`` accounts (the hub's pairing secret, from its mDNS record) to
its broker (see :mod:`sorra.pairing.wire`).

:func:`prove_hub` is the check every device makes before trusting a hub: the
hub signs the device's fresh nonce with the key whose fingerprint is expected,
and lists the address the device reached it at.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from typing import Any

import paho.mqtt.client as mqtt

from sorra.pairing import crypto, wire
from sorra.protocol.topics import Topics

log = logging.getLogger(__name__)


class ChannelError(ConnectionError):
    """The hub's broker could not be reached, refused the login, or did not answer in time."""


def new_rid() -> str:
    return secrets.token_hex(8)


class PairingChannel:
    """Publish requests to ``pair/request/{rid}``, receive replies on ``pair/reply/{rid}``.

    Requests registered with :meth:`send` are re-sent after a reconnect, so a
    device waiting for approval survives a broker restart.
    """

    def __init__(self, host: str, port: int, site: str, *, secret: str = "", tls: bool = False,
                 connect_timeout_s: float = 5.0) -> None:
        """``secret``: the hub's pairing secret (TXT ``pair``, or ``[hub].pairing_secret``);
        ``tls``: the port speaks TLS (encrypted, not verified: see :mod:`sorra.pairing.tls`)."""
        self.host, self.port, self.site = host, port, site
        self.topics = Topics(site)
        self.connect_timeout_s = connect_timeout_s
        self._secret = secret
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sorra-pair-{new_rid()}",
                                   protocol=mqtt.MQTTv5)
        self._new_slot()
        if tls:
            from sorra.pairing.tls import encrypt_only_context

            self._client.tls_set_context(encrypt_only_context())
        self._client.reconnect_delay_set(0.25, 3)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe
        self._connected = threading.Event()
        self._refused: str = ""
        self._lock = threading.Lock()
        self._queues: dict[str, queue.Queue[dict[str, Any]]] = {}
        self._active: dict[str, dict[str, Any]] = {}
        self._subacks: dict[int, threading.Event] = {}
        self._early_acks: set[int] = set()
        self.peer_ip = ""

    def _new_slot(self) -> None:
        """Log in (again) as a random ``pairing.N``: the broker makes the username the client
        id, so two devices that picked the same slot take turns; the next try picks another."""
        self._client.username_pw_set(wire.pairing_username(secrets.randbelow(wire.PAIRING_SLOTS)), self._secret)

    # ---- lifecycle ---------------------------------------------------------------------

    def open(self) -> PairingChannel:
        if not self._secret:
            raise ChannelError(f"no pairing secret for the hub at {self.host}:{self.port}: it is announced "
                               "by mDNS; with a manual hub address set hub.pairing_secret "
                               "(sorra hub device pending shows it)")
        self._client.connect_timeout = self.connect_timeout_s
        try:  # the TCP connection synchronously: a dead address fails at once, not at the timeout
            self._client.connect(self.host, self.port, keepalive=15)
        except (OSError, ValueError) as err:
            raise ChannelError(f"no Sorra hub answers at {self.host}:{self.port} ({err})") from None
        self._client.loop_start()
        deadline = time.monotonic() + self.connect_timeout_s
        while not self._connected.wait(0.05):
            if self._refused:
                self.close()
                raise ChannelError(f"the broker at {self.host}:{self.port} refused the pairing login "
                                   f"({self._refused}); is it a Sorra hub, and is the pairing secret current?")
            if time.monotonic() > deadline:
                self.close()
                raise ChannelError(f"no Sorra hub answers at {self.host}:{self.port}")
        return self

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> PairingChannel:
        return self.open()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- requests -----------------------------------------------------------------------

    def send(self, rid: str, request: dict[str, Any], *, keep: bool = False) -> queue.Queue[dict[str, Any]]:
        """Subscribe to the reply topic, publish the request; replies arrive on the returned queue."""
        with self._lock:
            q = self._queues.setdefault(rid, queue.Queue())
            if keep:
                self._active[rid] = request
        self._subscribe(rid)
        self._client.publish(self.topics.pair_request(rid), wire.encode(request), qos=1)
        return q

    def forget(self, rid: str) -> None:
        with self._lock:
            self._queues.pop(rid, None)
            self._active.pop(rid, None)
        self._client.unsubscribe(self.topics.pair_reply(rid))

    def ask(self, request: dict[str, Any], timeout_s: float = 5.0) -> tuple[str, dict[str, Any]]:
        """One request, its first reply (any status). Raises ChannelError on timeout."""
        rid = new_rid()
        q = self.send(rid, request, keep=True)  # re-sent if the connection is taken over meanwhile
        try:
            return rid, self.next_reply(q, request["nonce"], timeout_s)
        finally:
            self.forget(rid)

    def next_reply(self, q: queue.Queue[dict[str, Any]], nonce: str | None, timeout_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChannelError(f"the hub at {self.host}:{self.port} did not answer")
            try:
                reply = q.get(timeout=left)
            except queue.Empty:
                continue
            if nonce is None or reply.get("nonce") == nonce:
                return reply

    def _subscribe(self, rid: str) -> None:
        evt = threading.Event()
        result, mid = self._client.subscribe(self.topics.pair_reply(rid), qos=1)
        if result != mqtt.MQTT_ERR_SUCCESS or mid is None:
            return  # not connected: on_connect subscribes active requests
        with self._lock:
            if mid in self._early_acks:  # the SUBACK beat us here
                self._early_acks.discard(mid)
                return
            self._subacks[mid] = evt
        evt.wait(self.connect_timeout_s)

    # ---- paho callbacks -----------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            self._refused = str(reason)
            client.disconnect()
            return
        sock = client.socket()
        try:
            self.peer_ip = sock.getpeername()[0] if sock is not None else ""
        except OSError:
            self.peer_ip = ""
        with self._lock:
            active = dict(self._active)
        for rid, request in active.items():  # after a reconnect: the same request again
            client.subscribe(self.topics.pair_reply(rid), qos=1)
            client.publish(self.topics.pair_request(rid), wire.encode(request), qos=1)
        self._connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._connected.clear()
        self._new_slot()  # taken over by a device with the same slot: come back as another

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        with self._lock:
            evt = self._subacks.pop(mid, None)
            if evt is None:
                self._early_acks.add(mid)
        if evt is not None:
            evt.set()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        rest = self.topics.suffix(msg.topic)
        if not rest.startswith("pair/reply/"):
            return
        rid = rest[len("pair/reply/"):]
        try:
            reply = wire.decode(msg.payload)
        except wire.WireError as err:
            log.warning("ignoring a bad pairing reply: %s", err)
            return
        with self._lock:
            q = self._queues.get(rid)
        if q is not None:
            q.put(reply)


def prove_hub(channel: PairingChannel, *, expected_fp: str = "", expected_site: str = "",
              timeout_s: float = 5.0, check_address: bool = True) -> wire.HubCard:
    """Ask for a signed hello and check it (key, fingerprint, site, nonce, our address).

    Raises :class:`wire.WireError` if the box at the other end is not the hub it
    claims to be, :class:`ChannelError` if it does not answer.
    """
    nonce = crypto.nonce()
    rid, reply = channel.ask(wire.hello_request(nonce), timeout_s)
    card = wire.verify_reply(reply, op="hello", rid=rid, nonce=nonce, expected_fp=expected_fp,
                             expected_site=expected_site)
    if check_address and not wire.address_is_hubs(card, channel.peer_ip):
        raise wire.WireError(
            f"the hub's signed addresses ({', '.join(card.addrs) or 'none'}) do not include "
            f"{channel.peer_ip}, the address that answered: a relay, not the hub")
    return card
