"""firmware_configs/: every fragment parses and has what its role needs.

config.txt and cmdline.txt fragments per role, the watchdog, journald, sysusers and
tmpfiles settings (applied to a scratch root by systemd's own tools), udev rules,
the broker template (rendered, compared with the hub's own rendering, and run by a
real Mosquitto beside a Debian-style main configuration), device.toml templates
(parsed by sorra.config), and the kiosk session script with fake Cage and wlr-randr.
"""

from __future__ import annotations

import configparser
import os
import re
import selectors
import shutil
import socket
import string
import subprocess
import time
from pathlib import Path

import pytest

from sorra import config as sorra_config
from tests.deploy.conftest import GRAPHICAL, REPO, ROLES, need

FW = REPO / "firmware_configs"

# config.txt keys Sorra uses; anything else is a typo the firmware would silently ignore
CONFIG_TXT_KEYS = {"dtparam", "dtoverlay", "max_framebuffers", "display_auto_detect",
                   "disable_overscan", "disable_splash", "enable_uart", "hdmi_force_hotplug"}
CONFIG_TXT_REQUIRED = {
    "hub": {"dtparam=watchdog=on", "dtparam=audio=off"},
    "kiosk": {"dtparam=watchdog=on", "dtoverlay=vc4-kms-v3d", "enable_uart=1",
              "dtoverlay=disable-bt", "dtparam=audio=on", "disable_overscan=1"},
    "counter": {"dtparam=watchdog=on", "dtoverlay=vc4-kms-v3d", "enable_uart=1",
                "dtoverlay=disable-bt"},
    "display": {"dtparam=watchdog=on", "dtoverlay=vc4-kms-v3d", "dtparam=audio=on",
                "disable_overscan=1", "hdmi_force_hotplug=1"},
}


def fragment_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def all_owned_files() -> list[Path]:
    files = [p for d in ("firmware_configs", "systemd", "images") for p in (REPO / d).rglob("*")
             if p.is_file() and p.name not in {"README.md", "00-packages"}]
    return sorted(files)


