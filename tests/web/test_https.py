"""Optional HTTPS for staff pages: ``sorra hub run --https-port N``.

Staff sign-in and pages move to HTTPS (308 from plain HTTP), the session
cookie is ``Secure``; public pages stay on plain HTTP. The certificate is the
hub's own (made once, :func:`hub.web.tls.ensure_web_certificate`) or the
office's; clients verify it against the certificate file itself.
"""

from __future__ import annotations

import os
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.cli import build_parser
from hub.web import accounts
from hub.web.tls import ensure_web_certificate, hub_ca_file
from tests.broker_fixture import free_port
from tests.hub_fixture import TestHub
from tests.web.conftest import PASSWORDS


def _hub(path: Path, **config: Any) -> TestHub:
    hub = TestHub(path, web=True, https_port=free_port(), **config).start()
    assert hub.hub.web is not None and hub.hub.web.running
    accounts.add_user(hub.hub.web.app.state.web.db(), "manager", "manager", PASSWORDS["manager"])
    return hub


@pytest.fixture(scope="module")
def https_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestHub]:
    hub = _hub(tmp_path_factory.mktemp("httpshub") / "hub")
    yield hub
    hub.stop()


def plain(hub: TestHub) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{hub.http_port}", timeout=15)


def secure(hub: TestHub, ca: Path) -> httpx.Client:
    return httpx.Client(base_url=f"https://127.0.0.1:{hub.config.https_port}", timeout=15,
                        verify=ssl.create_default_context(cafile=str(ca)))


def test_the_hub_makes_its_own_certificate_once(https_hub: TestHub) -> None:
    cert, key = https_hub.hub.web.cert_path, https_hub.data_dir / "web-tls" / "key.pem"
    assert cert == https_hub.data_dir / "web-tls" / "cert.pem" and cert.exists()
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    before = cert.read_bytes()
    assert ensure_web_certificate(https_hub.data_dir) == (cert, key)
    assert cert.read_bytes() == before  # kept, not remade


def test_staff_pages_move_to_https_and_public_pages_stay(https_hub: TestHub) -> None:
    port = https_hub.config.https_port
    with plain(https_hub) as http:
        for path in ("/login", "/login?next=/stats", "/dashboard", "/admin/services", "/api/v1/me"):
            r = http.get(path)
            assert r.status_code == 308, path
            assert r.headers["location"] == f"https://127.0.0.1:{port}{path}"
        r = http.post("/api/v1/auth/login", json={"name": "manager", "password": PASSWORDS["manager"]})
        assert r.status_code == 308 and "set-cookie" not in r.headers  # the password is not taken in clear
        for path in ("/status", "/api/v1/public/status", "/book", "/api/v1/public/booking/services"):
            assert http.get(path).status_code == 200, path
        assert http.get("/t/no-such-ticket").status_code == 404  # answered, not redirected


def test_sign_in_over_https_sets_a_secure_cookie(https_hub: TestHub) -> None:
    with secure(https_hub, hub_ca_file(https_hub.data_dir)) as c:
        page = c.get("/login")
        assert page.status_code == 200
        r = c.post("/api/v1/auth/login", json={"name": "manager", "password": PASSWORDS["manager"]})
        assert r.status_code == 200, r.text
        cookie = r.headers["set-cookie"]
        assert "sorra_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie
        assert c.get("/api/v1/me").json()["role"] == "manager"
        assert c.get("/dashboard").status_code == 200
        assert c.get("/status").status_code == 200  # public pages work on HTTPS too


def test_an_untrusted_client_is_refused(https_hub: TestHub, tmp_path: Path) -> None:
    other = hub_ca_file(tmp_path)  # another hub's CA
    with secure(https_hub, other) as c, pytest.raises(httpx.ConnectError):
        c.get("/login")


def test_the_office_certificate_is_used_when_given(tmp_path: Path) -> None:
    cert, key = ensure_web_certificate(tmp_path / "office-ca")
    hub = _hub(tmp_path / "hub", https_cert=str(cert), https_key=str(key))
    try:
        assert hub.hub.web.cert_path == cert
        assert not (hub.data_dir / "web-tls").exists()
        with secure(hub, hub_ca_file(tmp_path / "office-ca")) as c:
            assert c.get("/login").status_code == 200
    finally:
        hub.stop()


def test_the_command_line_takes_the_https_options() -> None:
    args = build_parser().parse_args(["run", "--https-port", "8443", "--https-cert", "c.pem", "--https-key", "k.pem"])
    assert (args.https_port, args.https_cert, args.https_key) == (8443, "c.pem", "k.pem")
    assert build_parser().parse_args(["run"]).https_port == 0


def test_a_certificate_missing_a_wanted_host_is_made_again(tmp_path: Path) -> None:
    from cryptography import x509

    cert, _ = ensure_web_certificate(tmp_path)
    first = cert.read_bytes()
    assert ensure_web_certificate(tmp_path)[0].read_bytes() == first
    ensure_web_certificate(tmp_path, ("hub.office.example", "10.1.2.3"))
    san = x509.load_pem_x509_certificate(cert.read_bytes()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert "hub.office.example" in san.get_values_for_type(x509.DNSName)
    assert "10.1.2.3" in {str(i) for i in san.get_values_for_type(x509.IPAddress)}
    assert cert.read_bytes() != first
