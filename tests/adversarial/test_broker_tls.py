"""TLS between devices and the broker: on by default, trusted through the signed pairing exchange.

What is tried: a device pairs and talks over TLS (verifying the CA it was given and
the name it connected to); clients without the CA, with another hub's CA or with a
wrong name are refused in the handshake; plain MQTT gets nothing from the TLS port;
the plain port is generated on loopback only (tested on the generated config, since
only loopback exists here; tests/discovery/test_netns.py tries it across two network
namespaces when run as root); an office's own CA works in both forms.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.broker import TlsError, TlsListener, render_config
from hub.broker._process import mqtt_login
from sorra import config as cfgmod
from sorra import startup
from sorra.bus import BusClient, BusSettings
from tests.discovery.helpers import LOOP, Pairer, device_config, hub_announced, new_site
from tests.hub_fixture import HOST, TestHub


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORRA_MDNS_INTERFACES", "127.0.0.1")


def handshake(port: int, ctx: ssl.SSLContext, name: str = HOST) -> None:
    """A TLS handshake with the broker (raises ssl.SSLError when refused)."""
    with socket.create_connection((HOST, port), timeout=5) as raw, ctx.wrap_socket(raw, server_hostname=name):
        pass


def trusting(pem: str) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=pem)


def device(hub: TestHub, device_id: str, **tls) -> BusClient:
    creds = hub.hub.add_device(device_id, "display")
    return BusClient(BusSettings(HOST, hub.hub.device_port, creds["username"], creds["password"], hub.site,
                                 device_id, "display", **tls))


# ---- the generated configuration -----------------------------------------------------------


@pytest.mark.parametrize("bind", ["0.0.0.0", "192.168.1.5", None])
def test_plain_listens_on_loopback_only_and_tls_where_devices_are(bind: str | None, tmp_path: Path) -> None:
    tls = TlsListener(8883, bind, tmp_path / "server.pem", tmp_path / "server.key")
    conf = render_config(port=1883, bind=bind, data_dir=None, passwd=tmp_path / "p", acl=tmp_path / "a", tls=tls)
    listeners = [line for line in conf.splitlines() if line.startswith("listener ")]
    assert listeners == ["listener 1883 127.0.0.1", f"listener 8883 {bind}" if bind else "listener 8883"]
    tls_part = conf.split("listener 8883")[1]
    assert f"certfile {tmp_path / 'server.pem'}" in tls_part and f"keyfile {tmp_path / 'server.key'}" in tls_part
    assert conf.count("use_username_as_clientid true") == 2  # on every listener
    plain = render_config(port=1883, bind=bind, data_dir=None, passwd=tmp_path / "p", acl=tmp_path / "a")
    assert [line for line in plain.splitlines() if line.startswith("listener ")] == [
        f"listener 1883 {bind}" if bind else "listener 1883"]  # TLS off: devices use the plain port


def test_the_hubs_broker_config_binds_plain_to_loopback(hub: TestHub) -> None:
    conf = (hub.data_dir / "broker" / "mosquitto.conf").read_text()
    assert f"listener {hub.port} 127.0.0.1" in conf
    assert f"listener {hub.hub.device_port} {hub.config.bind}" in conf and hub.hub.device_port != hub.port


# ---- the handshake ------------------------------------------------------------------------


def test_only_a_client_trusting_this_hubs_ca_gets_through(hub_factory) -> None:
    a, b = hub_factory("a"), hub_factory("b")
    port = a.hub.device_port
    handshake(port, trusting(a.hub.tls.ca_pem))  # the hub's own CA, the address used
    handshake(port, trusting(a.hub.tls.ca_pem), "localhost")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(port, ssl.create_default_context())  # the system's CAs do not know it
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(port, trusting(b.hub.tls.ca_pem))  # another hub's CA
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(port, trusting(a.hub.tls.ca_pem), "not-the-hub.example")  # a name it does not have
    # plain MQTT on the TLS port gets no CONNACK at all
    assert mqtt_login(HOST, port, "admin", a.hub.secrets["admin_password"]) is None


def test_a_bus_client_without_the_ca_does_not_connect(hub: TestHub) -> None:
    good = device(hub, "display-1", tls=True, ca_pem=hub.hub.tls.ca_pem)
    bad = device(hub, "display-2", tls=True)  # system CAs only
    failed = threading.Event()
    bad._client.on_connect_fail = lambda *a: failed.set()
    good.start()
    bad.start()
    try:
        assert good.wait_connected(10)
        assert failed.wait(10) and not bad.connected
    finally:
        good.stop()
        bad.stop()


# ---- pairing brings the CA --------------------------------------------------------------------


def test_a_device_pairs_and_then_talks_tls(hub_factory, tmp_path: Path) -> None:
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    path = tmp_path / "display.toml"
    p = Pairer(device_config(site, role="display"), path)
    h.hub.pairing.approve(p.code())
    cfg = p.finish()
    assert cfg.hub.tls and cfg.hub.ca == h.hub.tls.ca_pem and cfg.hub.mqtt_port == h.hub.device_port
    assert cfgmod.load(path).hub.ca == cfg.hub.ca  # stored in its TOML file

    settings = startup.bus_settings(cfg, HOST, cfg.hub.mqtt_port, role="display")
    assert settings.tls and settings.ca_pem == h.hub.tls.ca_pem
    client = BusClient(settings)
    client.start()
    try:
        assert client.wait_connected(10)
    finally:
        client.stop()


class _View:
    def show_code(self, code: str) -> None: ...
    def show_status(self, text: str) -> None: ...
    def show_connecting(self) -> None: ...
    def show_refused(self, text: str) -> None: ...
    def show_problem(self, text: str) -> None: ...


def test_a_device_paired_before_tls_learns_the_ca_at_its_next_start(hub_factory, tmp_path: Path) -> None:
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    path = tmp_path / "kiosk.toml"
    p = Pairer(device_config(site), path)
    h.hub.pairing.approve(p.code())
    paired = p.finish()
    old = cfgmod.set_values(paired, {"hub.tls": "false", "hub.ca": "", "hub.mqtt_port": "1883"})
    cfgmod.save(old, path)  # what a device paired by an older hub has
    cfg, host, port = startup.locate_hub(old, path, _View(), threading.Event(), interfaces=LOOP)
    assert (host, port) == (HOST, h.hub.device_port)
    assert cfg.hub.tls and cfg.hub.ca == h.hub.tls.ca_pem  # from the signed hello of the pinned key
    assert cfgmod.load(path).hub.ca == h.hub.tls.ca_pem


# ---- the certificates ------------------------------------------------------------------------


def _sans(pem: str) -> tuple[set[str], set[str]]:
    cert = x509.load_pem_x509_certificate(pem.encode())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(sans.get_values_for_type(x509.DNSName)), {str(i) for i in sans.get_values_for_type(x509.IPAddress)}


def test_the_ca_is_kept_and_the_server_certificate_names_what_devices_use(hub_factory) -> None:
    h = hub_factory(advertise_host="hub.office.example")
    dns, ips = _sans(h.hub.tls.cert_pem)
    assert {"localhost", "hub.office.example", f"{socket.gethostname()}.local"} <= dns
    assert {"127.0.0.1", "::1"} <= ips
    ca = h.hub.tls.ca_pem
    assert (h.data_dir / "tls" / "ca.key").stat().st_mode & 0o077 == 0
    h.stop()
    h.config.advertise_host = "10.9.8.7"
    h.start()
    assert h.hub.tls.ca_pem == ca  # same CA: paired devices keep trusting it
    assert "10.9.8.7" in _sans(h.hub.tls.cert_pem)[1]  # a new name: a new server certificate
    handshake(h.hub.device_port, trusting(ca))


def test_a_rotated_ca_reaches_paired_devices_through_the_signed_hello(hub_factory, tmp_path: Path) -> None:
    from hub import cli as hub_cli

    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    path = tmp_path / "kiosk.toml"
    p = Pairer(device_config(site), path)
    h.hub.pairing.approve(p.code())
    cfg = p.finish()
    old_ca = cfg.hub.ca
    h.stop()
    assert hub_cli.main(["--data", str(h.data_dir), "rotate", "ca"]) == 0
    h.start()
    hub_announced(h)
    assert h.hub.tls.ca_pem != old_ca
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(h.hub.device_port, trusting(old_ca))  # the old CA no longer vouches for the broker
    cfg, host, port = startup.locate_hub(cfg, path, _View(), threading.Event(), interfaces=LOOP)
    assert cfg.hub.ca == h.hub.tls.ca_pem == cfgmod.load(path).hub.ca
    client = BusClient(startup.bus_settings(cfg, host, port, role="kiosk"))
    client.start()
    try:
        assert client.wait_connected(10)
    finally:
        client.stop()


def _office_ca(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Office Root CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "ca.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    return folder / "ca.pem", folder / "ca.key"


def test_an_office_ca_issues_the_brokers_certificate(hub_factory, tmp_path: Path) -> None:
    ca, key = _office_ca(tmp_path / "office")
    h = hub_factory(mqtt_tls_ca=str(ca), mqtt_tls_ca_key=str(key))
    assert h.hub.tls.ca_pem == ca.read_text() and not h.hub.tls.own_ca
    assert not (h.data_dir / "tls" / "ca.key").exists()  # no own CA was made
    handshake(h.hub.device_port, trusting(ca.read_text()))
    creds = h.hub.add_device("kiosk-1", "kiosk")
    assert Path(creds["ca_file"]).read_text() == ca.read_text()  # what `device add` hands out
    client = BusClient(BusSettings(HOST, creds["mqtt_port"], creds["username"], creds["password"], h.site,
                                   "kiosk-1", "kiosk", tls=True, ca_file=creds["ca_file"]))
    client.start()
    try:
        assert client.wait_connected(10)
    finally:
        client.stop()


def test_an_office_issued_broker_certificate_is_used_as_it_is(hub_factory, tmp_path: Path) -> None:
    from hub.broker._tls import issue_server_certificate

    ca, key = _office_ca(tmp_path / "office")
    cert, cert_key = tmp_path / "office" / "hub.pem", tmp_path / "office" / "hub.key"
    issue_server_certificate(ca.read_bytes(), key.read_bytes(), cert, cert_key, ["hub.office.example"])
    h = hub_factory(mqtt_tls_cert=str(cert), mqtt_tls_key=str(cert_key), mqtt_tls_ca=str(ca))
    assert h.hub.tls.cert_pem == cert.read_text()
    handshake(h.hub.device_port, trusting(ca.read_text()), "hub.office.example")
    with pytest.raises(TlsError, match="not the key"):
        from hub.broker._tls import office_files

        office_files(cert, key, ca, tmp_path / "office")  # the CA's key is not the certificate's


def test_tls_can_be_switched_off(hub_factory) -> None:
    h = hub_factory(tls=False)
    assert h.hub.tls is None and h.hub.device_port == h.port
    creds = h.hub.add_device("kiosk-1", "kiosk")
    assert creds["tls"] is False and creds["ca_file"] == "" and creds["mqtt_port"] == h.port
    assert h.hub.pairing.card()["tls"] is False and "ca" not in h.hub.pairing.card()