@pytest.mark.parametrize("path", all_owned_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_each_file_says_who_owns_it(path):
    head = "\n".join(path.read_text().splitlines()[:12])
    if path.name.endswith((".toml.template", ".env.template", ".example")):
        # files that become the device's own say where they come from, not "Owned by"
        assert str(path.relative_to(REPO)) in head, head
        return
    assert "Owned by Sorra" in head, f"{path}: no ownership header"
    assert str(path.relative_to(REPO)) in head, f"{path}: header does not name its path"


@pytest.mark.parametrize("role", ROLES)
def test_config_txt_fragment(role):
    lines = fragment_lines(FW / role / "config.txt")
    assert lines[0] == "[all]", "the fragment must reset any conditional section above it"
    for line in lines[1:]:
        assert not line.startswith("["), "no conditional sections inside the block"
        key, sep, value = line.partition("=")
        assert sep and value and key in CONFIG_TXT_KEYS, f"unexpected line {line!r}"
    assert CONFIG_TXT_REQUIRED[role] <= set(lines)
    assert len(lines) == len(set(lines)), "duplicate lines"


@pytest.mark.parametrize("role", ROLES)
def test_cmdline_fragment(role):
    params = fragment_lines(FW / role / "cmdline.txt")
    for param in params:
        assert re.fullmatch(r"!?[A-Za-z0-9_.-]+(=\S+)?", param), param
    assert "consoleblank=0" in params
    assert "panic=10" in params
    if role in ("kiosk", "counter"):  # the UART drives a printer / LED display
        assert "!console=serial0,115200" in params
    if role in GRAPHICAL:
        assert "vt.global_cursor_default=0" in params
    if role == "display":
        video = [p for p in params if p.startswith("video=")]
        assert len(video) == 1 and re.fullmatch(r"video=HDMI-A-1:\d+x\d+M@\d+D", video[0])


def test_hardware_watchdog():
    parser = configparser.ConfigParser()
    parser.read_string((FW / "common/sorra-watchdog.conf").read_text())
    runtime = parser["Manager"]["RuntimeWatchdogSec"]
    seconds = int(runtime.removesuffix("s"))
    assert 0 < seconds <= 15, "bcm2835-wdt allows at most 15 s"
    assert parser["Manager"]["RebootWatchdogSec"]


@pytest.mark.parametrize("role", ROLES)
def test_journald(role):
    parser = configparser.ConfigParser()
    parser.read_string((FW / role / "journald.conf").read_text())
    journal = parser["Journal"]
    # devices run from a read-only root: logs in RAM, capped; the hub keeps its logs
    assert journal["Storage"] == ("persistent" if role == "hub" else "volatile")
    assert journal.get("SystemMaxUse" if role == "hub" else "RuntimeMaxUse")


def test_sysusers_and_tmpfiles_apply_to_a_scratch_root(tmp_path):
    """systemd-sysusers and systemd-tmpfiles accept the files and produce the tree."""
    need("systemd-sysusers")
    need("systemd-tmpfiles")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc/group").write_text("root:x:0:\nmosquitto:x:120:\n")
    (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n"
                                     "mosquitto:x:110:120::/var/lib/mosquitto:/usr/sbin/nologin\n")
    proc = subprocess.run(["systemd-sysusers", f"--root={root}", str(FW / "common/sysusers.conf")],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    passwd = (root / "etc/passwd").read_text()
    assert re.search(r"^sorra:x:\d+:\d+:Sorra queue system:/var/lib/sorra:/usr/sbin/nologin$",
                     passwd, re.M)
    groups = {line.split(":")[0]: line.split(":")[3]
              for line in (root / "etc/group").read_text().splitlines()}
    for group in ("video", "render", "input", "audio", "dialout", "gpio"):
        assert "sorra" in groups[group].split(","), group
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles needs root to give the directories to sorra")
    (root / "etc/mosquitto/conf.d").mkdir(parents=True)
    for conf in ("common/tmpfiles.conf", "hub/tmpfiles.conf"):
        proc = subprocess.run(["systemd-tmpfiles", f"--root={root}", "--create", str(FW / conf)],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    modes = {p: oct((root / p).stat().st_mode & 0o7777)
             for p in ("etc/sorra", "var/lib/sorra", "var/cache/sorra", "var/lib/sorra/broker",
                       "etc/mosquitto/conf.d")}
    assert modes == {"etc/sorra": "0o750", "var/lib/sorra": "0o711", "var/cache/sorra": "0o750",
                     "var/lib/sorra/broker": "0o750", "etc/mosquitto/conf.d": "0o2775"}
    assert (root / "var/lib/sorra/broker").stat().st_gid == 120  # mosquitto reads it


UDEV_MATCH = {"SUBSYSTEM", "KERNEL", "ENV", "ATTR", "ATTRS", "DRIVERS", "ACTION", "TEST"}
UDEV_ASSIGN = {"SYMLINK", "GROUP", "MODE", "OPTIONS", "OWNER", "TAG", "ENV"}


@pytest.mark.parametrize("role", ("kiosk", "counter"))
def test_udev_rules(role):
    path = FW / role / "99-sorra.rules"
    links = set()
    for line in fragment_lines(path):
        assigns = 0
        for item in re.split(r",\s*", line):
            m = re.fullmatch(r'([A-Z_]+)(\{[A-Za-z_]+\})?\s*(==|!=|\+=|=|:=)\s*"([^"]*)"', item)
            assert m, f"cannot parse {item!r} in {line!r}"
            key, _, op, value = m.groups()
            if op in ("==", "!="):
                assert key in UDEV_MATCH, key
            else:
                assert key in UDEV_ASSIGN, key
                assigns += 1
            if key == "SYMLINK":
                links.add(value)
            if key == "GROUP":
                assert value in {"sorra", "gpio"}
            if key == "MODE":
                assert value == "0660"
        assert assigns, f"rule assigns nothing: {line!r}"
    assert links == {"sorra-printer" if role == "kiosk" else "sorra-leddisplay"}
    udevadm = shutil.which("udevadm")
    if udevadm and subprocess.run([udevadm, "verify", "--help"], capture_output=True).returncode == 0:
        # systemd >= 254 has a real checker
        proc = subprocess.run([udevadm, "verify", str(path)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("role", ROLES)
def test_device_toml_template(role):
    text = string.Template((FW / role / "device.toml.template").read_text()).substitute(
        SITE="okmanyiroda", HUB_HOST="", DEVICE_ID="", HEADLESS="false")
    parsed = sorra_config.parse(__import__("tomllib").loads(text), f"{role} template")
    assert parsed.device.role == role
    assert parsed.device.site == "okmanyiroda"
    if role == "kiosk":
        assert parsed.printer.path == "/dev/sorra-printer"
    if role == "counter":
        assert parsed.serial_display.port == "/dev/sorra-leddisplay"


@pytest.mark.parametrize("path", ["session/session.env.template", "hub/hub.env.template"])
def test_environment_files(path):
    text = string.Template((FW / path).read_text()).safe_substitute(SESSION="cage", SITE="office")
    for line in fragment_lines_from_text(text):
        assert re.fullmatch(r"[A-Z_]+=\S*( \S+)*", line), line


def fragment_lines_from_text(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_polkit_rule_allows_only_the_broker():
    text = (FW / "hub/50-sorra-mosquitto.rules").read_text()
    assert 'action.lookup("unit") === "mosquitto.service"' in text
    assert 'subject.user === "sorra"' in text
    assert "polkit.Result.YES" in text and "stop" not in text


# ---------------------------------------------------------------- broker template

def render_broker(port: int, data_dir: str = "/var/lib/sorra") -> str:
    template = string.Template((FW / "hub/mosquitto-sorra.conf.template").read_text())
    return template.substitute(MQTT_PORT=port, DATA_DIR=data_dir)


def settings(text: str) -> dict[str, str]:
    result = {}
    for line in fragment_lines_from_text(text):
        key, _, value = line.partition(" ")
        assert key not in result, f"duplicate {key}"
        result[key] = value
    return result


def test_broker_template_settings():
    conf = settings(render_broker(1883))
    assert conf["listener"] == "1883"
    assert conf["allow_anonymous"] == "false"
    assert conf["password_file"] == "/var/lib/sorra/broker/passwd"
    assert conf["acl_file"] == "/var/lib/sorra/broker/acl"
    assert conf["persistence"] == "true"
    assert conf["set_tcp_nodelay"] == "true"
    # Debian's mosquitto.conf sets these; a second value stops mosquitto from starting
    assert not {"persistence_location", "pid_file", "log_dest", "user"} & set(conf)


def test_broker_template_matches_the_hub():
    """The hub rewrites /etc/mosquitto/conf.d/sorra.conf in production: same settings."""
    broker = pytest.importorskip("hub.broker")
    hub_text = broker.render_config(
        port=1883, bind=None, data_dir=None, passwd=Path("/var/lib/sorra/broker/passwd"),
        acl=Path("/var/lib/sorra/broker/acl"), persistence=True, pid_file=None,
        log_dest=None, user=None)
    assert settings(render_broker(1883)) == settings(hub_text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mosquitto_runs_the_template_beside_debian_config(tmp_path):
    mosquitto = need("mosquitto")
    data = tmp_path / "sorra"
    (data / "broker").mkdir(parents=True)
    (data / "broker/passwd").write_text("")
    (data / "broker/acl").write_text("")
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    port = free_port()
    (conf_d / "sorra.conf").write_text(render_broker(port, str(data)))
    (tmp_path / "db").mkdir()
    # Debian's /etc/mosquitto/mosquitto.conf, pointed into the temp dir ("user root":
    # no privilege drop, so a test running as root can read the temp files)
    (tmp_path / "mosquitto.conf").write_text(
        f"pid_file {tmp_path}/mosquitto.pid\npersistence true\n"
        f"persistence_location {tmp_path}/db/\nlog_dest stderr\nuser root\n"
        f"include_dir {conf_d}\n")
    proc = subprocess.Popen([mosquitto, "-c", str(tmp_path / "mosquitto.conf")],
                            stderr=subprocess.PIPE)
    try:
        log = wait_for_output(proc, r"mosquitto version \S+ running|Error")
        assert "running" in log, log
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        proc.kill()
        proc.wait(10)
        proc.stderr.close()


def wait_for_output(proc: subprocess.Popen, pattern: str, timeout: float = 10.0) -> str:
    """What the process wrote to stderr until ``pattern`` shows up (or EOF / timeout)."""
    seen = b""
    selector = selectors.DefaultSelector()
    selector.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not re.search(pattern, seen.decode(errors="replace")):
        if not selector.select(deadline - time.monotonic()):
            break
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    selector.close()
    return seen.decode(errors="replace")


# ---------------------------------------------------------------- kiosk session script

SESSION = FW / "session/sorra-session"


def fake(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


@pytest.fixture
def session_env(tmp_path):
    log = tmp_path / "calls.log"
    env = dict(os.environ)
    env.update(
        SORRA_BIN=str(fake(tmp_path / "sorra", f'echo "sorra $* WATCHDOG_PID=${{WATCHDOG_PID:-}} QT=${{QT_QPA_PLATFORM:-}}" >> {log}\n')),
        SORRA_CAGE=str(fake(tmp_path / "cage", f'echo "cage $*" >> {log}\n')),
        SORRA_RANDR=str(fake(tmp_path / "wlr-randr",
                             f'if [ $# -eq 0 ]; then printf "HDMI-A-1 \\"TV\\"\\n  Enabled: yes\\n"; '
                             f'else echo "randr $*" >> {log}; fi\n')),
        SORRA_CONFIG="/etc/sorra/device.toml",
        WATCHDOG_PID="4242",
    )
    for name in ("SORRA_SESSION", "SORRA_ROTATION", "SORRA_OUTPUT", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env, log


def run_session(env, *args):
    return subprocess.run([str(SESSION), *args], env=env, capture_output=True, text=True,
                          timeout=30)


def test_session_starts_cage_with_itself_inside(session_env):
    env, log = session_env
    assert run_session(env, "display").returncode == 0
    assert log.read_text() == f"cage -d -- {SESSION} --app display\n"


def test_session_inside_cage_rotates_and_runs_the_app(session_env):
    env, log = session_env
    env["SORRA_ROTATION"] = "90"
    assert run_session(env, "--app", "display").returncode == 0
    assert log.read_text().splitlines() == [
        "randr --output HDMI-A-1 --transform 90",
        "sorra display --config /etc/sorra/device.toml WATCHDOG_PID= QT=",
    ]


def test_session_uses_cage_rotation_when_cage_has_it(session_env, tmp_path):
    """Bookworm's Cage 0.1.4 rotates with -r (90 degrees each)."""
    env, log = session_env
    env["SORRA_CAGE"] = str(fake(tmp_path / "cage014", f'case "$1" in -h) echo " -r\\t Rotate"; exit 1;; esac\necho "cage $*" >> {log}\n'))
    env["SORRA_ROTATION"] = "270"
    assert run_session(env, "kiosk").returncode == 0
    assert log.read_text() == f"cage -r -r -r -d -- {SESSION} --app kiosk\n"


def test_headless_counter_runs_without_cage(session_env):
    env, log = session_env
    env["SORRA_SESSION"] = "headless"
    assert run_session(env, "counter").returncode == 0
    assert log.read_text() == "sorra counter --config /etc/sorra/device.toml WATCHDOG_PID= QT=offscreen\n"


@pytest.mark.parametrize("args, extra", [
    (("hub",), {}), ((), {}), (("kiosk",), {"SORRA_ROTATION": "45"}),
    (("kiosk",), {"SORRA_SESSION": "x11"}), (("--app",), {}),
])
def test_session_refuses_bad_input(session_env, args, extra):
    env, log = session_env
    env.update(extra)
    proc = run_session(env, *args)
    assert proc.returncode == 2 and proc.stderr.startswith("sorra-session:")
    assert not log.exists()
