"""The ticket layout page: a form of blocks that saves what the kiosks read, and a preview drawn by the
kiosk's own layout code (sorra.ticket)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from hub.web import kv, layout_form
from kiosk.printing.render import TicketRenderer
from sorra.ticket import layout as L
from sorra.ticket.data import sample_ticket
from sorra.ticket.image import TicketImage, ticket_png
from sorra.ticket.template import load_template, parse_template
from tests.web.conftest import Client
from tests.web.test_e2e import browser as browser  # the shared Chromium
from tests.web.test_e2e import pytestmark as needs_chromium


def as_form(text: str) -> dict[str, str]:
    """The page's form fields for a layout, as the browser posts them (unchecked boxes are absent)."""
    form = {"from_form": "1"}
    for i, row in enumerate(layout_form.rows(text)):
        for key in ("type", "text_hu", "text_en", "when", "align", "size", "lines", "module", "char", "font"):
            form[f"b{i}_{key}"] = str(row[key])
        for key in ("bold", "info"):
            if row[key]:
                form[f"b{i}_{key}"] = "1"
    return form


def test_the_form_saves_the_layout_it_shows() -> None:
    text = kv.default_layout()
    saved = layout_form.to_toml(layout_form.blocks_from_form(as_form(text)))
    assert parse_template(saved).blocks == parse_template(text).blocks


def test_rows_can_be_removed_and_texts_differ_by_language() -> None:
    form = {"b0_type": "text", "b0_text_hu": "Jó napot!", "b0_text_en": "Good day!", "b0_size": "2",
            "b0_align": "center", "b1_type": "cut", "b1_remove": "1", "b2_type": "banana"}
    blocks = layout_form.blocks_from_form(form)
    assert blocks == [{"type": "text", "text": {"hu": "Jó napot!", "en": "Good day!"}, "align": "center", "size": 2}]


class Recorder:
    """Every piece a layout walk hands to its printer."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kw: self.calls.append((name, *args, *sorted(kw.items())))


def test_the_preview_and_the_kiosk_walk_the_same_blocks() -> None:
    template, ticket = load_template(), sample_ticket("hu")
    seen = Recorder()
    L.walk(template, ticket, seen)
    kinds = [c[0] for c in seen.calls]
    assert kinds[0] == "logo" and kinds[-1] == "cut" and ("text", "A042", "center", True, 5, ("font", "a")) in seen.calls
    # the kiosk's ESC/POS renderer is driven by the same walk: its text calls are the recorded ones
    printed: list[str] = []
    renderer = TicketRenderer(template, text_mode="codepage")
    renderer._text = lambda p, text, *a, **k: printed.append(text)  # type: ignore[method-assign]
    renderer.render(ticket)
    assert [c[1] for c in seen.calls if c[0] == "text"] == [t for t in printed if set(t) != {"-"}]
    image = TicketImage()
    L.walk(template, ticket, image)
    assert len(image.strips) == len(seen.calls)  # one strip of paper per piece


def test_the_preview_shows_only_the_blocks_that_apply() -> None:
    base = '[[block]]\ntype = "text"\ntext = "{number}"\nsize = 5\n'
    only_if_priority = base + '[[block]]\ntype = "text"\nwhen = "priority"\ntext = "Elsőbbségi"\n'
    always = base + '[[block]]\ntype = "text"\ntext = "Elsőbbségi"\n'
    ticket = sample_ticket("hu")
    heights = [Image.open(io.BytesIO(ticket_png(parse_template(t), ticket))).height
               for t in (base, only_if_priority, always)]
    assert heights[0] == heights[1] < heights[2]


def test_the_page_is_a_form_with_a_preview(web_hub: Any, client: Client) -> None:
    client.login("manager")
    html = client.get("/admin/layout?lang=hu").text
    assert 'name="b0_type"' in html and 'id="layout-preview"' in html and "Mikor kerül rá" in html
    r = client.get("/admin/layout/preview.png?lang=hu")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    saved = Image.open(io.BytesIO(r.content))
    small = client.get("/admin/layout/preview.png", params={"from_form": "1", "b0_type": "text",
                                                            "b0_text_hu": "{number}", "b0_size": "5"})
    img = Image.open(io.BytesIO(small.content))
    assert img.width == saved.width and img.height < saved.height / 3
    assert client.get("/admin/layout/preview.png", params={"from_form": "1"}).status_code == 400
    form = {**as_form(kv.default_layout()), "csrf": client.form_csrf("/admin/layout")}
    form["b3_text_hu"] = "Az Ön jegye"
    assert client.post("/admin/layout", data=form).status_code in (200, 303)
    conn = web_hub.hub.web.app.state.web.db()
    blocks = parse_template(kv.layout(conn)).blocks
    assert blocks[3].text == {"hu": "Az Ön jegye", "en": "Your number"}
    client.post("/admin/layout", data={"csrf": form["csrf"], "reset": "1"})
    assert kv.layout(conn) == ""


@pytest.fixture
def manager_page(browser: Any, web_hub: Any) -> Any:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="hu-HU")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    base = f"http://127.0.0.1:{web_hub.http_port}"
    page.goto(base + "/login")
    page.fill("#name", "manager")
    page.fill("#password", "manager-pass-1")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/dashboard")
    page.base = base
    yield page
    ctx.close()


@needs_chromium
def test_the_preview_follows_the_form(manager_page: Any) -> None:
    page = manager_page
    page.goto(page.base + "/admin/layout?lang=hu")
    img = page.locator("#layout-preview")
    page.wait_for_function("() => document.getElementById('layout-preview').naturalHeight > 0")
    before = img.evaluate("i => i.naturalHeight")
    page.fill("input[name=b3_text_hu]", "Az Ön sorszáma, kérjük, őrizze meg a jegyét a hívásig")
    page.wait_for_function("() => decodeURIComponent(document.getElementById('layout-preview').src)"
                           ".includes('őrizze') && document.getElementById('layout-preview').complete")
    page.wait_for_function(f"() => document.getElementById('layout-preview').naturalHeight > {before}")
    page.click("#layout-add")
    assert page.locator("#layout-rows .block").last.locator("select").first.get_attribute("name") == \
        f"b{page.locator('#layout-rows .block').count() - 1}_type"
