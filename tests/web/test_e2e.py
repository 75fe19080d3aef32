"""End to end in headless Chromium (Debian's chromium, driven by Playwright; no browser download).

Sign in, watch the dashboard change live when a counter calls, change a
service and see it reach the kiosk's catalogue, book an appointment and check
in with its code through the kiosk's controller, export CSV.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import PASSWORDS

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"{CHROMIUM} is missing (Debian's chromium package; ./run test installs it)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, web_hub: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="hu-HU", accept_downloads=True)
    ctx.set_default_timeout(10_000)
    pg = ctx.new_page()
    pg.base = f"http://127.0.0.1:{web_hub.http_port}"  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def sign_in(page: Any, name: str = "manager") -> None:
    page.goto(page.base + "/dashboard")
    assert "/login" in page.url  # not signed in yet: sent to the sign-in form
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/dashboard")


def test_sign_in_and_the_dashboard_changes_live(page: Any, web_hub: Any) -> None:
    page.goto(page.base + "/login")
    page.fill("#name", "manager")
    page.fill("#password", "not-the-password")
    page.click("form[action='/login'] button[type=submit]")
    assert page.locator(".flash.err").is_visible()
    sign_in(page)
    assert page.locator("h1").inner_text() == "Vezérlőpult"
    page.wait_for_selector("#live-status.on")  # the event stream is open
    a = web_hub.admin
    cell = "tr[data-service='A'] td.waiting"
    before = int(page.locator(cell).inner_text().split()[0])
    ticket = a.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    page.wait_for_function(f"n => parseInt(document.querySelector(\"{cell}\").textContent) > n", arg=before)
    a.counter(1, "clerk.login", {"clerk": "anna", "pin": "1234"})
    called = a.counter(1, "counter.call_next")["ticket"]
    # no reload: the counter's card shows the call by itself
    page.wait_for_selector(f"[data-counter='1'] [data-ticket='{called['number']}']")
    assert "Kiss Anna" in page.locator("[data-counter='1']").inner_text()
    a.counter(1, "counter.finish")
    page.wait_for_selector("[data-counter='1'] [data-ticket]", state="detached")
    a.counter(1, "clerk.logout")
    assert ticket["number"]


def test_a_service_changed_on_the_web_reaches_the_kiosk_catalogue(page: Any, web_hub: Any) -> None:
    from kiosk.model import Screen
    from tests.kiosk.conftest import make_rig

    rig = make_rig(web_hub, device_id="kiosk-e2e")
    try:
        rig.wait_screen(Screen.START)
        sign_in(page)
        page.goto(page.base + "/admin/services/B")
        page.fill("#name_hu", "Útlevél és személyi")
        page.fill("#info_hu", "Hozza a régi útlevelét")
        page.click("form.card button[type=submit]")
        page.wait_for_url("**/admin/services?msg=saved")
        assert "Útlevél és személyi" in page.locator("table").inner_text()
        rig.ctl.get_ticket()
        rig.pump.until(lambda: any(s.name == "Útlevél és személyi" for s in rig.state.services),
                       "the renamed service on the kiosk")
        item = next(s for s in rig.state.services if s.id == "B")
        assert item.info == "Hozza a régi útlevelét"
        # a new service, created on the web, appears on the kiosk too
        page.goto(page.base + "/admin/services/new")
        page.fill("#id", "C")
        page.fill("#prefix", "C")
        page.fill("#name_hu", "Jogosítvány")
        page.fill("#name_en", "Driving licence")
        page.click("form.card button[type=submit]")
        page.wait_for_url("**/admin/services?msg=saved")
        rig.pump.until(lambda: any(s.id == "C" for s in rig.state.services), "the new service on the kiosk")
    finally:
        rig.close()


def test_book_on_the_web_and_check_in_at_the_kiosk(page: Any, web_hub: Any) -> None:
    from kiosk.model import Screen
    from tests.kiosk.conftest import make_rig

    # book for today, so the kiosk may check it in: the next free slot of today
    web_hub.admin.set_office(hours={}, slot_minutes=5)
    kv_conn = web_hub.hub.web.app.state.web.db()
    from hub.web import kv

    kv.set_booking(kv_conn, {"min_lead_min": 0, "enabled": True})
    mobile = page.context.browser.new_context(viewport={"width": 390, "height": 844}, locale="hu-HU")
    p = mobile.new_page()
    p.set_default_timeout(10_000)
    try:
        p.goto(page.base + "/book")
        p.click("a.choice[href='/book/A']")
        days = p.locator("#days a[data-day]")
        if days.count() == 0:
            pytest.skip("no bookable time left today or in the coming days")
        days.first.click()
        p.locator("#slots a[data-at]").first.click()
        p.fill("#name", "Teszt Elek")
        p.fill("#contact", "elek@example.org")
        p.click("#confirm")
        p.wait_for_url(re.compile(r".*/book/done/[A-Z0-9]+\?sig=.*"))
        code = p.locator("#code").inner_text().strip()
        assert p.locator("svg.qr").count() == 1
        appt = web_hub.hub.engine.state.appointments[code]
        assert appt.name == "Teszt Elek" and appt.state == "booked"
    finally:
        mobile.close()

    from datetime import datetime
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(web_hub.hub.engine.state.settings.tz)
    if datetime.fromtimestamp(appt.at, tz).date() != datetime.now(tz).date():
        # late in the day: the first free slot is tomorrow; the kiosk refuses another day's code
        web_hub.admin.call("admin.appointment_move", {"code": code, "at": datetime.now(tz).timestamp() + 120})
    rig = make_rig(web_hub, device_id="kiosk-checkin")
    try:
        rig.wait_screen(Screen.START)
        rig.ctl.start_check_in()
        for ch in code.lower():
            rig.ctl.key(ch)
        rig.ctl.submit_code()
        rig.wait_screen(Screen.TICKET)
        assert rig.state.ticket.appointment == code
        assert web_hub.hub.engine.state.appointments[code].state == "checked_in"
    finally:
        rig.close()


def test_export_csv_from_the_statistics_page(page: Any, web_hub: Any) -> None:
    a = web_hub.admin
    a.call("admin.ticket_issue", {"services": ["A"]})
    a.counter(2, "clerk.login", {"clerk": "bela", "pin": "1234"})
    a.counter(2, "counter.call_next")
    a.counter(2, "counter.finish")
    a.counter(2, "clerk.logout")
    sign_in(page)
    page.goto(page.base + "/stats")
    assert page.locator("svg.chart").count() >= 5
    issued = int(page.locator("#kpi-issued").inner_text().replace("\u202f", "").replace(" ", ""))
    assert issued >= 1
    with page.expect_download() as dl:
        page.click("#export-days")
    path = dl.value.path()
    text = open(path, encoding="utf-8-sig").read()
    header, *rows = text.splitlines()
    assert header.startswith("Nap;Kiadva;Kiszolgálva")  # as Hungarian Excel splits columns
    assert sum(int(r.split(";")[1]) for r in rows) == issued
