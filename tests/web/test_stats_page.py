"""The statistics page in headless Chromium, at a laptop's and a phone's size: nothing cut, nothing wrapped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import PASSWORDS
from tests.web.test_e2e import browser as browser  # the shared Chromium
from tests.web.test_e2e import pytestmark as pytestmark  # skipped without it

LAPTOP, PHONE = (1366, 900), (390, 844)


@pytest.fixture(scope="module")
def with_traffic(web_hub: Any) -> Any:
    """Tickets served, a no-show, feedback: every table and chart of the page has figures."""
    a = web_hub.admin
    a.add_clerk("hosszu", "Hosszúnevű-Kiszolgáló Krisztina Erzsébet", "1234")
    for n, clerk in ((1, "anna"), (2, "hosszu")):
        a.counter(n, "clerk.login", {"clerk": clerk, "pin": "1234"})
    for i in range(6):
        a.call("admin.ticket_issue", {"services": ["A" if i % 2 else "B"]})
    for n in (1, 2, 1, 2, 1):
        a.counter(n, "counter.call_next")
        a.counter(n, "counter.finish")
        a.counter(n, "feedback.submit", {"score": "good"})
    a.counter(2, "counter.call_next")
    a.counter(2, "counter.no_show")
    return web_hub


def open_stats(browser: Any, hub: Any, size: tuple[int, int]) -> Any:
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="hu-HU")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    base = f"http://127.0.0.1:{hub.http_port}"
    page.goto(base + "/login")
    page.fill("#name", "manager")
    page.fill("#password", PASSWORDS["manager"])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/dashboard")
    page.goto(base + "/stats?lang=hu")
    return page


@pytest.fixture
def laptop(browser: Any, with_traffic: Any) -> Iterator[Any]:
    page = open_stats(browser, with_traffic, LAPTOP)
    yield page
    page.context.close()


@pytest.fixture
def phone(browser: Any, with_traffic: Any) -> Iterator[Any]:
    page = open_stats(browser, with_traffic, PHONE)
    yield page
    page.context.close()


# the lines an element's text takes: a wrapped "100,0 %" takes two (boxes on one line overlap vertically)
LINES = """els => els.map(e => { const r = document.createRange(); r.selectNodeContents(e);
  const boxes = [...r.getClientRects()].filter(b => b.width > 0).sort((a, b) => a.top - b.top);
  let lines = 0, bottom = -1e9;
  for (const b of boxes) { if (b.top >= bottom - 1) lines++; bottom = Math.max(bottom, b.bottom); }
  return [e.textContent.trim(), lines]; })"""


def test_the_tables_fit_the_laptop_screen_and_figures_do_not_wrap(laptop: Any) -> None:
    for table in ("#by-clerk", "#by-service"):
        wrap = laptop.eval_on_selector(table, "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
        assert wrap[0] <= wrap[1], f"{table} is cut at the right: {wrap}"
    assert laptop.locator("#by-clerk").inner_text().count("Hosszúnevű-Kiszolgáló Krisztina Erzsébet") == 1
    cells = laptop.eval_on_selector_all(".kpi .v, #by-clerk td.num, #by-service td.num", LINES)
    assert any(text == "100,0\u00a0%" for text, _n in cells)
    wrapped = [text for text, n in cells if n > 1]
    assert not wrapped, f"wrapped: {wrapped}"
    overflowing = laptop.eval_on_selector_all(".kpi .v", "els => els.filter(e => e.scrollWidth > e.clientWidth)"
                                                        ".map(e => e.textContent)")
    assert not overflowing


def test_heat_map_and_axis_labels_are_readable(laptop: Any, phone: Any) -> None:
    for page, min_px in ((laptop, 12), (phone, 10)):
        sizes = page.eval_on_selector_all(
            "svg.chart .heat-label, svg.chart .axis, svg.chart .label",
            "els => els.filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect().height)")
        assert sizes and min(sizes) >= min_px, (page.viewport_size, min(sizes))
    assert phone.locator(".chart-narrow").first.is_visible() and not phone.locator(".chart-wide").first.is_visible()
