"""Notices always fit their box: shrink to a readable minimum, wrap, break long words, page; never clip.

Rendered offscreen in the real window at every screen mode and layout; the
rectangles Qt reports for each drawn line must lie inside the text box.
"""

from __future__ import annotations

import itertools
import time

import pytest
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QFontMetricsF

from display import sizing
from display.controller import DisplayController
from display.views import theme
from display.views.textfit import fit, syllable_breaks, wrap
from display.views.window import DisplayWindow
from sorra.config.display import DisplaySection

NOTICE = "Kérjük, kapcsolja le mobiltelefonját! Ügyfélkapu-regisztráció az 5-ös ablaknál."
LONG_WORDS = ("A megszentségteleníthetetlenségeskedéseitekért felelős Ügyfélkapu-regisztráció "
              "legkülönlegesebbjeinekként-megszentségteleníthetetlenségeskedéseitekért.")
TEXTS = [NOTICE, LONG_WORDS, "Ügyfélkapu-regisztráció", NOTICE + " " + NOTICE + " " + LONG_WORDS]
LAYOUTS = [{"show_queue": True}, {"show_queue": False}]
SCREENS = ["1920x1080", "1280x720", "1080x1920", "720x1280"]


def _window(qtbot, res: str, text: str, layout: dict, seat_m: float = 8.0) -> DisplayWindow:
    cfg = DisplaySection(farthest_seat_m=seat_m, **layout)
    ctl = DisplayController(cfg)
    ctl.on_playlist_state("state/playlist", {
        "items": [{"id": "n", "kind": "text", "text": text, "duration_s": 10}], "at": time.time()})
    win = DisplayWindow(ctl, cfg)
    qtbot.addWidget(win)
    w, h = sizing.parse_resolution(res)
    win.resize(w, h)
    win.apply_layout(w, h)
    return win


def _assert_inside(rects: list[QRectF], box: QRectF, widget: QRectF) -> None:
    assert rects
    assert widget.contains(box), (box, widget)
    for r in rects:
        assert box.contains(r), f"{r} is outside the text box {box}"


@pytest.mark.parametrize(("res", "text", "layout"), list(itertools.product(SCREENS, TEXTS, LAYOUTS)))
def test_a_notice_lies_inside_its_box_on_every_page(qtbot, res: str, text: str, layout: dict) -> None:
    win = _window(qtbot, res, text, layout)
    media = win.media
    assert media.slot is not None and media.slot.item.kind == "text"
    assert media.min_text_px == win.layout_.notice_px
    words = set()
    for page in range(media.pages()):
        media.text_page = page
        win.grab()  # paints; the area records what it drew
        _assert_inside(media.text_rects, media.text_box, QRectF(media.rect()))
        body = media._fit_text("", text)[0]
        assert body.px >= media.min_text_px  # never below the readable minimum: it pages instead
        words.update(" ".join(body.pages[page]).split())
    # nothing dropped: the pages hold the whole text (less the hyphens of broken words)
    shown = "".join(" ".join(" ".join(pg) for pg in media._fit_text("", text)[0].pages).split())
    assert shown.replace("-", "") == "".join(text.split()).replace("-", "")


@pytest.mark.parametrize("res", SCREENS)
def test_the_notice_of_the_issue_is_readable_across_the_room(qtbot, res: str) -> None:
    """It was cut off on every side of its box at 1920×1080."""
    win = _window(qtbot, res, NOTICE, {})
    body = win.media._fit_text("", NOTICE)[0]
    cap_mm = win.layout_.cap_mm(body.px)
    assert cap_mm >= win.layout_.notice_readable_m * sizing.TEXT_CAP_MM_PER_M - 1e-6
    assert win.layout_.notice_readable_m >= 7.9  # 43" TV, farthest seat 8 m
    lines = [line for page in body.pages for line in page]
    assert "Ügyfélkapu-" in lines or any("Ügyfélkapu-regisztráció" in line for line in lines)


@pytest.mark.parametrize("res", SCREENS)
def test_the_welcome_slide_fits_too(qtbot, res: str) -> None:
    win = _window(qtbot, res, "", {})
    win.controller.on_playlist_state("state/playlist", {"items": [], "at": time.time()})
    win.media.set_welcome("Kormányablak – Budapest XI. kerület, Ügyfélkapu-regisztrációs iroda",
                          "Kérjük, váltson sorszámot a kioszknál, és várja, amíg a kijelző szólítja. " + NOTICE)
    for page in range(win.media.pages()):
        win.media.text_page = page
        win.grab()
        _assert_inside(win.media.text_rects, win.media.text_box, QRectF(win.media.rect()))


def test_wrap_breaks_at_words_then_hyphens_then_syllables(qapp) -> None:
    fm = QFontMetricsF(theme.font(40, bold=True))
    wide = fm.horizontalAdvance("Ügyfélkapu-regisztráció az") + 1
    assert wrap(NOTICE, fm, wide) is not None
    narrow = max(fm.horizontalAdvance("regisztráció"), fm.horizontalAdvance("Ügyfélkapu-")) + 2
    lines = wrap("Ügyfélkapu-regisztráció", fm, narrow, inside_words=False)
    assert lines == ["Ügyfélkapu-", "regisztráció"]  # at the hyphen, not inside a word
    tight = fm.horizontalAdvance("megszentségtelenít-") + 2
    assert wrap("megszentségteleníthetetlenségeskedéseitekért", fm, tight, inside_words=False) is None
    lines = wrap("megszentségteleníthetetlenségeskedéseitekért", fm, tight)
    assert lines is not None and len(lines) > 1
    assert all(fm.horizontalAdvance(line) <= tight for line in lines)
    assert all(line.endswith("-") for line in lines[:-1]) and len(lines[-1]) >= 3
    assert "".join(line.rstrip("-") for line in lines) == "megszentségteleníthetetlenségeskedéseitekért"
    assert lines[0] == "megszentségtelenít-"  # at a syllable boundary


