"""MQTT 5 PUBLISH properties of a request and its reply, packed once.

Every request carries a response topic and correlation data, and every reply
the correlation data back. paho's :class:`~paho.mqtt.properties.Properties`
builds its name and type tables anew for each instance and packs by trying
every property name it knows: about 25 µs per message (more on a busy Pi),
paid by the device before its request leaves and by the hub before its reply
does — on the path a clerk waits on. :class:`PublishProperties` is a
``Properties`` that holds the two fields already encoded; paho only calls
:meth:`pack` on the properties it sends.
"""

from __future__ import annotations

import struct

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties, VariableByteIntegers

RESPONSE_TOPIC = 8
"""MQTT 5 property identifiers (OASIS MQTT 5.0, 2.2.2.2)."""
CORRELATION_DATA = 9
MAX_FIELD_BYTES = 0xFFFF
"""A UTF-8 string or binary data property is at most this long (a two-byte length)."""


class PublishProperties(Properties):
    """Response topic and correlation data of one PUBLISH, packed when built."""

    def __init__(self, response_topic: str | None = None, correlation: bytes | None = None) -> None:
        # Not Properties.__init__: its tables are what this class avoids building.
        body = b""
        if response_topic is not None:
            body += _field(RESPONSE_TOPIC, response_topic.encode("utf-8"))
        if correlation is not None:
            body += _field(CORRELATION_DATA, bytes(correlation))
        object.__setattr__(self, "packetType", PacketTypes.PUBLISH)
        object.__setattr__(self, "_packed", VariableByteIntegers.encode(len(body)) + body)
        object.__setattr__(self, "_fields", {"ResponseTopic": response_topic, "CorrelationData": correlation})

    def pack(self) -> bytes:
        packed: bytes = self._packed
        return packed

    def __getattr__(self, name: str) -> object:  # props.CorrelationData, as on paho's own
        value = self.__dict__.get("_fields", {}).get(name)
        if value is None:
            raise AttributeError(name)
        return value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("PublishProperties are fixed when built")

    def __str__(self) -> str:  # paho's debug log prints the properties of what it sends
        shown = ", ".join(f"{k}: {v!r}" for k, v in self._fields.items() if v is not None)
        return f"{{{shown}}}"

    __repr__ = __str__

    def json(self) -> dict[str, object]:
        return {k: v for k, v in self._fields.items() if v is not None}

    def isEmpty(self) -> bool:  # noqa: N802 - paho's name
        return not self.json()


def _field(identifier: int, data: bytes) -> bytes:
    if len(data) > MAX_FIELD_BYTES:
        raise ValueError(f"an MQTT property holds at most {MAX_FIELD_BYTES} bytes, not {len(data)}")
    return bytes([identifier]) + struct.pack("!H", len(data)) + data
