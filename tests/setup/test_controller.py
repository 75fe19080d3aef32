"""The setup menu's controller (no Qt): PIN, edits, pages per role, hardware tests."""

from __future__ import annotations

import logging
import os
import queue
import select
import sys
import tty

import pytest
from gpiozero.pins.mock import MockFactory

from sorra import config as cfgmod
from sorra.setup import hardware, system
from sorra.setup.controller import PIN_ATTEMPTS, SetupController
from sorra.setup.hardware import GpioTest, Result


def make(tmp_path, role: str = "kiosk", require_pin: bool = False, **values) -> SetupController:
    path = tmp_path / "device.toml"
    cfg = cfgmod.set_values(cfgmod.DeviceConfig(), {"device.role": role, **values})
    cfgmod.save(cfg, path)
    return SetupController(path, require_pin=require_pin, clock=lambda: now[0])


now = [0.0]


def test_the_pin_unlocks_and_wrong_pins_lock_the_menu_for_a_minute(tmp_path):
    now[0] = 100.0
    ctl = make(tmp_path, require_pin=True)
    with pytest.raises(PermissionError):
        ctl.apply({"device.name": "x"})
    for _ in range(PIN_ATTEMPTS - 1):
        assert ctl.enter_pin("9999").message == "Wrong PIN."
    assert "Try again in 60 s" in ctl.enter_pin("9999").message
    assert not ctl.enter_pin("0000").ok  # the right PIN is refused while locked
    now[0] += 61
    assert ctl.enter_pin("0000").ok and ctl.unlocked
    ctl.lock()
    assert not ctl.unlocked


def test_changes_are_validated_and_saved_at_once(tmp_path):
    ctl = make(tmp_path, role="counter")
    seen = []
    ctl.listeners.append(seen.append)
    result = ctl.apply({"counter.number": "4", "device.name": "Ablak 4"})
    assert result.ok and "counter.number" in result.message
    on_disk = cfgmod.load(ctl.path)
    assert on_disk.counter.number == 4 and on_disk.device.name == "Ablak 4" and seen == [on_disk]

    bad = ctl.apply({"device.name": "kept?", "gpio.nxt": "5"})
    assert not bad.ok and "did you mean 'gpio.next'" in bad.message
    assert cfgmod.load(ctl.path).device.name == "Ablak 4"  # nothing of a refused change is saved


def test_pages_follow_the_role(tmp_path):
    pages = {role: [p.id for p in make(tmp_path, role=role).pages()] for role in ("kiosk", "counter", "display")}
    assert "printer" in pages["kiosk"] and "gpio" not in pages["kiosk"]
    assert {"gpio", "serial_display"} <= set(pages["counter"]) and "printer" not in pages["counter"]
    assert "audio" in pages["display"]
    for ids in pages.values():
        assert {"device", "hub", "screen", "network", "logs", "reset"} <= set(ids)
    kiosk = make(tmp_path, role="kiosk")
    assert "kiosk.screen" in kiosk.keys("screen") and "display.resolution" not in kiosk.keys("screen")
    assert "counter.number" not in kiosk.keys("device")
    assert "display.counters" in make(tmp_path, role="display").keys("screen")  # the display group


def test_printer_test_prints_the_sample_ticket(tmp_path):
    out = tmp_path / "job.bin"
    ctl = make(tmp_path, role="kiosk", **{"printer.type": "dummy", "printer.path": str(out)})
    result = ctl.test_printer()
    assert result.ok, result.message
    data = out.read_bytes()
    assert data.startswith(b"\x1b@") and len(data) > 200  # ESC @, then the ticket


def test_a_missing_role_package_is_said_clearly(tmp_path, monkeypatch):
    monkeypatch.setattr(hardware, "_TESTS", {})  # nothing registered: this process runs no kiosk
    monkeypatch.setitem(sys.modules, "kiosk.selftest", None)  # as on a display, where kiosk is absent
    result = make(tmp_path).test_printer()
    assert not result.ok and "needs the 'kiosk' package" in result.message


