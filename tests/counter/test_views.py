"""The clerk screen: renders view models, turns touches into controller calls, screenshots."""

from __future__ import annotations

from dataclasses import replace

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage

from counter_terminal.cli import main
from counter_terminal.screenshots import samples
from counter_terminal.views import ClerkWindow
from counter_terminal.views.theme import MIN_TOUCH_PX


class Recorder:
    def __init__(self) -> None:
        self.calls = []

    def __getattr__(self, name):
        return lambda *a, **k: self.calls.append((name, a, k))


def test_main_page_buttons_call_the_controller(qtbot):
    actions = Recorder()
    w = ClerkWindow(actions, "en")
    qtbot.addWidget(w)
    vm = samples("en")["called"]
    w.render(vm)
    page = w.pages["main"]
    assert page.number.text() == "A042"
    qtbot.mouseClick(page.buttons["recall"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.buttons["next"], Qt.MouseButton.LeftButton)  # customer at desk → Done + Next
    qtbot.mouseClick(page.buttons["transfer"], Qt.MouseButton.LeftButton)
    assert actions.calls == [("press", ("recall",), {}), ("press", ("finish_and_next",), {}),
                             ("press", ("transfer",), {})]
    for b in page.buttons.values():
        if b.isVisible():
            assert b.height() >= MIN_TOUCH_PX and b.width() >= MIN_TOUCH_PX, b.text()


def test_pending_press_disables_the_buttons_and_says_so(qtbot):
    w = ClerkWindow(Recorder(), "hu")
    qtbot.addWidget(w)
    w.render(samples("hu")["sending-offline"])
    page = w.pages["main"]
    assert not any(b.isEnabled() for n, b in page.buttons.items() if n != "unpark")
    assert "Küldés" in page.banner.text()
    assert w.conn.text() == "NINCS KAPCSOLAT"


def test_login_keypad_and_transfer_picker(qtbot):
    actions = Recorder()
    w = ClerkWindow(actions, "en")
    qtbot.addWidget(w)
    w.render(samples("en")["login"])
    login = w.pages["login"]
    qtbot.mouseClick(login._clerk_buttons["nagy"], Qt.MouseButton.LeftButton)
    for d in "4321":
        qtbot.mouseClick(login.keypad.buttons[d], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(login.keypad.buttons["OK"], Qt.MouseButton.LeftButton)
    assert actions.calls[-1] == ("login", ("nagy", "4321"), {})
    w.render(samples("en")["transfer"])
    tp = w.pages["transfer"]
    qtbot.mouseClick(tp.first, Qt.MouseButton.LeftButton)
    button = next(tp.counters.itemAt(i).widget() for i in range(tp.counters.count()))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert actions.calls[-1] == ("transfer", (), {"counter": 4, "position": "first"})


def test_profile_reorder_and_save(qtbot):
    actions = Recorder()
    w = ClerkWindow(actions, "en")
    qtbot.addWidget(w)
    w.render(samples("en")["profile"])
    page = w.pages["profile"]
    page._move(2, -1)  # Vehicles above ID documents
    qtbot.mouseClick(page.save, Qt.MouseButton.LeftButton)
    name, (rows,), _ = actions.calls[-1]
    assert name == "save_profile"
    assert [r.service for r in rows] == ["B", "C", "A"]
    assert rows[0].weight >= rows[1].weight > rows[2].weight


def test_background_page_starts_with_kind_and_note(qtbot):
    actions = Recorder()
    w = ClerkWindow(actions, "en")
    qtbot.addWidget(w)
    w.render(samples("en")["background"])
    page = w.pages["background"]
    page._pick("Phone call")
    page.note.setText("2024/1187")
    qtbot.mouseClick(page.go, Qt.MouseButton.LeftButton)
    assert actions.calls[-1] == ("background_start", ("Phone call", "2024/1187"), {})
    w.render(samples("en")["background-running"])
    qtbot.mouseClick(page.go, Qt.MouseButton.LeftButton)
    assert actions.calls[-1] == ("background_stop", (), {})


def test_language_switch_in_place(qtbot):
    w = ClerkWindow(Recorder(), "en")
    qtbot.addWidget(w)
    vm = samples("en")["idle"]
    w.render(vm)
    assert w.pages["main"].buttons["next"].text() == "Next"
    w.render(replace(vm, lang="hu"))
    assert w.pages["main"].buttons["next"].text() == "Következő"


def test_screenshots_command_writes_pngs(qtbot, tmp_path):
    assert main(["--screenshots", str(tmp_path)]) == 0
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "counter-hu-serving.png" in pngs and "counter-en-login.png" in pngs
    assert len(pngs) == 2 * len(samples("en"))
    img = QImage(str(tmp_path / "counter-hu-serving.png"))
    assert (img.width(), img.height()) == (800, 480)
