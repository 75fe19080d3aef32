"""install.sh against a scratch root (--root): files, idempotency, uninstall, role switch.

In --root mode the installer must not touch the running system: apt-get, systemctl,
udevadm, pip… are replaced on PATH by stubs that record any call, and the log must
stay empty.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from sorra import config as sorra_config
from tests.deploy.conftest import (
    GRAPHICAL,
    PI_CMDLINE_TXT,
    PI_CONFIG_TXT,
    REPO,
    ROLES,
    parse_unit,
    run_installer,
    snapshot,
)


def forbidden_calls(root: Path) -> str:
    log = root.parent / "forbidden.log"
    return log.read_text() if log.exists() else ""


def cmdline(root: Path) -> list[str]:
    return (root / "boot/firmware/cmdline.txt").read_text().split()


@pytest.mark.parametrize("role", ROLES)
def test_install_role_into_scratch_root_twice(scratch_root, role):
    root = scratch_root()
    proc = run_installer(root, "--role", role)
    assert forbidden_calls(root) == "", "--root must not run apt, systemctl, pip or udevadm"
    assert "skipping apt" in proc.stdout

    unit = root / f"etc/systemd/system/sorra-{role}.service"
    assert unit.read_text() == (REPO / f"systemd/sorra-{role}.service").read_text()
    target = parse_unit(unit.read_text())["Install"]["WantedBy"][0]
    link = root / f"etc/systemd/system/{target}.wants/sorra-{role}.service"
    assert os.readlink(link) == f"/etc/systemd/system/sorra-{role}.service"

    for path in ("etc/sysusers.d/sorra.conf", "etc/tmpfiles.d/sorra.conf",
                 "etc/systemd/system.conf.d/sorra-watchdog.conf",
                 "etc/systemd/journald.conf.d/sorra.conf", "opt/sorra/share/install.sh",
                 f"opt/sorra/share/systemd/sorra-{role}.service"):
        assert (root / path).is_file(), path

    device = root / "etc/sorra/device.toml"
    assert oct(device.stat().st_mode & 0o777) == "0o600"
    parsed = sorra_config.load(device)
    assert parsed.device.role == role
    assert parsed.device.site == "office"

    config_txt = (root / "boot/firmware/config.txt").read_text()
    assert config_txt.startswith(PI_CONFIG_TXT)
    block = config_txt[len(PI_CONFIG_TXT):]
    assert block.startswith(f"# BEGIN sorra ({role})")
    assert (REPO / f"firmware_configs/{role}/config.txt").read_text() in block
    assert block.endswith("# END sorra\n")
    assert "dtparam=watchdog=on" in block
    assert "consoleblank=0" in cmdline(root)

    # idempotent: a second run changes nothing
    first = snapshot(root)
    run_installer(root, "--role", role)
    assert snapshot(root) == first


@pytest.mark.parametrize("role", GRAPHICAL)
def test_graphical_roles_get_session_and_tty1(scratch_root, role):
    root = scratch_root()
    run_installer(root, "--role", role)
    session = root / "opt/sorra/bin/sorra-session"
    assert os.access(session, os.X_OK)
    env = (root / "etc/sorra/session.env").read_text()
    assert "SORRA_SESSION=cage" in env and "${" not in env
    # the kiosk session owns tty1: getty is disabled, and given back on uninstall
    getty = root / "etc/systemd/system/getty.target.wants/getty@tty1.service"
    assert not getty.is_symlink()
    assert "console=serial0,115200" not in cmdline(root) or role == "display"
    run_installer(root, "--uninstall")
    assert getty.is_symlink()


def test_udev_rules_per_role(scratch_root):
    root = scratch_root()
    rules = root / "etc/udev/rules.d/99-sorra.rules"
    run_installer(root, "--role", "kiosk")
    assert "sorra-printer" in rules.read_text()
    run_installer(root, "--role", "counter")
    assert "sorra-leddisplay" in rules.read_text()
    run_installer(root, "--role", "display")
    assert not rules.exists()


def test_hub_extras(scratch_root):
    root = scratch_root()
    run_installer(root, "--role", "hub", "--site", "okmanyiroda", "--gsm-modem")
    assert (root / "etc/systemd/system/mosquitto.service.d/sorra.conf").is_file()
    assert (root / "etc/systemd/system/sorra-hub.service.d/gsm-modem.conf").is_file()
    assert (root / "etc/polkit-1/rules.d/50-sorra-mosquitto.rules").is_file()
    assert (root / "etc/tmpfiles.d/sorra-hub.conf").is_file()
    broker = (root / "etc/mosquitto/conf.d/sorra.conf").read_text()
    assert "${" not in broker
    assert "listener 1883" in broker
    assert "password_file /var/lib/sorra/broker/passwd" in broker
    assert "SORRA_HUB_ARGS=--site okmanyiroda" in (root / "etc/sorra/hub.env").read_text()
    assert sorra_config.load(root / "etc/sorra/device.toml").device.site == "okmanyiroda"
    # the hub needs no screen: tty1 keeps its login prompt
    assert (root / "etc/systemd/system/getty.target.wants/getty@tty1.service").is_symlink()
    assert not (root / "opt/sorra/bin/sorra-session").exists()


def test_headless_counter(scratch_root):
    root = scratch_root()
    run_installer(root, "--role", "counter", "--headless", "--hub", "10.0.0.5",
                  "--device-id", "counter-3")
    assert "SORRA_SESSION=headless" in (root / "etc/sorra/session.env").read_text()
    parsed = sorra_config.load(root / "etc/sorra/device.toml")
    assert parsed.counter.headless is True
    assert parsed.hub.host == "10.0.0.5"
    assert parsed.device.id == "counter-3"


def test_device_files_are_never_overwritten(scratch_root):
    root = scratch_root()
    run_installer(root, "--role", "kiosk")
    device = root / "etc/sorra/device.toml"
    device.write_text('[device]\nrole = "kiosk"\nid = "kiosk-1"\n')
    (root / "etc/sorra/session.env").write_text("SORRA_ROTATION=90\n")
    run_installer(root, "--role", "kiosk", "--site", "elsewhere")
    assert tomllib.loads(device.read_text())["device"]["id"] == "kiosk-1"
    assert (root / "etc/sorra/session.env").read_text() == "SORRA_ROTATION=90\n"


@pytest.mark.parametrize("role", ROLES)
def test_uninstall_keeps_device_data_and_restores_firmware(scratch_root, role):
    root = scratch_root()
    before = snapshot(root)
    run_installer(root, "--role", role)
    (root / "var/lib/sorra").mkdir(parents=True, exist_ok=True)
    (root / "var/lib/sorra/sorra.db").write_text("tickets")
    run_installer(root, "--uninstall")
    assert (root / "boot/firmware/config.txt").read_text() == PI_CONFIG_TXT
    assert (root / "boot/firmware/cmdline.txt").read_text() == PI_CMDLINE_TXT
    assert not (root / "opt").exists()
    assert (root / "etc/sorra/device.toml").is_file()
    assert (root / "var/lib/sorra/sorra.db").read_text() == "tickets"
    after = {k: v for k, v in snapshot(root).items()
             if not k.startswith(("etc/sorra", "var"))}
    assert after == before
    assert forbidden_calls(root) == ""


def test_purge_leaves_the_tree_as_it_was(scratch_root):
    root = scratch_root("trixie")
    before = snapshot(root)
    run_installer(root, "--role", "display")
    run_installer(root, "--uninstall", "--purge")
    assert snapshot(root) == before


def test_role_switch_retires_the_old_role(scratch_root):
    root = scratch_root()
    before = snapshot(root)
    run_installer(root, "--role", "kiosk")
    proc = run_installer(root, "--role", "hub")
    assert "switching this machine from kiosk to hub" in proc.stdout
    system = root / "etc/systemd/system"
    assert not (system / "sorra-kiosk.service").exists()
    assert not (system / "multi-user.target.wants/sorra-kiosk.service").exists()
    assert not (root / "etc/udev/rules.d/99-sorra.rules").exists()
    assert (system / "multi-user.target.wants/sorra-hub.service").is_symlink()
    # the serial console the kiosk took is back; the hub's parameters are in
    assert "console=serial0,115200" in cmdline(root)
    assert "panic=10" in cmdline(root) and "logo.nologo" not in cmdline(root)
    config_txt = (root / "boot/firmware/config.txt").read_text()
    markers = [line for line in config_txt.splitlines() if line.startswith("# BEGIN sorra")]
    assert len(markers) == 1 and markers[0].startswith("# BEGIN sorra (hub)")
    run_installer(root, "--uninstall", "--purge")
    assert snapshot(root) == before


def test_cmdline_edited_after_install(scratch_root):
    """raspi-config's read-only root adds boot=overlay; uninstall keeps it."""
    root = scratch_root()
    run_installer(root, "--role", "counter")
    path = root / "boot/firmware/cmdline.txt"
    path.write_text("boot=overlay " + path.read_text())
    run_installer(root, "--uninstall")
    tokens = cmdline(root)
    assert "boot=overlay" in tokens
    assert sorted(set(tokens) - {"boot=overlay"}) == sorted(PI_CMDLINE_TXT.split())
    # the serial console comes back first, where it was
    assert tokens.index("console=serial0,115200") < tokens.index("console=tty1")


