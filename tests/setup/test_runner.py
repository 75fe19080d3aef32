"""The one device runner (sorra.runner) and the one start-up screen's words (sorra.qt.startup), without a hub.

Pairing, mDNS and a real hub are in tests/integration/test_pairing_apps.py;
here the runner's own decisions: launch at once or look for the hub, set-up
errors raised or shown, stop before and after the launch.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from sorra import startup
from sorra.config import parse
from sorra.qt.startup import RoleWords, approve_command, startup_lines
from sorra.runner import DeviceRunner, Role
from sorra.startup import SetupError

ROLE = Role("kiosk", "kiosk")


class Advertiser:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class App:
    def __init__(self, settings: Any) -> None:
        self.settings, self.stopped = settings, False

    def stop(self) -> None:
        self.stopped = True


class View:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def show_problem(self, text: str) -> None:
        self.problems.append(text)


@pytest.fixture
def advertiser(monkeypatch: pytest.MonkeyPatch) -> Advertiser:
    adv = Advertiser()
    monkeypatch.setattr(startup, "start_advertising", lambda cfg, interfaces, role: adv)
    return adv


def config(**hub: Any) -> Any:
    return parse({"device": {"id": "kiosk-1", "role": "kiosk", "site": "s"}, "hub": hub})


def test_a_device_set_up_by_hand_launches_at_once_and_stops_its_app(advertiser):
    runner = DeviceRunner(ROLE, config(host="10.0.0.5", username="kiosk-1", password="pw"), None,
                          view=View(), launch=lambda cfg, settings: App(settings), interfaces=None,
                          bus_options={"reconnect_max_s": 0.5})
    assert runner.start() is True
    app = runner.app
    assert (app.settings.host, app.settings.role, app.settings.reconnect_max_s) == ("10.0.0.5", "kiosk", 0.5)
    runner.stop()
    assert app.stopped and advertiser.stopped


def test_a_set_up_error_at_once_is_raised_and_one_after_the_search_is_shown(advertiser, monkeypatch):
    no_host = DeviceRunner(ROLE, config(username="kiosk-1", password="pw"), None, view=View(),
                           launch=lambda cfg, settings: App(settings), interfaces=None)
    with pytest.raises(SetupError, match=r"\[hub\] host is empty"):
        no_host.start()

    paired = config(username="kiosk-1", password="pw", fingerprint="ab" * 32)
    monkeypatch.setattr(startup, "locate_hub", lambda cfg, *args, **kwargs: (cfg, "10.0.0.7", 8883))

    def refuse(cfg: Any, settings: Any) -> App:
        raise SetupError("[printer] path is empty")

    view = View()
    shown = DeviceRunner(ROLE, paired, None, view=view, launch=refuse, interfaces=None)
    done = threading.Event()
    shown.invoke = lambda fn: (fn(), done.set())  # the launch runs "on the GUI thread"
    assert shown.start() is False  # the search runs on its thread
    assert done.wait(5)
    assert view.problems == ["[printer] path is empty"] and shown.app is None

    waiting = DeviceRunner(ROLE, paired, None, view=View(), launch=refuse, interfaces=None)
    with pytest.raises(SetupError):  # a device without a screen: its command exits with the error
        waiting.start(wait=True)


def test_stopped_before_the_hub_is_found_it_releases_what_the_start_up_held(advertiser, monkeypatch):
    released: list[bool] = []
    launched: list[Any] = []
    paired = config(username="kiosk-1", password="pw", fingerprint="ab" * 32)
    runner = DeviceRunner(ROLE, paired, None, view=View(), launch=lambda cfg, s: launched.append(s) or App(s),
                          abandon=lambda: released.append(True), interfaces=None)

    def locate(cfg: Any, path: Any, view: Any, stop: threading.Event, **kwargs: Any) -> tuple:
        runner.stop()  # SIGTERM while the hub is looked for
        return cfg, "10.0.0.7", 1883

    monkeypatch.setattr(startup, "locate_hub", locate)
    assert runner.start(wait=True) is False
    assert launched == [] and released == [True] and advertiser.stopped


def test_the_start_up_screen_says_the_same_for_every_role():
    words = RoleWords(refused="Refused (kiosk).", cannot_start="The kiosk cannot start yet.")
    lines = startup_lines("code", "123 456", "", words, "en")
    assert lines["title"] == "Pairing" and lines["code"] == "123 456"
    assert lines["command"] == "sorra hub device approve 123456" and lines["banner"] is None
    assert startup_lines("refused", "", "key differs", words, "en")["lead"] == "Refused (kiosk)."
    assert startup_lines("refused", "", "key differs", words, "en")["banner"] == "key differs"
    hu = startup_lines("searching", "", "", words, "hu")
    assert (hu["title"], hu["lead"], hu["code"]) == ("Indulás", "A központ keresése…", None)
    assert startup_lines("searching", "", "", words, "en", overlay=True)["title"] == "Pairing"
    # a counter terminal that does not know its counter asks the technician for it
    assert approve_command("123 456", counter=0) == "sorra hub device approve 123456 --counter N"
    assert approve_command("123 456", counter=4) == "sorra hub device approve 123456"
