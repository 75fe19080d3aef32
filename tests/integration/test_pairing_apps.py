"""A new device, end to end: fresh config → start-up path → code on its screen → approved on the hub → it works.

Real hub (engine, SQLite, Mosquitto, pairing service, mDNS on 127.0.0.1 under
a site no other test uses), the apps' own start-up code, Qt offscreen, a pty
as the counter's LED display. Every wait is on an event or a condition.
"""

from __future__ import annotations

import os
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import tty
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from counter_terminal.app import HeadlessTerminal
from counter_terminal.cli import ScreenLauncher
from counter_terminal.hardware.number_display import textline_frame
from display.app import DisplayApp
from kiosk.app import KioskLauncher
from kiosk.model import PrintState, Screen
from kiosk.views.startup import approve_command
from sorra import config as cfgmod
from tests.counter.rig import Clock, Watch
from tests.discovery.helpers import LOOP, device_config, hub_announced, new_site

SERVICE = {"id": "A", "names": {"hu": "Okmány", "en": "Documents"}, "prefix": "A"}


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORRA_MDNS_INTERFACES", "127.0.0.1")


def fresh_config(path: Path, site: str, role: str, **sections: dict) -> cfgmod.DeviceConfig:
    """What a technician's new SD card holds: a role and a site, no hub address, no credentials."""
    cfg = device_config(site, role=role)
    for section, values in sections.items():
        for key, value in values.items():
            setattr(getattr(cfg, section), key, value)
    cfgmod.save(cfg, path)
    return cfgmod.load(path)


def pending_codes(h) -> list[str]:
    return [p["code"] for p in h.hub.worker.call("admin.pairing_pending", {})["pending"]]