def test_hungarian_syllable_breaks() -> None:
    def hyphenate(word: str) -> str:
        out, last = [], 0
        for k in syllable_breaks(word):
            out.append(word[last:k])
            last = k
        return "-".join([*out, word[last:]])

    assert hyphenate("mobiltelefonját") == "mo-bil-te-le-fon-ját"
    assert hyphenate("ablaknál") == "ab-lak-nál"
    assert hyphenate("Ügyfélkapu") == "Ügy-fél-ka-pu"


def test_fit_shrinks_before_it_pages(qapp) -> None:
    big = fit(NOTICE, 900, 600, 80, 30)
    assert len(big.pages) == 1 and big.px == 80
    small = fit(NOTICE, 400, 200, 80, 30)
    assert len(small.pages) == 1 and 30 <= small.px < 80
    paged = fit(NOTICE, 300, 120, 80, 40)
    assert paged.px == 40 and len(paged.pages) > 1
    assert all(len(page) * paged.line_h <= 120 for page in paged.pages)


@pytest.mark.parametrize("res", SCREENS)
def test_a_long_office_name_is_wrapped_not_cut(qtbot, res: str) -> None:
    win = _window(qtbot, res, NOTICE, {})
    name = "Kormányablak – Budapest XI. kerület, Ügyfélkapu-regisztrációs és okmányiroda"
    win.header.set_office(name, None)
    win.grab()
    header = win.header
    assert header.name_rects
    assert all(header.name_box.contains(r) for r in header.name_rects), (header.name_rects, header.name_box)
    assert QRectF(header.rect()).contains(header.name_box)


def _feed_queue(ctl: DisplayController, n: int) -> None:
    names = ["Okmányok, személyi igazolvány", "Gépjármű ügyintézés", "Pénztár", "Családtámogatás",
             "Ügyfélkapu-regisztráció", "Lakcímbejelentés"]
    ids = "ABCDEF"[:n]
    now = time.time()
    ctl.on_services_state("state/services", {
        "services": [{"id": s, "names": {"hu": names[i]}, "prefix": s, "open": True} for i, s in enumerate(ids)],
        "at": now})
    ctl.on_queue_state("state/queue", {
        "services": {s: {"waiting": 3, "longest_wait_s": 300, "est_wait_s": 400} for s in ids},
        "waiting": 3 * n, "open_counters": 3, "at": now})


@pytest.mark.parametrize("res", SCREENS)
def test_the_queue_shows_every_service_it_has_room_for(qtbot, res: str) -> None:
    """Four services paged 3 + 1 at 1920×1080 with room to spare for the fourth."""
    win = _window(qtbot, res, NOTICE, {})
    _feed_queue(win.controller, 4)
    assert len(win.queue.rows) == 4
    assert win.queue.pages() == 1
    assert win.queue.px >= win.queue.text_px * 0.85


@pytest.mark.parametrize("res", SCREENS)
def test_earlier_calls_fill_the_room_they_have(qtbot, res: str) -> None:
    win = _window(qtbot, res, NOTICE, {})
    now = time.time()
    win.controller.on_calls_state("state/calls", {"calls": [
        {"ticket": f"t{i}", "number": f"A{i:03d}", "counter": i % 5 + 1, "counter_name": str(i % 5 + 1),
         "services": ["A"], "at": now - 600 + i, "lang": "hu"} for i in range(8)], "at": now})
    layout = win.layout_
    assert len(win.recent.calls) == layout.recent_rows * layout.recent_cols
    if layout.portrait:
        assert len(win.recent.calls) >= 2
    if not layout.portrait:
        # the calls column could not take one more row: what is left below the list is less than one
        free = layout.ticker.y - (layout.recent.y + layout.recent.h)
        assert free < layout.number_px * sizing.ROW_HEIGHT_EM + 2 * round(layout.height * 0.015)


def test_a_paged_notice_turns_its_pages_by_itself(qtbot) -> None:
    """Each page stays up (here shortened), the slot lasts as long as all its pages."""
    from display.views import media_area

    win = _window(qtbot, "1920x1080", " ".join([NOTICE] * 4), {})
    media = win.media
    assert media.pages() > 1
    media._page_timer.setInterval(50)  # the real pages stay ≥ 5 s; the test does not wait that long
    seen = {media.text_page}
    qtbot.waitUntil(lambda: seen.add(media.text_page) or len(seen) == media.pages(), timeout=5000)
    assert media._timer.remainingTime() > (media.pages() - 1) * media_area.PAGE_MIN_S * 1000 - 1000


@pytest.mark.parametrize("res", SCREENS)
def test_the_call_sentence_under_a_takeover_wraps_inside_its_box(qtbot, res: str) -> None:
    from display.model import CallView

    win = _window(qtbot, res, NOTICE, {})
    call = CallView(ticket="t1", number="A042", counter=12, counter_name="12", recall=False, at=time.time(),
                    lang="hu")
    sentence = ("Az A 42-es sorszámot várjuk a 12-es ablakhoz, az Ügyfélkapu-regisztrációs "
                "és megszentségteleníthetetlenségeskedéseitekért felelős ügyintézőhöz.")
    win.takeover.show_call(call, sentence, 5)
    win.grab()
    over = win.takeover
    assert over.sentence_rects
    assert all(over.sentence_box.contains(r) for r in over.sentence_rects), (over.sentence_rects, over.sentence_box)
    assert QRectF(over.rect()).contains(over.sentence_box)
    over.end()
