"""``sorra setup`` over SSH: show, set (validated), tests, pairing with a real hub."""

from __future__ import annotations

import threading

import pytest

from sorra import config as cfgmod
from sorra.cli import main as sorra
from tests.discovery.helpers import hub_announced, new_site


@pytest.fixture
def device(tmp_path):
    path = tmp_path / "device.toml"
    cfgmod.save(cfgmod.set_values(cfgmod.DeviceConfig(), {"device.role": "counter", "gpio.pin_factory": "mock",
                                                          "hub.password": "topsecret"}), path)
    return path


def run(path, *args: str) -> int:
    return sorra(["setup", "--config", str(path), *args])


def test_show_masks_secrets_and_set_validates(device, capsys):
    assert run(device, "show", "hub", "--doc") == 0
    out = capsys.readouterr().out
    assert "hub.password = **********" in out and "topsecret" not in out and "# The paired hub's key" in out

    assert run(device, "set", "gpio.nxt", "5") == 2
    assert "did you mean 'gpio.next'" in capsys.readouterr().err
    assert run(device, "set", "counter.number", "1000") == 2
    assert "counter.number" in capsys.readouterr().err
    assert run(device, "show", "gpoi") == 2
    assert "did you mean 'gpio'" in capsys.readouterr().err

    assert run(device, "set", "counter.number", "3") == 0
    assert run(device, "get", "counter.number") == 0
    assert capsys.readouterr().out.strip().endswith("3")
    assert cfgmod.load(device).counter.number == 3


def test_hardware_tests_from_the_command_line(device, capsys):
    assert run(device, "test", "gpio", "--seconds", "0", "--led-seconds", "0") == 0
    out = capsys.readouterr().out
    assert "next (GPIO17)" in out and "led_ready (GPIO5) on" in out
    assert run(device, "test", "serial") == 1
    assert "no LED display configured" in capsys.readouterr().out


def test_network_logs_and_reset(device, capsys):
    assert run(device, "network") == 0
    assert "mDNS:" in capsys.readouterr().out
    assert run(device, "logs", "-n", "5") == 0
    assert run(device, "reset") == 2  # asks for --yes
    assert run(device, "reset", "--yes", "--local-only") == 0
    assert cfgmod.load(device).device.role == "counter" and cfgmod.load(device).gpio.pin_factory == "auto"


def test_pair_from_the_command_line(hub_factory, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SORRA_MDNS_INTERFACES", "127.0.0.1")
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    path = tmp_path / "d.toml"
    cfgmod.save(cfgmod.set_values(cfgmod.DeviceConfig(), {"device.role": "display", "device.site": site}), path)
    asked = threading.Event()
    codes: list[str] = []
    h.hub.pairing.listeners.append(lambda code: (codes.append(code), asked.set()))

    def approve() -> None:
        if asked.wait(20):
            h.hub.pairing.approve(codes[0])

    approver = threading.Thread(target=approve)
    approver.start()
    try:
        assert run(path, "--mdns-interface", "127.0.0.1", "pair", "--timeout", "30") == 0
    finally:
        approver.join(25)
    out = capsys.readouterr().out
    assert f"PAIRING CODE:  {codes[0]}" in out and "Paired with the hub" in out
    assert run(path, "pair") == 0 and "already paired" in capsys.readouterr().out
    assert run(path, "--mdns-interface", "127.0.0.1", "check-hub") == 0
    assert "holds the paired key" in capsys.readouterr().out
    assert run(path, "--mdns-interface", "127.0.0.1", "unpair") == 0
    assert "no longer works" in capsys.readouterr().out
