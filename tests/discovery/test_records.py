"""mDNS records and the choice of a hub, as pure functions (no network)."""

from __future__ import annotations

import socket

import pytest
from zeroconf import DNSIncoming, DNSOutgoing, ServiceInfo
from zeroconf.const import _FLAGS_QR_RESPONSE

from sorra.discovery import (
    HUB_TYPE,
    AmbiguousHub,
    HubAdvert,
    HubIdentityError,
    HubNotFound,
    choose_hubs,
    choose_interfaces,
    device_txt,
    hub_txt,
    parse_device,
    parse_hub,
)

FP_A = "a" * 64
FP_B = "b" * 64


def txt_over_the_wire(properties: dict[str, str]) -> dict[bytes, bytes | None]:
    """Encode a TXT record into a real mDNS response packet, parse the packet back."""
    info = ServiceInfo(HUB_TYPE, f"x.{HUB_TYPE}", port=1883, properties=properties,
                       addresses=[socket.inet_aton("127.0.0.1")], server="x.local.")
    out = DNSOutgoing(_FLAGS_QR_RESPONSE)
    out.add_answer_at_time(info.dns_text(), 0)
    record = DNSIncoming(out.packets()[0]).answers()[0]
    data, i, props = record.text, 0, {}
    while i < len(data):  # RFC 6763 §6: length-prefixed "key=value" strings
        n = data[i]
        key, _, value = data[i + 1:i + 1 + n].partition(b"=")
        props[key] = value
        i += 1 + n
    return props


def advert(site: str, fp: str = FP_A, addr: str = "10.0.0.1", name: str = "") -> HubAdvert:
    return HubAdvert(name or f"{site}-{fp[:2]}-{addr}", site, fp, 1883, 8080, (addr,))


def test_hub_txt_round_trips_through_an_mdns_packet():
    props = txt_over_the_wire(hub_txt(site="branch-2", mqtt_port=1884, web_port=8081, fingerprint=FP_A,
                                      version="0.1.0"))
    assert props[b"site"] == b"branch-2" and props[b"fp"] == FP_A.encode() and props[b"proto"] == b"1"
    hub = parse_hub("h", ["192.168.1.5"], props)
    assert hub == HubAdvert("h", "branch-2", FP_A, 1884, 8081, ("192.168.1.5",), 1, "0.1.0")


@pytest.mark.parametrize("change", [{"proto": "2"}, {"fp": "xyz"}, {"mqtt": "0"}, {"mqtt": "port"},
                                    {"site": "Bad Site"}, {"fp": ""}])
def test_hub_txt_that_is_malformed_or_of_another_protocol_is_ignored(change):
    txt = hub_txt(site="office", mqtt_port=1883, web_port=8080, fingerprint=FP_A, version="1")
    assert parse_hub("h", ["10.0.0.1"], txt_over_the_wire({**txt, **change})) is None


def test_device_txt_round_trip():
    txt = device_txt(device_id="kiosk-3fa2c1", role="kiosk", version="0.1.0", site="office",
                     name="Entrance", paired=False, fingerprint="")
    dev = parse_device("n", ["10.0.0.7"], txt_over_the_wire(txt), seen_at=5.0)
    assert (dev.id, dev.role, dev.version, dev.paired, dev.addresses) == (
        "kiosk-3fa2c1", "kiosk", "0.1.0", False, ("10.0.0.7",))


def test_a_paired_device_takes_only_the_hub_with_its_key():
    mine, other_site = advert("office", FP_A), advert("branch", FP_B, "10.0.0.2")
    assert choose_hubs([other_site, mine], "office", FP_A) == [mine]


def test_a_paired_device_refuses_another_key_for_its_site_with_a_clear_message():
    with pytest.raises(HubIdentityError) as err:
        choose_hubs([advert("office", FP_B)], "office", FP_A)
    text = str(err.value)
    assert "refusing" in text and FP_A[:16] in text and "sorra setup unpair" in text


def test_a_paired_device_with_its_hub_away_says_not_found():
    with pytest.raises(HubNotFound):
        choose_hubs([advert("branch", FP_B)], "office", FP_A)


def test_a_hub_and_its_standby_copy_share_the_key_and_are_both_candidates():
    live, standby = advert("office", FP_A, "10.0.0.1"), advert("office", FP_A, "10.0.0.9")
    assert set(choose_hubs([live, standby], "office", FP_A)) == {live, standby}
    assert set(choose_hubs([live, standby], "office")) == {live, standby}


def test_an_unpaired_device_picks_its_site_among_several():
    a, b = advert("office", FP_A), advert("branch", FP_B, "10.0.0.2")
    assert choose_hubs([a, b], "branch") == [b]


def test_an_unpaired_device_refuses_two_keys_for_one_site():
    with pytest.raises(AmbiguousHub) as err:
        choose_hubs([advert("office", FP_A), advert("office", FP_B, "10.0.0.66")], "office")
    assert "impostor" in str(err.value) and "10.0.0.66" in str(err.value)


def test_an_unpaired_device_takes_the_only_hub_even_of_another_site():
    only = advert("branch", FP_B)
    assert choose_hubs([only], "office") == [only]


def test_an_unpaired_device_with_no_matching_site_among_several_asks_for_one():
    with pytest.raises(AmbiguousHub) as err:
        choose_hubs([advert("a1", FP_A), advert("b2", FP_B, "10.0.0.2")], "office")
    assert "'a1'" in str(err.value) and "'b2'" in str(err.value) and "device.site" in str(err.value)


def test_nothing_announced():
    with pytest.raises(HubNotFound):
        choose_hubs([], "office")


def test_interfaces_from_environment_config_and_default():
    assert choose_interfaces([], env={}) == []
    assert choose_interfaces([], default=["127.0.0.1"], env={}) == ["127.0.0.1"]
    assert choose_interfaces(["10.0.0.5"], default=["127.0.0.1"], env={}) == ["10.0.0.5"]
    env = {"SORRA_MDNS_INTERFACES": "127.0.0.1, 10.1.1.1"}
    assert choose_interfaces(["10.0.0.5"], env=env) == ["127.0.0.1", "10.1.1.1"]
    assert choose_interfaces(["10.0.0.5"], env={"SORRA_MDNS_INTERFACES": "all"}) == []
    assert choose_interfaces([], env={"SORRA_MDNS_INTERFACES": "off"}) is None
    with pytest.raises(ValueError, match="IPv4"):
        choose_interfaces(["eth0"], env={})
