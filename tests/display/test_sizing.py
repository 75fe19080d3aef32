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
        assert layout.readable_m < dist
        assert layout.cap_mm(layout.number_px) / CAP_MM_PER_M - 0.1 < layout.readable_m \
            <= layout.cap_mm(layout.number_px) / CAP_MM_PER_M
    _assert_consistent(layout)
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
    assert layout.number_px * CAP_EM / layout.px_per_mm == pytest.approx(layout.readable_m * 12, abs=1.2)


def _assert_consistent(layout: sizing.Layout) -> None:
    """The report never says "OK" and "too small" of the same thing, nor claims a distance it misses."""
    text = layout.summary()
    verdict = next(line for line in text.splitlines() if line.startswith("ticket numbers:"))
    assert ("OK" in verdict) == layout.numbers_fit != ("TOO SMALL" in verdict), verdict
    claimed = float(verdict.split("readable")[1].split("up to ")[1].split(" m")[0])
    assert claimed == layout.readable_m
    assert (claimed >= layout.distance_m) == layout.numbers_fit, verdict
    assert layout.cap_mm(layout.number_px) >= claimed * CAP_MM_PER_M - 1e-9
    notices = next(line for line in text.splitlines() if line.startswith("notices:"))
    assert f"{layout.notice_readable_m:.1f} m" in notices
    assert layout.cap_mm(layout.notice_px) >= layout.notice_readable_m * sizing.TEXT_CAP_MM_PER_M - 1e-9


def test_the_1280x720_report_does_not_contradict_itself() -> None:
    """It said "readable up to 8.0 m: TOO SMALL" for a 43" TV at 8 m (7.99 m, printed rounded up)."""
    hd, full_hd = compute(1280, 720, 43, 8), compute(1920, 1080, 43, 8)
    _assert_consistent(hd)
    # the same TV in either mode is the same size in the room: the same verdict
    assert hd.numbers_fit == full_hd.numbers_fit
    assert "OK" in hd.summary() and "TOO SMALL" not in hd.summary()
    short = compute(1280, 720, 43, 8.5)
    _assert_consistent(short)
    assert "TOO SMALL" in short.summary() and "readable only up to 8.0 m" in short.summary()


@pytest.mark.parametrize("screen", SCREENS)
def test_notices_are_readable_from_the_farthest_seat_when_the_box_allows(screen) -> None:
    w, h = screen
    layout = compute(w, h, 43, 6)
    assert layout.notice_readable_m >= 6 - 0.1
    assert layout.notice_px < layout.number_px
    far = compute(w, h, 32, 15)  # capped: the media box still holds three lines
    assert far.notice_px * sizing.TEXT_LINE_EM * 3 <= far.media.h


def test_portrait_shows_more_than_one_earlier_call() -> None:
    for w, h in [(1080, 1920), (720, 1280)]:
        layout = compute(w, h, 43, 8)
        assert layout.recent_rows * layout.recent_cols >= 2
        assert compute(w, h, 43, 8, max_recent=1).recent_rows == 1  # the configured maximum holds


def test_queue_can_be_hidden() -> None:
    layout = compute(1920, 1080, 43, 5, show_queue=False)
    assert layout.queue.h == 0 and layout.media.h > compute(1920, 1080, 43, 5).media.h
