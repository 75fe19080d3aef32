"""The playlist editor's fields stand under their headers; every page has an icon (/favicon.ico)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.web.conftest import PASSWORDS, Client
from tests.web.test_e2e import browser as browser  # the shared Chromium
from tests.web.test_e2e import pytestmark as needs_chromium


def test_favicon_and_the_link_to_it(web_hub: Any, client: Client) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"] == "image/x-icon"
    icon = Image.open(io.BytesIO(r.content))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
    for path in ("/status", "/login"):
        assert '<link rel="icon" href="/favicon.ico"' in client.get(path).text


@needs_chromium
def test_playlist_fields_line_up_with_their_headers(browser: Any, web_hub: Any) -> None:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="hu-HU")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    base = f"http://127.0.0.1:{web_hub.http_port}"
    try:
        page.goto(base + "/login")
        page.fill("#name", "manager")
        page.fill("#password", PASSWORDS["manager"])
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url("**/dashboard")
        page.goto(base + "/admin/playlist?lang=hu")
        page.fill("#text", "Kérjük, kapcsolja le mobiltelefonját!")
        page.click("form:has(input[name=action][value=add]) button[type=submit]")
        page.wait_for_url("**/admin/playlist**")
        table = "table.playlist"
        heads = page.eval_on_selector_all(f"{table} thead th", "ths => ths.map(t => { const r = t.getBoundingClientRect();"
                                                               " return [r.left, r.right]; })")
        fields = {"duration_s": 2, "day0": 3, "start": 4, "end": 5}
        for name, col in fields.items():
            box = page.locator(f"{table} tbody tr").first.locator(f"input[name={name}]").bounding_box()
            left, right = heads[col]
            assert left - 1 <= box["x"] and box["x"] + box["width"] <= right + 1, (name, box, heads[col])
        # the row's fields still save together (they belong to the row's form)
        row = page.locator(f"{table} tbody tr").first
        row.locator("input[name=duration_s]").fill("25")
        row.locator("button", has_text="Mentés").click()
        page.wait_for_load_state()
        assert page.locator(f"{table} tbody tr").first.locator("input[name=duration_s]").input_value() == "25"
    finally:
        ctx.close()