def test_each_role_registers_its_own_tests(tmp_path, monkeypatch):
    monkeypatch.setattr(hardware, "_TESTS", {})
    seen: list[tuple[str, dict]] = []
    hardware.register_test("serial", lambda config, **options: seen.append(("serial", options)) or
                           hardware.Result(True, "shown"))
    assert make(tmp_path, role="counter").test_serial("42").ok
    assert seen == [("serial", {"text": "42"})]


def test_gpio_live_test_with_gpiozeros_mock_pins(tmp_path):
    ctl = make(tmp_path, role="counter", **{"gpio.pin_factory": "mock"})
    ctl.pin_factory = factory = MockFactory()
    events: queue.Queue[tuple[str, bool]] = queue.Queue()
    test = ctl.open_gpio_test(lambda name, pressed: events.put((name, pressed)))
    assert isinstance(test, GpioTest)
    try:
        assert test.inputs["next"] == 17 and test.outputs["led_ready"] == 5
        factory.pin(17).drive_low()  # pressed: wired to ground, pulled up
        assert events.get(timeout=2) == ("next", True)
        factory.pin(17).drive_high()
        assert events.get(timeout=2) == ("next", False)
        test.set_output("led_ready", True)
        assert factory.pin(5).state
        test.set_output("led_ready", False)
        assert not factory.pin(5).state
    finally:
        test.close()


def test_gpio_pins_used_twice_are_refused(tmp_path):
    ctl = make(tmp_path, role="counter", **{"gpio.pin_factory": "mock", "gpio.recall": "17"})
    ctl.pin_factory = MockFactory()
    result = ctl.open_gpio_test(lambda *_: None)
    assert isinstance(result, Result) and not result.ok and "17" in result.message and "twice" in result.message


def test_serial_display_test_writes_to_the_port(tmp_path):
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        ctl = make(tmp_path, role="counter", **{"serial_display.model": "textline",
                                                "serial_display.port": os.ttyname(slave),
                                                "counter.number": "7"})
        result = ctl.test_serial()
        assert result.ok, result.message
        sent = b""
        while b"7" not in sent.split(b"88888888", 1)[-1]:  # both frames were written before test_serial returned
            ready, _, _ = select.select([master], [], [], 2)
            assert ready, f"the display got only {sent!r}"
            sent += os.read(master, 1024)
        assert sent.startswith(b"88888888")
    finally:
        os.close(master)
        os.close(slave)
    unplugged = make(tmp_path, role="counter", **{"serial_display.model": "textline",
                                                  "serial_display.port": str(tmp_path / "no-such-tty")})
    assert not unplugged.test_serial().ok
    assert "no LED display configured" in make(tmp_path, role="counter").test_serial().message


def test_audio_test_plays_a_sample_call(tmp_path):
    out = tmp_path / "sound"
    ctl = make(tmp_path, role="display", **{"audio.player": "file", "audio.out_dir": str(out),
                                            "audio.mode": "chime"})
    result = ctl.test_audio()
    assert result.ok, result.message
    assert list(out.glob("*.wav"))
    silent = make(tmp_path, role="display", **{"audio.mode": "silent"})
    assert "silent" in silent.test_audio().message


def test_network_information(tmp_path):
    rows = dict(make(tmp_path, **{"hub.host": "10.1.2.3"}).network())
    assert rows["Host name"] and "127.0.0.1" in " ".join(rows.values())
    assert rows["Hub"] == "10.1.2.3:1883 (manual)" and rows["Pairing"] == "not paired"


def test_recent_logs_come_from_this_process_without_a_journal(tmp_path, monkeypatch):
    monkeypatch.setattr(system.shutil, "which", lambda name: None)  # no journalctl here
    system.install_log_buffer()
    logging.getLogger("sorra.test").warning("printer paper low")
    assert any("printer paper low" in line for line in make(tmp_path).logs(50))


def test_factory_reset_keeps_the_role_only(tmp_path):
    ctl = make(tmp_path, role="display", **{"device.name": "Lobby", "audio.volume": "30",
                                            "device.setup_pin": "2468"})
    result = ctl.factory_reset(notify_hub=False)
    assert result.ok and "defaults" in result.message
    cfg = cfgmod.load(ctl.path)
    assert cfg.device.role == "display" and cfg.device.name == "" and cfg.audio.volume == 80
    assert cfg.device.setup_pin.get_secret_value() == "0000"
