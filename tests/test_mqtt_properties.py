"""PublishProperties pack exactly what paho's own Properties pack, and read back the same."""

from __future__ import annotations

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sorra.mqtt_properties import PublishProperties


def _paho(response_topic: str | None, correlation: bytes | None) -> Properties:
    props = Properties(PacketTypes.PUBLISH)
    if response_topic is not None:
        props.ResponseTopic = response_topic
    if correlation is not None:
        props.CorrelationData = correlation
    return props


CASES = [
    (None, None),
    ("sorra/office/device/kiosk-1/reply", None),
    (None, b"k1-1765000000-abc"),
    ("sorra/office/device/kiosk-1/reply", b"k1-1765000000-abc"),
    ("sorra/iroda/device/pénztár-2/reply", "ügyfél-ő".encode()),  # non-ASCII: lengths are in bytes
    ("t", b""),
    ("x" * 300, b"\x00\xff" * 200),  # lengths over 255 take both bytes
]


@pytest.mark.parametrize(("topic", "correlation"), CASES)
def test_packed_bytes_are_paho_s_own(topic: str | None, correlation: bytes | None) -> None:
    ours = PublishProperties(topic, correlation)
    assert ours.pack() == _paho(topic, correlation).pack()
    back = Properties(PacketTypes.PUBLISH)
    back.unpack(ours.pack())
    assert getattr(back, "ResponseTopic", None) == topic
    assert getattr(back, "CorrelationData", None) == correlation


def test_fields_read_like_paho_properties_and_cannot_change() -> None:
    props = PublishProperties("a/b", b"r1")
    assert isinstance(props, Properties)
    assert props.ResponseTopic == "a/b" and props.CorrelationData == b"r1"
    assert not hasattr(PublishProperties(None, b"r1"), "ResponseTopic")
    assert "r1" in str(props) and not props.isEmpty() and PublishProperties().isEmpty()
    with pytest.raises(AttributeError):
        props.CorrelationData = b"other"


def test_a_field_longer_than_mqtt_allows_is_refused() -> None:
    with pytest.raises(ValueError, match="65535"):
        PublishProperties(None, b"x" * 65536)
