"""Device configuration: schema, defaults, validation messages, atomic writes, secrets."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from sorra import config as cfgmod
from sorra.config import ConfigError, DeviceConfig


def write(tmp_path, text: str):
    path = tmp_path / "device.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_file_gives_the_defaults(tmp_path):
    cfg = cfgmod.load(tmp_path / "absent.toml")
    assert cfg == DeviceConfig()
    assert cfg.hub.mqtt_port == 1883 and cfg.gpio.next == 17 and cfg.printer.type == "dummy"


def test_load_save_round_trip(tmp_path):
    path = write(tmp_path, '[device]\nrole = "counter"\nname = "Ablak 3"\n[counter]\nnumber = 3\n'
                           '[gpio]\nnext = 5\n[hub]\npassword = "s3cret"\n')
    cfg = cfgmod.load(path)
    assert (cfg.device.role, cfg.counter.number, cfg.gpio.next) == ("counter", 3, 5)
    out = tmp_path / "copy.toml"
    cfgmod.save(cfg, out)
    assert cfgmod.load(out) == cfg


def test_unknown_keys_and_sections_get_a_did_you_mean(tmp_path):
    with pytest.raises(ConfigError) as err:
        cfgmod.load(write(tmp_path, "[gpio]\nnxet = 4\n[printr]\ntype = 'usb'\n"))
    text = str(err.value)
    assert "unknown key 'gpio.nxet' (did you mean 'gpio.next'?)" in text
    assert "unknown key 'printr' (did you mean 'printer'?)" in text


def test_wrong_values_name_the_key_and_the_reason(tmp_path):
    with pytest.raises(ConfigError) as err:
        cfgmod.load(write(tmp_path, "[counter]\nnumber = 1000\n[hub]\nmqtt_port = 'x'\n"))
    text = str(err.value)
    assert "counter.number" in text and "999" in text and "hub.mqtt_port" in text


def test_bad_toml_is_reported_with_the_file(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        cfgmod.load(write(tmp_path, "[device\nrole = kiosk"))


def test_set_value_parses_text_for_the_field_type():
    cfg = DeviceConfig()
    cfg = cfgmod.set_values(cfg, {"gpio.next": "18", "gpio.buzzer": "none", "printer.usb_vendor": "0x04b9",
                                  "display.counters": "1, 2,3", "counter.fullscreen": "no",
                                  "display.services": '["A", "B"]', "audio.volume": "55"})
    assert cfg.gpio.next == 18 and cfg.gpio.buzzer is None and cfg.printer.usb_vendor == 0x04B9
    assert cfg.display.counters == [1, 2, 3] and cfg.counter.fullscreen is False
    assert cfg.display.services == ["A", "B"] and cfg.audio.volume == 55


def test_set_value_refuses_with_did_you_mean():
    cfg = DeviceConfig()
    with pytest.raises(ConfigError, match=r"unknown key 'gpio.nxt' \(did you mean 'gpio.next'\?\)"):
        cfgmod.set_value(cfg, "gpio.nxt", "4")
    with pytest.raises(ConfigError, match=r"unknown section 'gpoi' \(did you mean 'gpio'\?\)"):
        cfgmod.set_value(cfg, "gpoi.next", "4")
    with pytest.raises(ConfigError, match=r"printer.type: .*did you mean 'network'"):
        cfgmod.set_value(cfg, "printer.type", "netwrk")
    with pytest.raises(ConfigError, match="counter.number"):
        cfgmod.set_value(cfg, "counter.number", "-1")
    with pytest.raises(ConfigError, match="HH:MM-HH:MM=VOLUME"):
        cfgmod.set_value(cfg, "audio.quiet_hours", "morning")
    assert cfg == DeviceConfig()  # a refused change changes nothing


def test_set_values_is_all_or_nothing():
    cfg = DeviceConfig()
    with pytest.raises(ConfigError):
        cfgmod.set_values(cfg, {"gpio.next": "4", "gpio.recall": "x"})
    assert cfg.gpio.next == 17


def test_secrets_are_masked_everywhere_but_the_file(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    cfg = cfgmod.set_values(DeviceConfig(), {"hub.password": "hunter2-secret", "device.setup_pin": "4321"})
    logging.getLogger("test").info("config: %s / %r / %s", cfg, cfg, cfgmod.redacted(cfg))
    shown = " ".join(v for _, v, _ in cfgmod.describe(cfg))
    for text in (str(cfg), repr(cfg), str(cfgmod.redacted(cfg)), shown, caplog.text):
        assert "hunter2-secret" not in text and "4321" not in text
    assert cfgmod.shown(cfg.hub.password) == "**********"
    assert cfgmod.is_secret("hub.password") and not cfgmod.is_secret("hub.host")
    path = cfgmod.save(cfg, tmp_path / "d.toml")
    assert "hunter2-secret" in path.read_text()
    with pytest.raises(ConfigError) as err:
        cfgmod.set_value(cfg, "hub.password", 12345)
    assert "12345" not in str(err.value)


def test_docs_come_from_the_schema():
    assert "key fingerprint" in cfgmod.field_doc("hub.fingerprint")
    assert "hub.host" in cfgmod.keys() and "gpio.next" in cfgmod.keys()
    assert cfgmod.choices("printer.type") == ["dummy", "usb", "serial", "network", "file"]


def test_save_is_atomic_and_private(tmp_path, monkeypatch):
    path = tmp_path / "etc" / "device.toml"
    cfgmod.save(DeviceConfig(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = path.read_text()

    def power_cut(src, dst):
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", power_cut)
    with pytest.raises(OSError, match="power cut"):
        cfgmod.save(cfgmod.set_value(DeviceConfig(), "device.name", "new"), path)
    monkeypatch.undo()
    assert path.read_text() == before  # the old file, whole
    assert [p.name for p in path.parent.iterdir()] == ["device.toml"]  # no temp file left behind


def test_save_keeps_an_existing_files_mode(tmp_path):
    path = cfgmod.save(DeviceConfig(), tmp_path / "d.toml")
    os.chmod(path, 0o640)
    cfgmod.save(cfgmod.set_value(DeviceConfig(), "device.name", "x"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640 and cfgmod.load(path).device.name == "x"


@pytest.mark.parametrize("role", ["kiosk", "counter", "display"])
def test_a_missing_config_file_named_on_the_command_line_is_an_error(tmp_path: Path, role: str) -> None:
    import subprocess
    import sys

    missing = tmp_path / "kisok.toml"  # a typo: the app must not run as an unnamed device on defaults
    r = subprocess.run([sys.executable, "-m", "sorra.cli", role, "--config", str(missing)],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode != 0
    assert str(missing) in r.stderr and "no such configuration file" in r.stderr
    assert "Traceback" not in r.stderr
