"""``sorra hub notify …`` without a running hub: settings, a test message on each channel, the log."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.notify.cli import duration
from hub.notify.modem_emulator import ModemEmulator
from tests.notify.servers import HttpSink, SmtpSink
from tests.notify.test_delivery import notify_cli

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")


@pytest.fixture
def modem() -> Iterator[ModemEmulator]:
    m = ModemEmulator(pin="0000").start()
    yield m
    m.stop()


def test_durations() -> None:
    assert [duration(x) for x in ("45s", "90m", "24h", "2d")] == [45, 5400, 86400, 172800]
    with pytest.raises(argparse.ArgumentTypeError):
        duration("soon")


def test_offline_settings_test_messages_and_log(tmp_path: Path, modem: ModemEmulator) -> None:
    data = tmp_path / "hub"
    smtp = SmtpSink(auth=("iroda", "jelszo-1")).start()
    sink = HttpSink().start()
    try:
        out = notify_cli(data, "email", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port), "--from",
                         "iroda@example.hu", "--user", "iroda", "--password-stdin", stdin="jelszó\n")
        assert out.returncode == 2 and "ASCII" in out.stderr  # smtplib could never send it
        out = notify_cli(data, "email", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port), "--from",
                         "iroda@example.hu", "--user", "iroda", "--password-stdin", stdin="jelszo-1\n")
        assert out.returncode == 0, out.stderr
        assert "jelszo-1" not in notify_cli(data, "show").stdout
        assert notify_cli(data, "email", "--smtp-host", "h", "--smtp-port", "1", "--from", "x@example.hu",
                          "--tls", "--starttls").returncode == 2  # one or the other
        out = notify_cli(data, "test", "--email", "polgar@example.hu")
        assert out.returncode == 0, out.stderr
        assert smtp.wait_for(1)[0]["Subject"] == "Sorra próbaüzenet"

        assert notify_cli(data, "test", "--sms", "+36301234567").returncode == 1  # no SMS channel yet
        assert notify_cli(data, "sms", "--modem", modem.device, "--pin", "0000", "--baud", "9600").returncode == 0
        out = notify_cli(data, "test", "--sms", "06 30 123 4567")
        assert out.returncode == 0, out.stderr
        assert modem.wait_for(1)[0].text.endswith("próbaüzenet. Árvíztűrő tükörfúrógép.")
        modem.fail_next = [500]
        out = notify_cli(data, "test", "--sms", "+36301234567")
        assert out.returncode == 1 and "+CMS ERROR: 500" in out.stderr

        assert notify_cli(data, "gateway", "nonsense").returncode == 2
        assert notify_cli(data, "gateway", f"json://127.0.0.1:{sink.port}/sms/{{to}}").returncode == 0
        assert notify_cli(data, "off", "sms").returncode == 0
        out = notify_cli(data, "test", "--sms", "+36209876543", "--lang", "en")
        assert out.returncode == 0, out.stderr
        post = sink.wait_for(1)[0]
        assert post["path"] == "/sms/+36209876543" and "test message" in post["json"]["message"]

        assert notify_cli(data, "next", "--ahead", "2").returncode == 0
        shown = json.loads(notify_cli(data, "show").stdout)
        assert shown["next_ahead"] == 2 and shown["sms"] is None and shown["email"]["security"] == "none"

        rows = [json.loads(line) for line in notify_cli(data, "log").stdout.splitlines()]
        assert [(r["channel"], r["kind"], r["state"], r["attempts"]) for r in rows] == [
            ("email", "test", "sent", 1), ("sms", "test", "sent", 1), ("sms", "test", "failed", 1),
            ("gateway", "test", "sent", 1)]
        assert rows[2]["error"] == "modem refused: +CMS ERROR: 500"
        failed = notify_cli(data, "log", "--state", "failed").stdout.splitlines()
        assert len(failed) == 1
    finally:
        sink.stop()
        smtp.stop()
