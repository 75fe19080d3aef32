"""A notice is read as a whole: it takes the room the layout has and pages only between sentences.

At 1920×1080 the two-sentence notice used to take four pages in the landscape
media slot ("Kérjük, kapcsolja le" / "mobiltelefonját!" / …), a sentence split
across pages. Rendered offscreen in the real window.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QColor, QImage

from display import sizing
from display.controller import DisplayController
from display.media import MediaCache
from display.views.window import DisplayWindow
from sorra.config.display import DisplaySection

NOTICE = "Kérjük, kapcsolja le mobiltelefonját! Ügyfélkapu-regisztráció az 5-ös ablaknál."
LONG = (NOTICE + " Személyi igazolványát és lakcímkártyáját kérjük, készítse elő."
        " A pénztár 12 és 13 óra között zárva tart."
        " Sorszámot a kioszknál vagy a magyarorszag.hu oldalon válthat."
        " Kérdéseivel forduljon bátran a munkatársainkhoz!")
SCREENS = ["1920x1080", "1280x720", "1080x1920"]


def _window(qtbot, res: str, items: list[dict], media_dir: Path | None = None) -> DisplayWindow:
    cfg = DisplaySection(farthest_seat_m=8.0, **({"media_cache": str(media_dir)} if media_dir else {}))
    ctl = DisplayController(cfg, media=MediaCache(media_dir) if media_dir else None)
    now = time.time()
    ctl.on_calls_state("state/calls", {"calls": [
        {"ticket": f"t{i}", "number": f"A{i:03d}", "counter": i + 1, "counter_name": str(i + 1),
         "services": ["A"], "at": now - 60 + i, "lang": "hu"} for i in range(4)], "at": now})
    ctl.on_playlist_state("state/playlist", {"items": items, "at": now})
    win = DisplayWindow(ctl, cfg)
    qtbot.addWidget(win)
    w, h = sizing.parse_resolution(res)
    win.resize(w, h)
    win.apply_layout(w, h)
    return win


def _norm(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def _sentences_per_page(pages: list[list[str]], text: str) -> list[int]:
    """How many whole sentences each page holds; fails if a sentence is split across pages."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    counts, i = [], 0
    for page in pages:
        rest, n = _norm(" ".join(page)), 0
        while rest:
            assert i < len(sentences), f"page {page} holds more than the text"
            head = _norm(sentences[i])
            assert rest.startswith(head), f"a sentence split across pages: {sentences[i]!r} vs page {page}"
            rest, i, n = rest[len(head):], i + 1, n + 1
        counts.append(n)
    assert i == len(sentences), "a sentence is missing"
    return counts


def _check_drawn(win: DisplayWindow, text: str) -> list[list[str]]:
    media = win.media
    body = media._fit_text("", text)[0]
    assert body.px >= win.layout_.notice_px  # readable from the farthest seat
    for page in range(media.pages()):
        media.text_page = page
        win.grab()
        assert media.text_rects and all(media.text_box.contains(r) for r in media.text_rects)
        assert QRectF(media.rect()).contains(media.text_box)
    return body.pages


def _others_intact(win: DisplayWindow) -> None:
    layout = win.layout_
    # the numbers keep their sizing.py size (a 43" portrait TV meets the rule up to about 6 m only)
    assert layout.numbers_fit or layout.portrait
    assert win.recent.number_px == layout.number_px and win.call_panel.number_px == layout.current_px
    assert layout.recent_rows >= 1
    assert len(win.recent.calls) == layout.recent_rows * layout.recent_cols
    assert win.queue.isVisibleTo(win) and win.queue.height() >= layout.queue.h > 0
    panels = [win.header, win.call_panel, win.recent, win.queue, win.media, win.ticker]
    for i, a in enumerate(panels):
        assert win.rect().contains(a.geometry())
        for b in panels[i + 1:]:
            assert not a.geometry().intersects(b.geometry()), (a, b)


@pytest.mark.parametrize("res", SCREENS)
def test_the_two_sentence_notice_is_shown_whole(qtbot, res: str) -> None:
    win = _window(qtbot, res, [{"id": "n", "kind": "text", "text": NOTICE, "duration_s": 15}])
    pages = _check_drawn(win, NOTICE)
    assert len(pages) == 1, pages
    assert _sentences_per_page(pages, NOTICE) == [2]
    # each sentence begins a line: nobody reads "… mobiltelefonját! Ügyfélkapu-" as one thought
    assert any(line.startswith("Ügyfélkapu") for line in pages[0])
    _others_intact(win)
    if not win.layout_.portrait:
        assert win.media.geometry().getRect() == win.layout_.notice.tuple()  # the band under the calls


@pytest.mark.parametrize("res", SCREENS)
def test_a_long_notice_pages_only_between_sentences(qtbot, res: str) -> None:
    win = _window(qtbot, res, [{"id": "n", "kind": "text", "text": LONG, "duration_s": 15}])
    pages = _check_drawn(win, LONG)
    assert len(pages) > 1
    counts = _sentences_per_page(pages, LONG)
    assert all(n >= 1 for n in counts)
    _others_intact(win)


def test_an_image_keeps_the_media_slot_and_the_queue_its_size(qtbot, tmp_path: Path) -> None:
    img = QImage(320, 180, QImage.Format.Format_RGB32)
    img.fill(QColor("#1f6f8b"))
    png = tmp_path / "ad.png"
    img.save(str(png), "PNG")
    sha = hashlib.sha256(png.read_bytes()).hexdigest()
    png.rename(tmp_path / f"{sha}.png")
    win = _window(qtbot, "1920x1080", [
        {"id": "ad", "kind": "image", "url": f"http://hub.invalid/{sha}.png", "sha256": sha, "duration_s": 15},
        {"id": "n", "kind": "text", "text": NOTICE, "duration_s": 15}], media_dir=tmp_path)
    media, layout = win.media, win.layout_
    assert media.slot is not None and media.slot.item.kind == "image"
    assert media.geometry().getRect() == layout.media.tuple()
    assert win.queue.geometry().getRect() == layout.queue.tuple()
    px = win.queue.px
    media.next()
    assert media.slot is not None and media.slot.item.kind == "text"
    assert media.geometry().getRect() == layout.notice.tuple()
    assert win.queue.geometry().getRect() == layout.notice_queue.tuple()
    assert win.queue.px == px  # the queue grows down to the band, its text does not jump
    media.next()
    assert media.slot.item.kind == "image" and media.geometry().getRect() == layout.media.tuple()
    pm = media._pixmap  # decoded at the slot's size, not the band's it left
    assert pm is not None and pm.width() <= layout.media.w and pm.height() <= layout.media.h
    assert pm.width() == layout.media.w or pm.height() == layout.media.h
