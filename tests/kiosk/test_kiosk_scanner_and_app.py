"""Scanners (serial on a pty, what a scan means) and ``sorra kiosk`` as a real process."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import tty
from pathlib import Path

import pytest

from kiosk.scanner import SerialScanner, parse_scanned_code
from tests.kiosk.conftest import add_services


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("K7Q2M9", "K7Q2M9"),
        ("  k7q2m9\r\n", "K7Q2M9"),
        ("https://hub.local:8080/booking/K7Q2M9", "K7Q2M9"),
        ("http://hub/b?code=abc-123&lang=hu", "ABC-123"),
        ("https://hub/", None),
        ("AB", None),
        ("ÁRVÍZ", None),
        ("x" * 40, None),
    ],
)
def test_what_a_scan_means(raw, code):
    assert parse_scanned_code(raw) == code


def test_serial_scanner_on_a_pty():
    master, slave = os.openpty()
    tty.setraw(slave)
    codes: queue.Queue[str] = queue.Queue()
    scanner = SerialScanner(os.ttyname(slave), 9600, codes.put, timeout_s=0.05)
    scanner.start()
    try:
        assert scanner.ready.wait(5)
        os.write(master, b"K7Q2")
        os.write(master, b"M9\r\nhttps://hub/booking/ZZ9\n")
        assert codes.get(timeout=5) == "K7Q2M9"
        assert codes.get(timeout=5) == "https://hub/booking/ZZ9"
    finally:
        scanner.stop()
        os.close(master)
        os.close(slave)


def test_sorra_kiosk_runs_against_a_hub_and_stops_on_sigterm(hub, tmp_path):
    add_services(hub)
    s = hub.device_settings("kiosk-proc", "kiosk")
    out = tmp_path / "job.bin"
    cfg = tmp_path / "device.toml"
    cfg.write_text(
        f'[device]\nid = "kiosk-proc"\nsite = "{s.site}"\nrole = "kiosk"\n'
        f'[hub]\nhost = "{s.host}"\nmqtt_port = {s.port}\nusername = "{s.username}"\npassword = "{s.password}"\n'
        f'[kiosk]\nfullscreen = false\n[printer]\ntype = "dummy"\npath = "{out}"\n',
        encoding="utf-8",
    )
    printer_ok = threading.Event()

    def on_hub_change(suffix, payload):
        if suffix == "presence" and payload.get("device") == "kiosk-proc" and payload.get("online"):
            if (payload.get("printer") or {}).get("state") == "ok":
                printer_ok.set()

    hub.hub.bus.listeners.append(on_hub_change)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SORRA_LOG_LEVEL": "INFO",
           "ESCPOS_CAPABILITIES_PICKLE_DIR": str(tmp_path / "escpos")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sorra.cli", "kiosk", "--config", str(cfg)],
        cwd=Path(__file__).parents[2], env=env, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr], daemon=True).start()
    try:
        seen = []
        while not any("in service" in line for line in seen):
            seen.append(lines.get(timeout=20))
        assert any("CP852 (ESC t 18)" in line for line in seen)
        assert printer_ok.wait(10), "the hub never saw the kiosk online with its printer ok"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
