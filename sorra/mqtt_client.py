"""A paho client that writes a packet from the thread that sends it.

With :meth:`~paho.mqtt.client.Client.loop_start`, paho writes nothing from the
thread that publishes: it queues the packet, pokes its network thread through
a socket pair and returns; the network thread wakes from ``select``, waits for
the GIL (held meanwhile by the publisher, which goes on with its own work) and
only then writes. On the hub that hop sat between a committed reply and the
device, and on a device between a press and its request; measured in the
benchmark's hub process, a round trip was 0.1–0.2 ms shorter without it
(docs/performance.md, "Fifth pass").

:class:`DirectWriteClient` writes the packet at once when it can, and leaves
it to the network thread (as paho would) when it cannot:

* on paho's own network thread, before a connection, over TLS or WebSockets
  (an ``SSLSocket`` must not be written by one thread while another reads it);
* when the network thread is writing at that moment (it takes the packet with
  the rest), or the socket is full (it finishes the packet).

Writes are serialised by one lock, so packets leave in the order they were
queued and never interleave. A DISCONNECT is only ever written by the network
thread: it is queued under that lock, so a direct write in progress cannot
take it (writing it closes the socket and runs ``on_disconnect``).

This overrides two private methods of paho 2.x (``_packet_queue`` and
``_packet_write``); ``tests/test_mqtt_client.py`` checks their signatures, so
an upgrade that changes them fails there first.
"""

from __future__ import annotations

import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.client import DISCONNECT, MQTTErrorCode

sockpair_data: bytes = getattr(mqtt, "sockpair_data", b"0")


class DirectWriteClient(mqtt.Client):
    """A :class:`paho.mqtt.client.Client` whose publishers write their own packets (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._write_lock = threading.RLock()
        self.direct_writes = 0
        """Packets written by the thread that queued them (for tests and diagnostics)."""

    def _packet_write(self) -> MQTTErrorCode:
        with self._write_lock:
            return super()._packet_write()

    def _packet_queue(self, command: int, packet: bytes | bytearray, mid: int, qos: int,
                      info: mqtt.MQTTMessageInfo | None = None) -> MQTTErrorCode:
        if command & 0xF0 == DISCONNECT:
            with self._write_lock:
                return super()._packet_queue(command, packet, mid, qos, info)
        if not self._writes_here():
            return super()._packet_queue(command, packet, mid, qos, info)
        self._out_packet.append({"command": command, "mid": mid, "qos": qos, "pos": 0,
                                 "to_process": len(packet), "packet": packet, "info": info})
        if self._write_lock.acquire(blocking=False):
            try:
                rc = super()._packet_write()
            finally:
                self._write_lock.release()
            if rc == MQTTErrorCode.MQTT_ERR_SUCCESS and not self._out_packet:
                self.direct_writes += 1
                return MQTTErrorCode.MQTT_ERR_SUCCESS
        # Busy, full or broken: the network thread writes the rest (and sees a broken socket itself).
        self._wake_network_thread()
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def _writes_here(self) -> bool:
        loop = self._thread
        return (loop is not None and threading.current_thread() is not loop
                and self._sock is not None and not self._ssl and self._transport == "tcp")

    def _wake_network_thread(self) -> None:
        if self._sockpairW is not None:
            try:
                self._sockpairW.send(sockpair_data)
            except BlockingIOError:
                pass  # a wake-up is already pending