def test_a_new_kiosk_shows_its_code_is_approved_and_prints_a_ticket(qtbot, hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    h.admin.add_service(**SERVICE)
    path = tmp_path / "kiosk.toml"
    cfg = fresh_config(path, site, "kiosk", device={"name": "Entrance"}, kiosk={"fullscreen": False},
                       printer={"type": "dummy"})
    launcher = KioskLauncher(cfg, path, windowed=True, interfaces=LOOP, settle_s=0.2)
    launcher.start()
    try:
        screen = launcher.startup
        qtbot.waitUntil(lambda: screen.phase == "code", timeout=20000)
        code = screen.code
        assert screen.isVisible() and code in screen.texts()
        assert approve_command(code) in screen.texts() and "sorra hub device approve" in approve_command(code)
        assert code in pending_codes(h)
        # the hub lists the kiosk it saw on the network (mDNS), not yet paired
        seen = h.hub.discovery.wait_seen(10, lambda ds: any(d.role == "kiosk" and not d.paired for d in ds))
        assert any(d.role == "kiosk" and d.site == site for d in seen)

        h.hub.worker.call("admin.pairing_approve", {"code": code})
        qtbot.waitUntil(lambda: launcher.app is not None, timeout=20000)
        app = launcher.app
        saved = cfgmod.load(path)
        assert saved.hub.fingerprint == h.hub.pairing.identity.fingerprint and saved.hub.username
        assert saved.hub.host == "" and app.bus.settings.host == "127.0.0.1" and app.bus.settings.port == h.hub.device_port
        assert app.bus.settings.tls and app.bus.settings.ca_pem == h.hub.tls.ca_pem  # TLS, the CA the hub signed
        assert launcher.window.isVisible() and not screen.isVisible()

        ctl = app.controller
        qtbot.waitUntil(lambda: ctl.state.screen is Screen.START, timeout=15000)
        ctl.get_ticket()
        ctl.choose_service("A")
        ctl.confirm()
        qtbot.waitUntil(lambda: ctl.state.ticket is not None and ctl.state.ticket.print_state is PrintState.PRINTED,
                        timeout=15000)
        number = ctl.state.ticket.number
        assert number.startswith("A")
        assert [t.number for t in h.hub.engine.state.tickets.values()] == [number]
        assert len(app.device.printer.jobs) == 1
    finally:
        launcher.stop()


class Pty:
    """The LED display's side of the counter terminal's serial line."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.buf = b""

    def wait_for(self, pattern: bytes, timeout: float = 15.0) -> re.Match[bytes]:
        while (m := re.search(pattern, self.buf)) is None:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"the LED display got only {self.buf!r}, waiting for {pattern!r}"
            self.buf += os.read(self.master, 1024)
        return m

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


NEXT = 17


def test_a_new_headless_counter_shows_its_code_on_the_led_display_and_calls_a_ticket(hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    h.admin.add_service(**SERVICE)
    h.admin.add_counter(3, "3. ablak")
    h.admin.add_clerk("kovacs", "Kovács Anna", "1234", profile=[("A", 1)])
    pty, factory, clock = Pty(), MockFactory(), Clock()
    path = tmp_path / "counter.toml"
    cfg = fresh_config(path, site, "counter", counter={"headless": True}, gpio={"pin_factory": "mock"},
                       serial_display={"model": "textline", "port": pty.path, "width": 8})
    terminal = HeadlessTerminal(cfg, path, interfaces=LOOP, pin_factory=factory, settle_s=0.2, tick=False,
                                button_options={"clock": clock, "run_thread": False})
    started = threading.Event()
    runner = threading.Thread(target=lambda: terminal.start() and started.set(), name="test-headless", daemon=True)
    runner.start()
    try:
        frame = pty.wait_for(rb" ?(\d{3} \d{3})\r\n")  # the code, as the display's frame
        code = frame.group(1).decode()
        assert frame.group(0) == textline_frame(code, 8)
        assert code in pending_codes(h)
        with pytest.raises(Exception, match="--counter"):  # a counter terminal needs its number
            h.hub.worker.call("admin.pairing_approve", {"code": code})
        h.hub.worker.call("admin.pairing_approve", {"code": code, "counter": 3})
        assert started.wait(20), "the terminal did not start after the approval"
        app = terminal.app
        saved = cfgmod.load(path)
        assert saved.counter.number == 3 and saved.hub.fingerprint == h.hub.pairing.identity.fingerprint
        assert app.display is terminal.display  # one serial port, opened once

        watch = Watch()
        app.controller.add_listener(watch)
        watch.wait(lambda vm: vm.online and vm.counter_name == "3. ablak", 15)
        app.invoke(lambda: app.controller.login("kovacs", "1234"))
        watch.wait(lambda vm: vm.clerk_id == "kovacs" and vm.state == "open" and vm.pending is None)
        kiosk = h.client("kiosk-1", "kiosk")
        number = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]["number"]
        pin = factory.pin(NEXT)
        pin.drive_low()
        clock.advance(0.12)
        app.buttons.poll()
        pin.drive_high()
        clock.advance(0.3)
        app.buttons.poll()
        pty.wait_for(re.escape(textline_frame(number, 8)))
        watch.wait(lambda vm: vm.ticket is not None and vm.ticket.number == number and vm.state == "called")
    finally:
        terminal.stop()
        runner.join(10)
        factory.reset()
        pty.close()


def test_a_new_display_shows_its_code_full_screen_then_the_office(qtbot, hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    h.admin.set_office(name={"hu": "Próba Kormányablak", "en": "Test Government Window"})
    path = tmp_path / "display.toml"
    cfg = fresh_config(path, site, "display", device={"lang": "en"}, audio={"player": "none"},
                       display={"media_cache": str(tmp_path / "cache"), "fullscreen": False})
    app = DisplayApp(cfg, config_path=path, interfaces=LOOP, settle_s=0.2, reconnect_max_s=0.3)
    qtbot.addWidget(app.window)
    app.window.resize(1280, 720)
    app.window.show()
    app.start()
    try:
        assert app.startup.isVisible() and "Looking for the hub…" in app.startup.texts()
        qtbot.waitUntil(lambda: app.startup.phase == "code", timeout=20000)
        code = app.startup.code
        shown = app.startup.texts()
        assert code in shown and f"sorra hub device approve {code.replace(' ', '')}" in shown
        assert app.startup.geometry() == app.window.rect()  # the whole screen
        h.hub.worker.call("admin.pairing_approve", {"code": code})
        qtbot.waitUntil(lambda: app.controller.state.online and not app.startup.isVisible(), timeout=20000)
        qtbot.waitUntil(lambda: app.controller.state.office_name == "Test Government Window", timeout=10000)
        assert cfgmod.load(path).hub.fingerprint == h.hub.pairing.identity.fingerprint
    finally:
        app.stop()


def test_a_paired_kiosk_refuses_a_hub_with_another_key_on_its_screen(qtbot, hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)  # announces the site with its own key
    hub_announced(h)
    path = tmp_path / "kiosk.toml"
    cfg = fresh_config(path, site, "kiosk", device={"id": "kiosk-9", "lang": "en"}, kiosk={"fullscreen": False},
                       hub={"username": "kiosk-9", "password": "x", "fingerprint": "ab" * 32})
    launcher = KioskLauncher(cfg, path, windowed=True, interfaces=LOOP, resolve_timeout_s=1.5)
    launcher.start()
    try:
        qtbot.waitUntil(lambda: launcher.startup.phase == "refused", timeout=20000)
        shown = " ".join(launcher.startup.texts())
        assert "Refused: this is not the hub this kiosk was paired with." in shown
        assert "its key is not the one this device paired with (abababab" in shown
        assert launcher.app is None  # its password never went to that hub
    finally:
        launcher.stop()


def test_a_counter_with_a_clerk_screen_shows_the_code_on_the_screen_and_the_led_display(qtbot, hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    h.admin.add_counter(4, "4. ablak")
    path = tmp_path / "counter.toml"
    cfg = fresh_config(path, site, "counter", device={"lang": "hu"}, counter={"number": 4, "fullscreen": False},
                       gpio={"pin_factory": "mock"}, serial_display={"model": "dummy"})
    launcher = ScreenLauncher(cfg, path, fullscreen=False, interfaces=LOOP, settle_s=0.2)
    launcher.start()
    try:
        qtbot.waitUntil(lambda: launcher.startup.phase == "code", timeout=20000)
        code = launcher.startup.code
        assert "Párosítás" in launcher.startup.texts() and code in launcher.startup.texts()
        # it knows its counter, so the technician needs no --counter
        assert f"sorra hub device approve {code.replace(' ', '')}" in launcher.startup.texts()
        assert launcher.display.text == code
        h.hub.worker.call("admin.pairing_approve", {"code": code})
        qtbot.waitUntil(lambda: launcher.window is not None and launcher.window.isVisible(), timeout=20000)
        assert not launcher.startup.isVisible()
        qtbot.waitUntil(lambda: launcher.app.controller.vm.online, timeout=15000)
    finally:
        launcher.stop()


def test_sorra_kiosk_pairs_from_a_fresh_file_and_exits_cleanly(hub_factory, tmp_path):
    """The command itself: the code in its log, the credentials in its file, exit 0 on SIGTERM."""
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    h.admin.add_service(**SERVICE)
    path = tmp_path / "kiosk.toml"
    fresh_config(path, site, "kiosk", kiosk={"fullscreen": False}, printer={"type": "dummy"})
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SORRA_LOG_LEVEL": "INFO",
           "ESCPOS_CAPABILITIES_PICKLE_DIR": str(tmp_path / "escpos")}
    proc = subprocess.Popen([sys.executable, "-m", "sorra.cli", "kiosk", "--config", str(path),
                             "--mdns-interface", "127.0.0.1"],
                            cwd=Path(__file__).parents[2], env=env, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()

    def until(pattern: str) -> re.Match[str]:
        while True:
            line = lines.get(timeout=20)
            if m := re.search(pattern, line):
                return m

    try:
        code = until(r"pairing code (\d{3} \d{3}): approve it on the hub").group(1)
        h.hub.worker.call("admin.pairing_approve", {"code": code})
        until(r"hub reachable: in service")
        assert cfgmod.load(path).hub.fingerprint == h.hub.pairing.identity.fingerprint
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
