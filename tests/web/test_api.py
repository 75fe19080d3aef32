"""REST API: auth, roles, CSRF, errors as JSON, public endpoints and limits, booking, media, exports."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from hub import booking
from tests.web.conftest import Client


def png_bytes(color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buf, "PNG")
    return buf.getvalue()


def test_openapi_document_lists_the_api(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/v1/public/status", "/api/v1/public/booking", "/api/v1/stats", "/api/v1/services/{sid}",
                 "/api/v1/playlist", "/api/v1/auth/login"):
        assert path in doc["paths"], path
    assert not any(p.startswith("/admin") for p in doc["paths"])  # HTML pages stay out of it


def test_errors_are_json_with_stable_codes(client: Client) -> None:
    r = client.get("/api/v1/dashboard")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.post("/api/v1/auth/login", json={"name": "admin"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_args"
    r = client.post("/api/v1/auth/login", json={"name": "admin", "password": "wrong-password"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_security_headers_and_session_cookie(client: Client) -> None:
    r = client.get("/status")
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    r = client.http.post("/api/v1/auth/login", json={"name": "manager", "password": "manager-pass-1"})
    cookie = r.headers["set-cookie"]
    assert "sorra_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_changes_need_the_csrf_token_and_the_right_role(web_hub: Any, client: Client) -> None:
    client.login("manager")
    body = {"names": {"hu": "Adóügyek", "en": "Taxes"}, "prefix": "T", "sla_s": 1200}
    r = client.http.put("/api/v1/services/T", json=body)  # the session cookie alone is not enough
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    r = client.put("/api/v1/services/T", json=body)
    assert r.status_code == 200, r.text
    assert web_hub.hub.engine.state.services["T"].names["en"] == "Taxes"
    r = client.put("/api/v1/services/T2", json={**body, "prefix": "A"})  # prefix in use: engine refuses
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    r = client.put("/api/v1/services/T", json={**body, "extra": 1})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_args"

    clerk = Client(web_hub)
    clerk.login("clerk")
    r = clerk.put("/api/v1/services/T", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    # a clerk may set their own profile when the manager allowed it (anna may), no one else's
    r = clerk.put("/api/v1/clerks/anna/profile", json={"profile": [{"service": "A", "weight": 3}]})
    assert r.status_code == 200, r.text
    assert web_hub.hub.engine.state.clerks["anna"].profile == [{"service": "A", "weight": 3}]
    r = clerk.put("/api/v1/clerks/bela/profile", json={"profile": [{"service": "A", "weight": 3}]})
    assert r.status_code == 403
    clerk.close()


def test_users_and_the_last_administrator(web_hub: Any, client: Client) -> None:
    client.login("admin")
    r = client.put("/api/v1/users/zoli", json={"role": "manager", "password": "zoli-pass-99"})
    assert r.status_code == 200 and r.json()["role"] == "manager"
    other = Client(web_hub)
    other.login("zoli", "zoli-pass-99")
    assert other.get("/api/v1/me").json()["role"] == "manager"
    r = client.put("/api/v1/users/admin", json={"role": "manager"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert client.delete("/api/v1/users/zoli").status_code == 200
    assert other.get("/api/v1/me").status_code == 401  # the session went with the account
    other.close()


def test_login_is_rate_limited_per_user(web_hub: Any, client: Client) -> None:
    limiter = web_hub.hub.web.app.state.web.limiter
    for _ in range(5):
        r = client.post("/api/v1/auth/login", json={"name": "bob", "password": "nope-nope"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/login", json={"name": "bob", "password": "nope-nope"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited" and int(r.headers["retry-after"]) > 0
    limiter.reset("login_fail", "bob")


def test_public_status_and_ticket_position(web_hub: Any, client: Client) -> None:
    t1 = web_hub.admin.call("admin.ticket_issue", {"services": ["B"]})["ticket"]
    t2 = web_hub.admin.call("admin.ticket_issue", {"services": ["B"]})["ticket"]
    status = client.get("/api/v1/public/status").json()
    assert status["office"]["name"]["en"] == "Test Government Window"
    b = next(s for s in status["services"] if s["id"] == "B")
    assert b["waiting"] >= 2 and "est_wait_s" in b
    assert "appointments" in status and "open_counters" in status
    info = client.get(f"/api/v1/public/tickets/{t2['token']}").json()
    assert info["number"] == t2["number"] and info["state"] == "waiting" and info["ahead"] >= 1
    assert t1["status_url"].endswith(f"/t/{t1['token']}")
    assert client.get("/api/v1/public/tickets/not-a-token").json()["error"]["code"] == "not_found"
    page = client.get(f"/t/{t1['token']}?lang=en")
    assert page.status_code == 200 and t1["number"] in page.text and "people ahead of you" in page.text
    for t in (t1, t2):
        web_hub.admin.call("admin.ticket_cancel", {"ticket": t["id"]})


def test_public_endpoints_are_rate_limited(web_hub: Any, client: Client) -> None:
    limiter = web_hub.hub.web.app.state.web.limiter
    saved = limiter.limits["public"]
    limiter.limits["public"] = (3, 60.0)
    limiter.reset("public", "127.0.0.1")
    try:
        codes = [client.get("/api/v1/public/status").status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200] and codes[3] == 429
        r = client.get("/api/v1/public/status")
        assert r.json()["error"]["code"] == "rate_limited" and "retry-after" in r.headers
    finally:
        limiter.limits["public"] = saved
        limiter.reset("public", "127.0.0.1")


def _next_weekday_slot(web_hub: Any) -> tuple[str, float]:
    tz = ZoneInfo(web_hub.hub.engine.state.settings.tz)
    day = datetime.now(tz).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=tz).timestamp()
    return day.isoformat(), at


def test_booking_capacity_cancel_and_move(web_hub: Any, client: Client) -> None:
    day, at = _next_weekday_slot(web_hub)
    services = client.get("/api/v1/public/booking/services").json()
    assert {s["id"] for s in services} >= {"A", "B"}
    slots = client.get(f"/api/v1/public/booking/services/A/slots?day={day}").json()
    nine = next(s for s in slots if s["at"] == at)
    assert nine["time"] == "09:00" and nine["free"] == 1
    r = client.post("/api/v1/public/booking", json={"service": "A", "at": at, "name": "Kiss Éva",
                                                    "contact": "eva@example.org"})
    assert r.status_code == 201, r.text
    appt = r.json()
    assert len(appt["code"]) == booking.CODE_LEN and appt["qr_url"].endswith(f"/book/a/{appt['code']}")
    r = client.post("/api/v1/public/booking", json={"service": "A", "at": at, "name": "Nagy Ádám"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"  # capacity 1 per slot
    r = client.post("/api/v1/public/booking", json={"service": "A", "at": at + 60, "name": "Nagy Ádám"})
    assert r.status_code == 400  # not a slot start
    code, sig = appt["code"], appt["sig"]
    assert client.get(f"/api/v1/public/booking/{code}?sig=wrong").status_code == 403
    moved = client.post(f"/api/v1/public/booking/{code}/move?sig={sig}", json={"at": at + 900}).json()
    assert moved["at"] == at + 900
    assert client.post("/api/v1/public/booking", json={"service": "A", "at": at, "name": "Nagy Ádám"}).status_code == 201
    r = client.post(f"/api/v1/public/booking/{code}/cancel?sig={sig}")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert web_hub.hub.engine.state.appointments[code].state == "cancelled"


def test_media_upload_and_playlist_reach_the_displays(web_hub: Any, client: Client) -> None:
    client.login("manager")
    got: list[dict] = []
    arrived = threading.Event()
    display = web_hub.client("tv-api", "display")

    def on_playlist(topic: str, payload: dict | None) -> None:
        if payload and payload.get("items"):
            got.append(payload)
            arrived.set()

    display.subscribe_state("playlist", on_playlist)
    r = client.post("/api/v1/media", files={"file": ("ad.png", png_bytes(), "image/png")})
    assert r.status_code == 201, r.text
    sha = r.json()["sha256"]
    r = client.post("/api/v1/media", files={"file": ("evil.png", b"<script>alert(1)</script>", "image/png")})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_args"
    media = client.get(f"/media/{sha}")
    assert media.content == png_bytes() and "immutable" in media.headers["cache-control"]
    assert media.headers["content-type"] == "image/png"
    r = client.put("/api/v1/playlist", json={"items": [{"kind": "image", "sha256": sha, "duration_s": 8,
                                                        "days": [0, 1, 2, 3, 4]},
                                                       {"kind": "text", "text": "Üdvözöljük!", "duration_s": 5}],
                                             "ticker": ["Nyitva 8–16"]})
    assert r.status_code == 200, r.text
    assert arrived.wait(10), "state/playlist did not arrive"
    item = got[-1]["items"][0]
    assert item["url"] == f"{web_hub.hub.public_url}/media/{sha}" and item["sha256"] == sha
    assert got[-1]["ticker"] == ["Nyitva 8–16"] and got[-1]["version"]
    r = client.delete(f"/api/v1/media/{sha}")
    assert r.status_code == 409  # still in the playlist


def test_ticket_layout_is_validated_and_sent_to_kiosks(web_hub: Any, client: Client) -> None:
    client.login("manager")
    arrived = threading.Event()
    payloads: list[dict] = []
    kiosk = web_hub.client("kiosk-layout", "kiosk")

    text = '[[block]]\ntype = "text"\ntext = "{number}"\nsize = 4\n'

    def on_config(topic: str, payload: dict | None) -> None:
        # a newly paired kiosk first gets the current (default) layout, then the new one
        if payload and "ticket_template" in payload:
            payloads.append(payload)
            if payload["ticket_template"] == text:
                arrived.set()

    kiosk.subscribe_state("config/kiosk-layout", on_config)
    r = client.put("/api/v1/ticket-layout", json={"toml": "[[block]]\ntype = \"banana\"\n"})
    assert r.status_code == 400 and "type must be one of" in r.json()["error"]["message"]
    r = client.put("/api/v1/ticket-layout", json={"toml": text})
    assert r.status_code == 200 and r.json()["kiosks"] >= 1
    assert arrived.wait(10)
    assert payloads[-1]["ticket_template"] == text


def test_statistics_and_exports(web_hub: Any, client: Client) -> None:
    a = web_hub.admin
    client.login("manager")
    before = client.get("/api/v1/stats").json()["totals"]["issued"]
    t = a.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    # Asked at once (the hub projects its statistics a moment after a commit): counted all the same.
    assert client.get("/api/v1/stats").json()["totals"]["issued"] == before + 1
    a.counter(2, "clerk.login", {"clerk": "bela", "pin": "1234"})
    called = a.counter(2, "counter.call_next")["ticket"]
    a.counter(2, "counter.finish")
    a.counter(2, "feedback.submit", {"score": "good"})
    a.counter(2, "clerk.logout")
    client.login("manager")
    r = client.get("/api/v1/stats").json()
    assert r["totals"]["issued"] >= 1 and r["totals"]["csat"]["good"] >= 1
    assert any(c["id"] == "bela" and c["finished"] >= 1 for c in r["clerks"])
    csv_text = client.get("/stats/export.csv?table=services").text.lstrip("\ufeff")
    # Hungarian Excel reads ";" between fields (and decimal commas)
    assert csv_text.splitlines()[0].startswith("Ügytípus;Név;Kiadva") or csv_text.startswith("Service,")
    raw = client.get("/stats/export.csv?table=contacts").text
    assert called["number"] in raw and "Nagy Béla" in raw and "Ablak 2" in raw
    xlsx = client.get("/stats/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert t["number"]


@pytest.mark.parametrize("running", [True, False])
def test_cli_creates_a_user_with_or_without_a_running_hub(web_hub: Any, tmp_path: Any, running: bool) -> None:
    data = str(web_hub.data_dir) if running else str(tmp_path / "offline")
    cmd = [sys.executable, "-m", "sorra.cli", "hub", "user", "add", "Kata", "--role", "manager",
           "--password-stdin", "--data", data]
    out = subprocess.run(cmd, input="kata-pass-77\n", capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "kata" in out.stdout
    again = subprocess.run(cmd, input="kata-pass-77\n", capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "exists" in again.stderr
    if running:
        c = Client(web_hub)
        assert c.login("kata", "kata-pass-77")["role"] == "manager"
        c.close()
