"""Layout arithmetic: the 12 mm per metre rule, what fits, and no overlapping panels."""

from __future__ import annotations

import itertools

import pytest

from display import sizing
from display.sizing import CAP_EM, CAP_MM_PER_M, Rect, compute

SCREENS = [(1920, 1080), (1280, 720), (1080, 1920), (720, 1280)]


def test_px_per_mm_of_a_43_inch_full_hd_tv() -> None:
    layout = compute(1920, 1080, 43, 5)
    assert layout.px_per_mm == pytest.approx(2.017, abs=0.002)  # 952 mm wide
    # 5 m → 60 mm cap height → 121 px cap → 166.0 px font (cap = 0.729 em)
    assert layout.number_px == sizing.min_number_px(layout.px_per_mm, 5) == 167
    assert layout.cap_mm(layout.number_px) >= 60.0


@pytest.mark.parametrize(("screen", "diag", "dist"),
                         list(itertools.product(SCREENS, [32, 43, 55, 65], [3, 5, 6, 8, 12])))
def test_numbers_meet_the_rule_whenever_the_layout_says_it_fits(screen, diag, dist) -> None:
    w, h = screen
    layout = compute(w, h, diag, dist)
    need_mm = CAP_MM_PER_M * dist
    if layout.fits:
        assert layout.cap_mm(layout.number_px) >= need_mm
        assert layout.cap_mm(layout.current_px) >= need_mm
        assert layout.recent_rows >= 1
        assert layout.readable_m >= dist - 1e-9
    else:
        # too small for the room: the numbers are as large as the screen allows, and it says so
        assert layout.readable_m == pytest.approx(layout.cap_mm(layout.number_px) / CAP_MM_PER_M)
    assert layout.cap_mm(layout.takeover_px) >= layout.cap_mm(layout.number_px)
    # every panel on screen, none overlapping
    panels = [layout.header, layout.current, layout.recent, layout.queue, layout.media, layout.ticker]
    for r in panels:
        assert r.x >= 0 and r.y >= 0 and r.x + r.w <= w and r.y + r.h <= h, r
    for a, b in itertools.combinations(panels, 2):
        assert not _overlap(a, b), (a, b)


def _overlap(a: Rect, b: Rect) -> bool:
    if a.w <= 0 or a.h <= 0 or b.w <= 0 or b.h <= 0:
        return False
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def test_a_big_tv_in_a_small_room_shows_more_calls() -> None:
    small = compute(1920, 1080, 65, 4)
    big_room = compute(1920, 1080, 43, 8)
    assert small.fits and big_room.fits
    assert small.recent_rows > big_room.recent_rows


def test_a_too_small_screen_is_reported() -> None:
    layout = compute(1080, 1920, 32, 10)
    assert not layout.fits
    assert layout.readable_m < 10
    assert "TOO SMALL" in layout.summary()
    assert layout.number_px * CAP_EM / layout.px_per_mm == pytest.approx(layout.readable_m * 12)


def test_queue_can_be_hidden() -> None:
    layout = compute(1920, 1080, 43, 5, show_queue=False)
    assert layout.queue.h == 0 and layout.media.h > compute(1920, 1080, 43, 5).media.h
