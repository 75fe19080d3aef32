"""The desk pages in headless Chromium: the front desk issues a family's ticket, a late customer is
taken back from the dashboard, an outcome code is added, the survey is answered on a phone-sized page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import PASSWORDS
from tests.web.test_e2e import ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} is missing")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, web_hub: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="hu-HU")
    ctx.set_default_timeout(10_000)
    pg = ctx.new_page()
    pg.base = f"http://127.0.0.1:{web_hub.http_port}"  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def sign_in(page: Any, name: str) -> None:
    page.goto(page.base + "/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/dashboard")


def test_the_front_desk_issues_a_family_ticket_to_read_out(page: Any, web_hub: Any) -> None:
    sign_in(page, "reception")
    page.click("nav a[href='/desk']")
    page.fill("input[name=n_B]", "3")
    page.fill("#people", "3")
    page.fill("#note", "Három útlevél")
    page.click("#desk-ticket button[type=submit]")
    number = page.locator("#issued-number").inner_text()
    assert "3 fő" in page.locator("#issued").inner_text()
    t = web_hub.hub.worker.run_in_worker(lambda e: e.find_ticket(number=number).to_dict())
    assert t["services"] == ["B", "B", "B"] and t["people"] == 3 and t["note"] == "Három útlevél"


def test_a_late_customer_is_taken_back_from_the_dashboard(page: Any, web_hub: Any) -> None:
    a = web_hub.admin
    late = a.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    a.counter(2, "clerk.login", {"clerk": "bela", "pin": "1234"})
    while a.counter(2, "counter.call_next")["ticket"]["id"] != late["id"]:
        a.counter(2, "counter.finish")
    a.counter(2, "counter.no_show")
    sign_in(page, "clerk")
    page.wait_for_selector(f"#no-shows tr[data-ticket='{late['number']}']")  # the live part shows it
    page.fill("#return-ticket", late["number"])
    page.click("#return-form button[type=submit]")
    assert late["number"] in page.locator(".flash.ok").inner_text()
    page.wait_for_selector(f"#no-shows tr[data-ticket='{late['number']}']", state="detached")
    assert web_hub.hub.worker.run_in_worker(lambda e: e.state.tickets[late["id"]].state) == "waiting"
    a.counter(2, "clerk.logout")


def test_a_manager_adds_an_outcome_code(page: Any, web_hub: Any) -> None:
    sign_in(page, "manager")
    page.click("nav a[href='/admin/outcomes']")
    page.fill("#code", "SENT")
    page.fill("#name_hu", "Más hatósághoz")
    page.fill("#name_en", "Sent on")
    page.uncheck("input[name=resolved]")
    page.click("form[action='/admin/outcomes'] button[type=submit]")
    page.wait_for_selector("tr[data-code='SENT']")
    assert web_hub.hub.worker.run_in_worker(lambda e: e.state.outcomes["SENT"].resolved) is False


def test_the_survey_on_a_phone(browser: Any, web_hub: Any) -> None:
    a = web_hub.admin
    a.counter(2, "clerk.login", {"clerk": "bela", "pin": "1234"})
    t = a.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    while a.counter(2, "counter.call_next")["ticket"]["id"] != t["id"]:
        a.counter(2, "counter.finish")
    a.counter(2, "counter.finish")
    a.counter(2, "clerk.logout")
    ctx = browser.new_context(viewport={"width": 390, "height": 760}, locale="hu-HU")
    try:
        pg = ctx.new_page()
        pg.goto(f"http://127.0.0.1:{web_hub.http_port}/f/{t['token']}")
        buttons = pg.locator("button[name=score]")
        assert buttons.count() == 11
        box = buttons.nth(10).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390  # every button on the phone's screen
        buttons.nth(8).click()
        pg.wait_for_selector("#thanks")
    finally:
        ctx.close()
    row = web_hub.hub.web.app.state.web.db().execute("SELECT score FROM nps_answer WHERE token = ?",
                                                     [t["token"]]).fetchone()
    assert row == (8,)
