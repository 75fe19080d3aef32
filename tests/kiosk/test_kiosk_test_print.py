"""``sorra kiosk test-print``: the technician's sample ticket, as bytes and on a printer."""

from __future__ import annotations

from kiosk.cli import main
from sorra.ticket.data import PANGRAM
from tests.kiosk.escpos_decode import decode
from tests.kiosk.printer_peers import NetworkPrinterPeer


def test_dummy_writes_the_raw_bytes_with_the_hungarian_check_line(tmp_path, capsys):
    out = tmp_path / "ticket.bin"
    (tmp_path / "none.toml").write_text("")  # the defaults (a missing --config file is an error)
    assert main(["test-print", "--printer", "dummy", "--out", str(out), "--config", str(tmp_path / "none.toml")]) == 0
    decoded = decode(out.read_bytes())
    assert PANGRAM in decoded.lines  # one line, in CP852: ő, ű, Ő, Ű intact
    assert decoded.of("codepage") == ["cp852"]
    assert decoded.of("qr_data") == ["http://sorra.local:8080/t/SAMPLE-TOKEN"]
    assert decoded.kinds()[-1] == "cut"
    assert "CP852 (ESC t 18)" in capsys.readouterr().out


def test_configured_network_printer_prints_for_real(tmp_path, capsys):
    peer = NetworkPrinterPeer()
    try:
        cfg = tmp_path / "device.toml"
        cfg.write_text(
            f'[device]\nlang = "en"\n[printer]\ntype = "network"\nhost = "{peer.host}"\nport = {peer.port}\n',
            encoding="utf-8",
        )
        assert main(["test-print", "--config", str(cfg)]) == 0
        assert peer.contains(PANGRAM.encode("cp852"))
        assert peer.contains(b"Your number")
        peer.state = "paper_out"
        assert main(["test-print", "--config", str(cfg)]) == 1
        assert "paper_out" in capsys.readouterr().out
    finally:
        peer.close()


def test_bad_template_is_reported(tmp_path, capsys):
    tpl = tmp_path / "t.toml"
    tpl.write_text('[[block]]\ntype = "nope"\n', encoding="utf-8")
    cfg = tmp_path / "device.toml"
    cfg.write_text(f'[printer]\ntemplate = "{tpl}"\n', encoding="utf-8")
    assert main(["test-print", "--printer", "dummy", "--config", str(cfg)]) == 2
    assert "block.0.type" in capsys.readouterr().err
