"""``sorra hub central join / status / leave`` on a stopped hub (in-process, no broker needed)."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from hub.cli import main


def _run(argv: list[str], capsys, monkeypatch, stdin: str = "") -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(argv)
    return code, capsys.readouterr().out


def test_join_status_leave(tmp_path: Path, capsys, monkeypatch) -> None:
    data = str(tmp_path / "hub")
    join = ["central", "join", "--site", "s1", "--username", "s1", "--password-stdin", "--data", data]
    code, _ = _run([*join, "--url", "http://nope"], capsys, monkeypatch, "pw\n")
    assert code == 2 and not (tmp_path / "hub" / "central.json").exists()
    code, out = _run([*join, "--url", "mqtt://127.0.0.1:1"], capsys, monkeypatch, "pw\n")
    assert code == 0 and json.loads(out)["joined"]
    path = tmp_path / "hub" / "central.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and json.loads(path.read_text())["password"] == "pw"
    code, out = _run(["central", "status", "--data", data], capsys, monkeypatch)
    status = json.loads(out)
    assert status["joined"] and status["site"] == "s1" and status["acked"] == 0 and status["backlog"] == 0
    code, out = _run(["central", "leave", "--data", data], capsys, monkeypatch)
    assert not path.exists()
    assert json.loads(_run(["central", "status", "--data", data], capsys, monkeypatch)[1])["joined"] is False


def test_join_needs_a_password(tmp_path: Path, capsys, monkeypatch) -> None:
    argv = ["central", "join", "--url", "mqtt://h:1", "--site", "s", "--username", "s", "--password-stdin",
            "--data", str(tmp_path)]
    assert _run(argv, capsys, monkeypatch, "\n")[0] == 2
    with pytest.raises(SystemExit):
        _run(argv[:-3] + ["--data", str(tmp_path)], capsys, monkeypatch, "pw\n")  # --password-stdin is required
