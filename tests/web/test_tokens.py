"""API tokens: ``sorra hub token add|list|remove``, ``Authorization: Bearer``, stored hashed, revoked at once."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.app import DB_NAME
from hub.web import tokens


def sorra(*args: str, data: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sorra.cli", "hub", "token", *args, "--data", str(data)],
                          capture_output=True, text=True, timeout=60)


def bearer(web_hub: Any, secret: str) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{web_hub.http_port}", timeout=15,
                        headers={"Authorization": f"Bearer {secret}".encode()})


def test_a_token_is_printed_once_stored_hashed_and_has_its_roles_rights(web_hub: Any) -> None:
    out = sorra("add", "CRM", "--role", "manager", data=web_hub.data_dir)
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    assert made["name"] == "crm" and made["role"] == "manager" and made["token"].startswith("sorra_")
    secret = made["token"]
    assert len(secret) >= 40
    # only its hash is kept
    # (through SQLite: reading the files directly would drop this process's SQLite locks on them)
    conn = sqlite3.connect(web_hub.data_dir / DB_NAME)
    rows = conn.execute("SELECT name, role, token_hash FROM web_tokens WHERE name = 'crm'").fetchall()
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert rows and rows[0][2] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in dump and secret[6:] not in dump
    listed = sorra("list", "--json", data=web_hub.data_dir)
    assert listed.returncode == 0 and secret not in listed.stdout
    assert {"name": "crm", "role": "manager"}.items() <= json.loads(listed.stdout)[0].items()

    with bearer(web_hub, secret) as c:
        me = c.get("/api/v1/me").json()
        assert me["user"] == "token:crm" and me["role"] == "manager"
        assert c.get("/api/v1/settings").status_code == 200
        assert c.get("/api/v1/users").status_code == 403  # a manager's rights, no more
        # changes need no CSRF token with a bearer token
        r = c.put("/api/v1/rules/tok-rule", json={"service": "A", "min_waiting": 5})
        assert r.status_code == 200, r.text
        # pages ignore tokens (a browser never sends them)
        r = c.get("/admin/services", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        # revoked: the very next request is refused
        assert sorra("remove", "crm", data=web_hub.data_dir).returncode == 0
        r = c.get("/api/v1/me")
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert sorra("remove", "crm", data=web_hub.data_dir).returncode == 1


def test_a_wrong_or_malformed_token_is_401(web_hub: Any) -> None:
    for secret in ("sorra_" + "x" * 43, "nonsense", "sorra_é", "sorra_", "sorra_" + "a" * 5000):
        with bearer(web_hub, secret) as c:
            r = c.get("/api/v1/dashboard")
            assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", secret
    # the public API does not care
    with bearer(web_hub, "nonsense") as c:
        assert c.get("/api/v1/public/status").status_code == 200


def test_a_bearer_token_does_not_borrow_a_session(web_hub: Any) -> None:
    """With a bad token, a valid session cookie on the same request does not let it in."""
    c = httpx.Client(base_url=f"http://127.0.0.1:{web_hub.http_port}", timeout=15)
    r = c.post("/api/v1/auth/login", json={"name": "admin", "password": "admin-pass-1"})
    assert r.status_code == 200
    assert c.get("/api/v1/users").status_code == 200
    r = c.get("/api/v1/users", headers={"Authorization": "Bearer sorra_revoked"})
    assert r.status_code == 401
    c.close()


@pytest.mark.parametrize("running", [True, False])
def test_cli_works_with_or_without_a_running_hub(web_hub: Any, tmp_path: Path, running: bool) -> None:
    data = web_hub.data_dir if running else tmp_path / "offline"
    made = sorra("add", f"int-{int(running)}", "--role", "clerk", data=data)
    assert made.returncode == 0, made.stderr
    again = sorra("add", f"int-{int(running)}", "--role", "clerk", data=data)
    assert again.returncode == 1 and "exists" in again.stderr
    assert sorra("add", "x", "--role", "root", data=data).returncode != 0  # not a role
    listed = sorra("list", data=data)
    assert f"int-{int(running)}" in listed.stdout and "clerk" in listed.stdout
    if running:
        with bearer(web_hub, json.loads(made.stdout)["token"]) as c:
            r = c.get("/api/v1/dashboard")
            assert r.status_code == 200, r.text
            assert c.get("/api/v1/settings").status_code == 403
    assert sorra("remove", f"int-{int(running)}", data=data).returncode == 0


def test_token_functions_refuse_bad_names_and_roles(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "t.sqlite3")
    with pytest.raises(tokens.AccountError):
        tokens.add_token(conn, "Bad Name!", "admin")
    with pytest.raises(tokens.AccountError):
        tokens.add_token(conn, "ok", "owner")
    tok, secret = tokens.add_token(conn, "ok", "admin")
    assert tokens.token_user(conn, secret).role == "admin"  # type: ignore[union-attr]
    assert tokens.token_user(conn, secret + "x") is None
    tokens.remove_token(conn, "ok")
    assert tokens.token_user(conn, secret) is None
