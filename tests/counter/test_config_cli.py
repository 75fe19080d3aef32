"""The [counter]/[gpio]/[serial_display] sections and the command's error paths."""

from __future__ import annotations

import pytest

from counter_terminal.app import CounterApp, controller_settings
from counter_terminal.cli import main
from sorra.config import ConfigError, parse

from .fakes import FakeBus


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


def test_app_builds_from_config_with_mock_pins():
    cfg = parse({"gpio": {"pin_factory": "mock", "buzzer": 26, "feedback_good": 12},
                 "serial_display": {"model": "dummy"}, "counter": {"number": 3}})
    app = CounterApp(cfg, bus=FakeBus(), invoke=lambda fn: fn())
    try:
        app.start(tick=False)
        assert app.lights.modes["offline"] == "off"
        app.controller.tick()
    finally:
        app.stop()


def test_command_explains_a_terminal_that_is_not_paired(tmp_path, capsys):
    path = tmp_path / "device.toml"
    path.write_text('[device]\nid = "counter-3"\nrole = "counter"\n[gpio]\npin_factory = "mock"\n')
    assert main(["--config", str(path), "--headless"]) == 3
    assert "host is empty" in capsys.readouterr().err
    path.write_text('[counter]\nnumbr = 3\n')
    assert main(["--config", str(path)]) == 2
