"""Alerts read in the manager's language, and the CLI's own connections raise none."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

from sorra.bus import BusClient, BusSettings
from tests.web.conftest import Client


def offline_seen(hub: Any, device: str) -> threading.Event:
    """Set when the hub has taken in ``device``'s offline status."""
    seen = threading.Event()

    def on(suffix: str, payload: dict[str, Any]) -> None:
        if suffix == "presence" and payload.get("device") == device and not payload.get("online"):
            seen.set()

    hub.hub.bus.listeners.append(on)
    return seen


def test_alerts_are_translated_and_the_cli_raises_none(web_hub: Any, client: Client) -> None:
    creds = web_hub.admin.call("admin.device_add", {"device": "walk-kiosk", "role": "kiosk"})
    kiosk = BusClient(BusSettings("127.0.0.1", web_hub.port, creds["username"], creds["password"], web_hub.site,
                                  "walk-kiosk", "kiosk"))
    kiosk.start()
    assert kiosk.wait_connected(10)
    kiosk.call("device.alert", {"code": "printer.paper_out", "level": "error", "message": "paper out"})
    # A printer without status replies (the demo's file printer, many USB printers)
    kiosk.publish_status({"printer": {"state": "ok", "detail": "the printer does not report its status",
                                      "known": False}})
    gone = offline_seen(web_hub, "walk-kiosk")
    kiosk.stop()
    assert gone.wait(10)

    # A management command through the running hub: quiet, and no "admin is offline" afterwards.
    cli_gone = offline_seen(web_hub, "admin")
    env = {k: v for k, v in os.environ.items() if k != "SORRA_LOG_LEVEL"}  # the default level, as typed
    r = subprocess.run([sys.executable, "-m", "sorra.cli", "hub", "service", "add", "Z", "--name", "Zárolás",
                        "--prefix", "Z", "--data", str(web_hub.data_dir)], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert cli_gone.wait(10)
    sources = {a["source"] for a in web_hub.hub.alerts.snapshot()["alerts"]}
    assert "walk-kiosk" in sources and "admin" not in sources

    client.login("manager")
    html = client.get("/dashboard?lang=hu").text
    assert "walk-kiosk</strong> · Nyomtató: kifogyott a papír." in html
    assert "walk-kiosk</strong> · nem kapcsolódik a központhoz" in html
    assert "is offline" not in html and "paper out" not in html and "admin</strong>" not in html
    english = client.get("/dashboard?lang=en").text
    assert "Printer: out of paper." in english and "not connected to the hub" in english

    client.login("admin")
    devices = client.get("/admin/devices?lang=hu").text
    row = devices[devices.index("walk-kiosk"):]
    row = row[:row.index("</tr>")]
    assert "nem jelzi az állapotát" in row and "does not report" not in row and "rendben" not in row
    dashboard = client.get("/dashboard?lang=hu").text
    row = dashboard[dashboard.rindex("walk-kiosk"):]
    row = row[:row.index("</tr>")]
    assert "nem jelzi az állapotát" in row and "rendben" not in row
