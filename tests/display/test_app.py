"""The assembled app (no event loop of its own): playlist sync over HTTP, offline playback, the CLI."""

from __future__ import annotations

import json
import time
import wave
from pathlib import Path

import pytest

from display import cli
from display.app import DisplayApp
from sorra.config import parse
from tests.display.conftest import MediaServer, png_bytes


def _config(broker, tmp_path: Path, device: str = "display-1") -> dict:
    account = broker.add_account("display", device)
    return {
        "device": {"id": device, "role": "display", "site": broker.site, "lang": "hu"},
        "hub": {"host": broker.host, "mqtt_port": broker.port, "username": account.username,
                "password": account.password},
        "display": {"media_cache": str(tmp_path / "cache"), "fullscreen": False, "call_takeover_s": 1},
        "audio": {"player": "none"},
    }


def _playlist(server: MediaServer) -> dict:
    sha_a = server.put("a.png", png_bytes("#aa0000", 320, 180))
    sha_b = server.put("b.png", png_bytes("#00aa00", 320, 180))
    return {
        "items": [
            {"id": "a", "kind": "image", "url": server.url("a.png"), "sha256": sha_a, "duration_s": 5},
            {"id": "b", "kind": "image", "url": server.url("b.png"), "sha256": sha_b, "duration_s": 5},
        ],
        "ticker": ["Hello from the hub"], "version": "v1", "at": time.time(),
    }


def test_playlist_syncs_plays_and_survives_the_hub_going_away(qtbot, broker, tmp_path, media_server) -> None:
    hub = broker.client()
    hub.publish(broker.topic("device/hub/status"), json.dumps({"device": "hub", "online": True}), retain=True)
    hub.publish(broker.topic("state/playlist"), json.dumps(_playlist(media_server)), retain=True)
    cfg = parse(_config(broker, tmp_path))
    app = DisplayApp(cfg, reconnect_max_s=0.3)
    qtbot.addWidget(app.window)
    app.window.resize(1280, 720)
    app.window.show()
    shown: list[str] = []
    app.window.media.item_shown.connect(shown.append)
    app.start()
    try:
        qtbot.waitUntil(lambda: "a" in shown, timeout=10000)
        qtbot.waitUntil(lambda: app.sync.idle.is_set(), timeout=10000)
        cached = sorted(p.name for p in (tmp_path / "cache").glob("*.png"))
        assert len(cached) == 2 and all(len(n) == 64 + 4 for n in cached)
        assert app.window.ticker.items == ["Hello from the hub"]
        assert (tmp_path / "cache" / "playlist.json").exists()
    finally:
        app.stop()
    # the hub (and its media route) is gone; the display restarts and plays from its cache
    media_server.stop()
    broker.supervisor.stop()
    app2 = DisplayApp(cfg, reconnect_max_s=0.3)
    qtbot.addWidget(app2.window)
    app2.window.resize(1280, 720)
    app2.window.show()
    app2.start()
    try:
        # the cached playlist plays from the first frame (the window picked it up when built)
        qtbot.waitUntil(lambda: app2.window.media.slot is not None, timeout=10000)
        assert app2.window.media.slot.item.id in {"a", "b"}
        assert app2.window.media._pixmap is not None
        assert app2.window.ticker.items == ["Hello from the hub"]
        assert not app2.controller.state.online and not app2.window.header.online
        assert len(list((tmp_path / "cache").glob("*.png"))) == 2  # nothing pruned while away
    finally:
        app2.stop()


def test_cli_announce_text(capsys, tmp_path) -> None:
    defaults = tmp_path / "device.toml"
    defaults.write_text("")  # the defaults (a missing --config file is an error)
    assert cli.main(["announce", "A042", "3", "--lang", "hu", "--text", "--config", str(defaults)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["Az á negyvenkettes sorszámot várjuk a hármas ablakhoz.",
                   "written: Az A 42-es sorszámot várjuk a 3-as ablakhoz."]
    assert cli.main(["announce", "B7", "5", "--lang", "en", "--text", "--config", str(defaults)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "Ticket B-7, please go to counter 5."


@pytest.mark.parametrize("lang", ["hu", "en"])
def test_cli_announce_out_writes_a_wav(tmp_path: Path, lang: str) -> None:
    out = tmp_path / "call.wav"
    defaults = tmp_path / "device.toml"
    defaults.write_text("")
    assert cli.main(["announce", "A042", "3", "--lang", lang, "--out", str(out), "--config", str(defaults)]) == 0
    with wave.open(str(out)) as w:
        assert w.getnframes() / w.getframerate() > 2.0  # chime + voice
        assert w.getnchannels() == 2


def test_cli_announce_plays_through_the_configured_player(tmp_path: Path) -> None:
    conf = tmp_path / "device.toml"
    conf.write_text(f'[audio]\nplayer = "file"\nout_dir = "{tmp_path / "out"}"\nmode = "chime"\n')
    assert cli.main(["announce", "A1", "1", "--config", str(conf)]) == 0
    assert len(list((tmp_path / "out").glob("announce-*.wav"))) == 1


def test_cli_screenshots_and_voicepack(tmp_path: Path, capsys) -> None:
    defaults = tmp_path / "device.toml"
    defaults.write_text("")  # the defaults (a missing --config file is an error)
    assert cli.main(["--screenshots", str(tmp_path), "--resolution", "1920x1080", "--lang", "hu",
                     "--config", str(defaults)]) == 0
    assert (tmp_path / "1920x1080-hu.png").stat().st_size > 10_000
    assert (tmp_path / "1920x1080-hu-call.png").exists()
    capsys.readouterr()
    assert cli.main(["voicepack", "--lang", "hu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "hu/n2s.wav\tkettes" in lines and "hu/counter_to.wav\tablakhoz" in lines
