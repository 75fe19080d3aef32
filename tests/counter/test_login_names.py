"""The sign-in screen shows the clerks' names from the hub, and still sends the id."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from counter_terminal.views import ClerkWindow


class Recorder:
    def __init__(self) -> None:
        self.calls = []

    def __getattr__(self, name):
        return lambda *a, **k: self.calls.append((name, a, k))


def test_the_sign_in_screen_shows_names_not_ids(make_rig, qtbot, tmp_path):
    rig = make_rig(clerk=None, clerks=("kovacs", "nagy"))
    vm = rig.wait(lambda vm: vm.page == "login" and dict(vm.clerk_names).get("nagy"))
    assert dict(vm.clerk_names) == {"kovacs": "Kovács Anna", "nagy": "Nagy Béla"}
    actions = Recorder()
    w = ClerkWindow(actions, "hu")
    qtbot.addWidget(w)
    w.resize(1024, 600)
    w.render(vm)
    login = w.pages["login"]
    assert {cid: b.text() for cid, b in login._clerk_buttons.items()} == {"kovacs": "Kovács Anna",
                                                                         "nagy": "Nagy Béla"}
    qtbot.mouseClick(login._clerk_buttons["nagy"], Qt.MouseButton.LeftButton)
    for d in "4321":
        qtbot.mouseClick(login.keypad.buttons[d], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(login.keypad.buttons["OK"], Qt.MouseButton.LeftButton)
    assert actions.calls[-1] == ("login", ("nagy", "4321"), {})
    w.show()
    w.grab().save(str(tmp_path / "login.png"))
