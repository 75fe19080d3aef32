"""Helpers for the deployment tests: a scratch Raspberry Pi OS root and the installer."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROLES = ("hub", "kiosk", "counter", "display")
GRAPHICAL = ("kiosk", "counter", "display")

# What Raspberry Pi OS ships on its boot partition (abridged), so the merge is tested
# against real neighbours: a conditional section left open at the end, a serial
# console, Bookworm's first-boot init.
PI_CONFIG_TXT = """\
# For more options and information see
# http://rptl.io/configtxt
dtparam=audio=on
camera_auto_detect=1
display_auto_detect=1
auto_initramfs=1
dtoverlay=vc4-kms-v3d
max_framebuffers=2
disable_fw_kms_setup=1
arm_64bit=1
disable_overscan=1
arm_boost=1

[cm4]
otg_mode=1

[all]

[cm5]
dtoverlay=dwc2,dr_mode=host
"""
PI_CMDLINE_TXT = (
    "console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 "
    "fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n"
)


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (./run test installs it with apt)")
    return path


def make_root(base: Path, codename: str = "bookworm") -> Path:
    """A minimal Raspberry Pi OS tree: os-release, boot partition, getty on tty1."""
    root = base / f"root-{codename}"
    (root / "etc").mkdir(parents=True)
    version = {"bookworm": "12", "trixie": "13"}.get(codename, "99")
    (root / "etc/os-release").write_text(
        f'PRETTY_NAME="Debian GNU/Linux {version} ({codename})"\n'
        f"VERSION_ID={version}\nVERSION_CODENAME={codename}\nID=debian\n")
    boot = root / "boot/firmware"
    boot.mkdir(parents=True)
    (boot / "config.txt").write_text(PI_CONFIG_TXT)
    (boot / "cmdline.txt").write_text(PI_CMDLINE_TXT)
    wants = root / "etc/systemd/system/getty.target.wants"
    wants.mkdir(parents=True)
    (wants / "getty@tty1.service").symlink_to("/usr/lib/systemd/system/getty@.service")
    return root


def forbidden_tools(base: Path) -> tuple[Path, Path]:
    """A PATH directory whose apt-get, systemctl, udevadm, pip… only record that they ran."""
    bin_dir = base / "forbidden-bin"
    bin_dir.mkdir(exist_ok=True)
    log = base / "forbidden.log"
    for name in ("apt-get", "apt", "systemctl", "udevadm", "systemd-sysusers",
                 "systemd-tmpfiles", "pip", "pip3", "useradd", "userdel", "raspi-config"):
        tool = bin_dir / name
        tool.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\nexit 1\n')
        tool.chmod(0o755)
    return bin_dir, log


def run_installer(root: Path, *args: str, check: bool = True,
                  env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    bin_dir, _ = forbidden_tools(root.parent)
    full_env = dict(os.environ)
    full_env["PATH"] = f"{bin_dir}:{full_env.get('PATH', '/usr/bin:/bin')}"
    full_env.update(env or {})
    proc = subprocess.run(
        ["bash", str(REPO / "install.sh"), "--root", str(root), *args],
        capture_output=True, text=True, env=full_env, timeout=60)
    if check and proc.returncode != 0:
        raise AssertionError(f"install.sh {' '.join(args)} failed ({proc.returncode}):\n"
                             f"{proc.stdout}\n{proc.stderr}")
    return proc


def snapshot(root: Path) -> dict[str, str]:
    """Every path under root with its type, mode and content hash or link target."""
    result: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            result[rel] = f"link {os.readlink(path)}"
        elif stat.S_ISDIR(st.st_mode):
            result[rel] = f"dir {stat.S_IMODE(st.st_mode):o}"
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            result[rel] = f"file {stat.S_IMODE(st.st_mode):o} {digest}"
    return result


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    """systemd unit/INI text → {section: {key: [values…]}} (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"key outside a section: {raw!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not KEY=VALUE: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


@pytest.fixture
def scratch_root(tmp_path: Path) -> Callable[..., Path]:
    def make(codename: str = "bookworm") -> Path:
        return make_root(tmp_path, codename)

    return make
