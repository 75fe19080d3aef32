"""A running hub with its web app, shared by a test module, and an HTTP client that signs in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.web import accounts
from tests.hub_fixture import TestHub

PASSWORDS = {"admin": "admin-pass-1", "manager": "manager-pass-1", "clerk": "clerk-pass-1",
             "reception": "reception-pass-1"}


class Client:
    """httpx against the hub's web app; ``login`` keeps the session cookie and the CSRF token."""

    def __init__(self, hub: TestHub) -> None:
        self.base = f"http://127.0.0.1:{hub.http_port}"
        self.http = httpx.Client(base_url=self.base, timeout=15)
        self.csrf = ""

    def login(self, name: str, password: str | None = None) -> dict[str, Any]:
        r = self.http.post("/api/v1/auth/login", json={"name": name, "password": password or PASSWORDS[name]})
        assert r.status_code == 200, r.text
        self.csrf = r.json()["csrf"]
        return r.json()

    def form_csrf(self, path: str) -> str:
        """The CSRF token from a page's form (HTML forms use the field, not the header)."""
        r = self.http.get(path)
        m = re.search(r'name="csrf" value="([^"]+)"', r.text)
        assert m, f"no form on {path}"
        return m.group(1)

    def __getattr__(self, method: str) -> Any:
        fn = getattr(self.http, method)

        def call(path: str, **kwargs: Any) -> httpx.Response:
            if method in ("post", "put", "patch", "delete") and self.csrf:
                kwargs.setdefault("headers", {})["X-CSRF-Token"] = self.csrf
            return fn(path, **kwargs)

        return call

    def close(self) -> None:
        self.http.close()


def setup_office(hub: TestHub) -> None:
    a = hub.admin
    a.set_office(name={"hu": "Próba Kormányablak", "en": "Test Government Window"})
    a.add_service("A", {"hu": "Személyi igazolvány", "en": "Identity card"}, "A",
                  info={"hu": "Régi igazolvány", "en": "Old card"}, sla_s=600)
    a.add_service("B", {"hu": "Útlevél", "en": "Passport"}, "B", sla_s=900)
    a.add_counter(1, "Ablak 1")
    a.add_counter(2, "Ablak 2")
    a.add_clerk("anna", "Kiss Anna", "1234", may_edit_profile=True)
    a.add_clerk("bela", "Nagy Béla", "1234")
    web = hub.hub.web.app.state.web
    conn = web.db()
    accounts.add_user(conn, "admin", "admin", PASSWORDS["admin"])
    accounts.add_user(conn, "manager", "manager", PASSWORDS["manager"])
    accounts.add_user(conn, "clerk", "clerk", PASSWORDS["clerk"], clerk="anna")
    accounts.add_user(conn, "reception", "reception", PASSWORDS["reception"])
    web.limiter.limits["login"] = (1000, 300.0)  # many sign-ins from 127.0.0.1 in one module


@pytest.fixture(scope="module")
def web_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestHub]:
    hub = TestHub(tmp_path_factory.mktemp("webhub") / "hub", web=True).start()
    assert hub.hub.web is not None and hub.hub.web.running
    setup_office(hub)
    yield hub
    hub.close_clients()
    hub.stop()


@pytest.fixture
def client(web_hub: TestHub) -> Iterator[Client]:
    c = Client(web_hub)
    yield c
    c.close()
