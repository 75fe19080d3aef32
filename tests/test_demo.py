"""``./run demo --headless`` really runs the system: the banner, traffic, the apps, a clean stop."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path


def test_demo_runs_headless_and_stops_cleanly(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SORRA_LOG_LEVEL": "INFO"}
    proc = subprocess.Popen([sys.executable, "-m", "sorra.cli", "demo", "--headless", "--rate", "0.3",
                             "--data", str(tmp_path / "demo")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    web = None
    mail = sms = False  # the booked examples' confirmations: by e-mail (.eml) and by SMS (text log)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the demo's own output is the event we wait on
            lines.append(line)
            m = re.search(r"web \(dashboard.*?: (http://\S+)/", line)
            if m:
                web = m.group(1)
            mail = mail or "e-mail to kiss.eva@example.hu written to" in line
            sms = sms or ("SMS to +36301234567 (" in line and "written to sms.log" in line)
            if web and mail and sms and re.search(r"ticket [A-D]\d{3} issued", line):
                break
        assert web, "".join(lines[-30:])
        status = json.loads(urllib.request.urlopen(f"{web}/api/v1/public/status", timeout=10).read())
        assert status["waiting"] >= 1 or status["open_counters"] >= 1
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out[-3000:]
    (eml,) = (tmp_path / "demo" / "mail").glob("0001-*.eml")
    assert b"Subject: =?utf-8?" in eml.read_bytes() and b"kiss.eva@example.hu" in eml.read_bytes()
    assert "Sorra Government Office (demo): appointment" in (tmp_path / "demo" / "sms.log").read_text()
    logs = {p.name: p.read_text() for p in (tmp_path / "demo").glob("*.log") if p.name != "sms.log"}
    assert set(logs) == {"kiosk-1.log", "counter-1.log", "display-1.log"}
    for name, text in logs.items():
        assert "Traceback" not in text, f"{name}:\n{text[-3000:]}"
