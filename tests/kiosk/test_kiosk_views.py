"""The screens themselves: touch target size, contrast, every text translated, screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QApplication, QPushButton

import kiosk
from kiosk.cli import SCREENS, main
from kiosk.views import KioskWindow, Metrics, theme
from kiosk.views.screenshots import sample_states
from kiosk.views.texts import Texts
from kiosk.views.widgets import Tile


@pytest.mark.parametrize("size", SCREENS)
def test_every_touch_target_is_at_least_15_mm(qtbot, size):
    m = Metrics.for_screen(size)
    window = KioskWindow(m)
    qtbot.addWidget(window)
    window.show()
    checked = 0
    for lang in ("hu", "en"):
        for name, state in sample_states(lang).items():
            window.render(state)
            QApplication.processEvents()
            targets = [w for w in window.findChildren(QPushButton) + window.findChildren(Tile) if w.isVisible()]
            assert targets, name
            for w in targets:
                side = min(w.width(), w.height())
                assert side / m.px_per_mm >= 15.0, (size, lang, name, w.objectName() or w.text(), w.size())
                checked += 1
    assert checked > 100


def test_colour_pairs_have_at_least_4_5_to_1_contrast():
    for name, (fg, bg) in theme.PAIRS.items():
        assert theme.contrast(fg, bg) >= 4.5, (name, fg, bg, theme.contrast(fg, bg))
    assert theme.contrast("#000000", "#FFFFFF") == pytest.approx(21.0)


def test_touch_size_from_the_physical_screen():
    m = Metrics.for_screen("1280x800", 10.1)
    assert 88 <= m.touch <= 95  # 15 mm at ~150 dpi
    big = Metrics.for_screen("1920x1080", 21.5)
    assert big.touch / big.px_per_mm >= 15


def test_every_screen_text_has_a_hungarian_translation():
    root = Path(kiosk.__file__).parent
    ids = {
        msg
        for _f, _l, msg, _c, _x in extract_from_dir(
            str(root), method_map=[("**.py", "python")], keywords={"tx": None, "plural": (1, 2)}
        )
    }
    assert len(ids) > 50
    hu = Texts("hu")._tr
    missing = [
        i for i in ids
        if (hu.gettext(i) == i if isinstance(i, str) else hu.ngettext(i[0], i[1], 2) == i[1])
    ]
    assert missing == []
    assert Texts("hu").plural("{n} waiting", "{n} waiting", 3) == "3 várakozó"
    assert Texts("en").minutes(14 * 60) == "about 14 minutes"
    assert Texts("hu").minutes(30) == "kevesebb mint egy perc"


def test_screenshots_of_every_screen_in_both_languages(tmp_path, capsys):
    out = tmp_path / "shots"
    (tmp_path / "none.toml").write_text("")  # the defaults (a missing --config file is an error)
    assert main(["--screenshots", str(out), "--screen", "800x1280", "--config", str(tmp_path / "none.toml")]) == 0
    files = sorted(out.glob("*.png"))
    names = {f.name for f in files}
    assert len(files) == 2 * len(sample_states("hu"))
    assert "800x1280-hu-09-ticket.png" in names and "800x1280-en-13-closed.png" in names
    for f in files:
        img = QImage(str(f))
        assert (img.width(), img.height()) == (800, 1280), f.name
        if "idle-warning" in f.name:  # dimmed behind the "are you still there?" card
            assert img.pixelColor(5, 5).lightness() < 40
            continue
        # not blank: the header's dark blue and the page's light grey are both there
        assert img.pixelColor(5, 5).name() == theme.HEADER_BG.lower(), f.name
        assert img.pixelColor(400, 1270).name() == theme.BG.lower(), f.name
    assert f"wrote {len(files)} screenshots" in capsys.readouterr().out
