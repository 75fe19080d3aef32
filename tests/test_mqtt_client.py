"""DirectWriteClient: packets written by the thread that sends them, in order, never interleaved.

Against a real Mosquitto (the ``broker`` fixture). paho's private methods the
client overrides are checked first: a paho upgrade that changes them must fail
here, not in the field.
"""

from __future__ import annotations

import inspect
import socket
import threading

import paho.mqtt.client as mqtt
import pytest

from sorra.mqtt_client import DirectWriteClient
from tests.broker_fixture import BrokerHandle, MqttTestClient

TIMEOUT = 10.0


def test_paho_still_has_what_the_client_overrides() -> None:
    params = list(inspect.signature(mqtt.Client._packet_queue).parameters)
    assert params == ["self", "command", "packet", "mid", "qos", "info"]
    assert list(inspect.signature(mqtt.Client._packet_write).parameters) == ["self"]
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    for name in ("_out_packet", "_sockpairW", "_thread", "_sock", "_ssl", "_transport"):
        assert hasattr(client, name), name


def _connected(broker: BrokerHandle, *, sndbuf: int | None = None) -> DirectWriteClient:
    """A DirectWriteClient on the hub's account, connected (closed when the broker fixture ends)."""
    handle = broker.client(connect=False, client_class=DirectWriteClient)

    def small_buffer(_c: object, _u: object, sock: socket.socket) -> None:
        if sndbuf:  # partial writes: the network thread must finish what a publisher began
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)

    handle.client.on_socket_open = small_buffer
    assert not handle.connect(TIMEOUT).is_failure
    assert isinstance(handle.client, DirectWriteClient)
    return handle.client


def _listener(broker: BrokerHandle) -> MqttTestClient:
    """Another hub-role account: the broker takes the username as client id, so not the hub's own."""
    return broker.client(broker.add_account("hub", "listener", username="listener"))


@pytest.fixture
def direct(broker: BrokerHandle) -> DirectWriteClient:
    return _connected(broker)


def test_a_publish_is_written_before_publish_returns(direct: DirectWriteClient, broker: BrokerHandle) -> None:
    listener = _listener(broker)
    listener.subscribe(broker.topic("direct/#"))
    info = direct.publish(broker.topic("direct/one"), b"x", qos=0)
    # Written by this thread: paho's own client would only have queued it for its network thread.
    assert info.is_published()
    assert direct.direct_writes == 1
    assert listener.wait_message().payload == b"x"


def test_packets_from_many_threads_arrive_whole_and_in_each_thread_s_order(broker: BrokerHandle) -> None:
    client = _connected(broker, sndbuf=4096)
    listener = _listener(broker)
    listener.subscribe(broker.topic("direct/#"))
    threads, each = 4, 150

    def send(k: int) -> None:
        for i in range(each):
            size = 40_000 if i % 25 == 0 else 30 + i  # some far larger than the socket's buffer
            body = f"{k}:{i}:".encode() + bytes([65 + k]) * size
            client.publish(broker.topic(f"direct/{k}"), body, qos=k % 2)  # paho locks nothing around QoS 0

    workers = [threading.Thread(target=send, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(TIMEOUT)
    got: dict[int, list[int]] = {k: [] for k in range(threads)}
    for _ in range(threads * each):
        msg = listener.wait_message(TIMEOUT)
        k, i, rest = msg.payload.split(b":", 2)
        assert rest == bytes([65 + int(k)]) * len(rest), "a packet was interleaved with another"
        got[int(k)].append(int(i))
    assert got == {k: list(range(each)) for k in range(threads)}


def test_the_disconnect_is_left_to_the_network_thread(direct: DirectWriteClient) -> None:
    seen: list[threading.Thread] = []
    gone = threading.Event()

    def on_disconnect(*_a: object) -> None:
        seen.append(threading.current_thread())
        gone.set()

    direct.on_disconnect = on_disconnect
    network = direct._thread
    direct.disconnect()
    assert gone.wait(TIMEOUT)
    assert seen == [network]


def test_nothing_is_written_from_another_thread_over_tls(direct: DirectWriteClient) -> None:
    # An SSLSocket must not be written by one thread while another reads it.
    assert direct._writes_here()
    direct._ssl = True
    try:
        assert not direct._writes_here()
    finally:
        direct._ssl = False


def test_the_network_thread_s_own_packets_go_the_usual_way(direct: DirectWriteClient, broker: BrokerHandle) -> None:
    listener = _listener(broker)
    listener.subscribe(broker.topic("direct/#"))
    subscribed = threading.Event()
    direct.on_subscribe = lambda *a: subscribed.set()
    direct.subscribe(broker.topic("direct/ping"), qos=1)
    assert subscribed.wait(TIMEOUT)
    # A publish from a callback (paho's network thread) is queued for that thread, not written in it.
    ping, pong = broker.topic("direct/ping"), broker.topic("direct/pong")
    direct.on_message = lambda c, _u, m: c.publish(pong, m.payload, qos=1) if m.topic == ping else None
    before = direct.direct_writes
    listener.publish(ping, b"1")
    got = {listener.wait_message().topic, listener.wait_message().topic}
    assert got == {ping, pong}
    # Only the SUBSCRIBE from this thread was written directly.
    assert direct.direct_writes == before