def test_no_boot_partition_is_not_an_error(scratch_root):
    root = scratch_root()
    for name in ("config.txt", "cmdline.txt"):
        (root / "boot/firmware" / name).unlink()
    proc = run_installer(root, "--role", "hub")
    assert "firmware settings skipped" in proc.stderr


@pytest.mark.parametrize("args, message", [
    (("--role", "printer"), "--role must be one of"),
    (("--role", "kiosk", "--headless"), "--headless is for the counter role"),
    (("--role", "hub", "--site", "Bad Site"), "--site"),
    (("--purge",), "--purge goes with --uninstall"),
    (("--role", "hub", "--bogus"), "unknown option --bogus"),
])
def test_bad_arguments(scratch_root, args, message):
    root = scratch_root()
    before = snapshot(root)
    proc = run_installer(root, *args, check=False)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("codename, pyqt_from_apt", [("bookworm", True), ("trixie", False)])
def test_packages_follow_the_release(scratch_root, codename, pyqt_from_apt):
    """Bookworm's glibc 2.36 cannot run current PyQt6 wheels: apt's python3-pyqt6 there."""
    root = scratch_root(codename)
    proc = run_installer(root, "--print-packages", "--role", "kiosk")
    packages = proc.stdout.split()
    assert {"cage", "seatd", "python3-venv"} <= set(packages)
    assert ("python3-pyqt6" in packages) is pyqt_from_apt
    hub = run_installer(root, "--print-packages", "--role", "hub").stdout.split()
    assert "mosquitto" in hub and "cage" not in hub


def test_prepare_then_offline_activation(scratch_root):
    """The image build prepares every role; the first boot activates one, offline."""
    root = scratch_root()
    run_installer(root, "--prepare", "--role", "any")
    assert (root / "opt/sorra/share/install.sh").is_file()
    assert not list((root / "etc/systemd/system").glob("sorra-*.service"))
    proc = run_installer(root, "--role", "display", "--offline", "--no-start")
    assert "skipping apt" in proc.stdout
    assert (root / "etc/systemd/system/multi-user.target.wants/sorra-display.service").is_symlink()
    run_installer(root, "--uninstall", "--purge")
    assert not (root / "opt").exists()
