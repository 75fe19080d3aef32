"""The [counter]/[gpio]/[serial_display] sections and the command's error paths."""

from __future__ import annotations

import threading

import pytest

from counter_terminal.app import CounterApp, SetupError, controller_settings
from counter_terminal.cli import main
from sorra.config import ConfigError, parse


def test_counter_sections_parse_and_refuse_typos():
    cfg = parse({
        "counter": {"number": 3, "auto_login_clerk": "kovacs", "auto_login_pin": "1234",
                    "clerks": ["kovacs", "nagy"]},
        "serial_display": {"model": "framed", "address": 7},
    })
    s = controller_settings(cfg, headless=True)
    assert s.auto_login == ("kovacs", "1234") and s.clerks == ("kovacs", "nagy")
    assert "1234" not in repr(cfg.counter)  # the PIN is a secret
    with pytest.raises(ConfigError, match="did you mean 'counter.hold_s'"):
        parse({"counter": {"hold_ss": 2}})


def paired_config(hub, number: int = 3, **counter):
    settings = hub.device_settings("counter-3", "counter", counter=3)
    return parse({
        "device": {"id": "counter-3", "role": "counter", "site": hub.site},
        "hub": {"host": settings.host, "mqtt_port": settings.port, "username": settings.username,
                "password": settings.password},
        "gpio": {"pin_factory": "mock", "buzzer": 26, "feedback_good": 12},
        "serial_display": {"model": "dummy"},
        "counter": {"number": number, **counter},
    })


def test_app_builds_from_config_with_mock_pins_and_connects(hub):
    hub.admin.add_counter(3, "Ablak 3")
    app = CounterApp(paired_config(hub), invoke=lambda fn: fn())
    online = threading.Event()
    app.controller.add_listener(lambda vm: online.set() if vm.online and vm.counter_name == "Ablak 3" else None)
    try:
        app.start(tick=False)
        assert online.wait(10)
        assert app.lights.modes["offline"] == "off"
        app.controller.tick()
    finally:
        app.stop()


def test_app_needs_the_counter_number_of_its_pairing(hub):
    with pytest.raises(SetupError, match=r"\[counter\] number is 0"):
        CounterApp(paired_config(hub, number=0), invoke=lambda fn: fn())


def test_command_explains_a_terminal_that_is_not_paired(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SORRA_MDNS_INTERFACES", "off")  # no hub address and no mDNS: it cannot even pair
    path = tmp_path / "device.toml"
    path.write_text('[device]\nid = "counter-3"\nrole = "counter"\n[gpio]\npin_factory = "mock"\n')
    assert main(["--config", str(path), "--headless"]) == 3
    assert "host is empty" in capsys.readouterr().err
    path.write_text('[counter]\nnumbr = 3\n')
    assert main(["--config", str(path)]) == 2
