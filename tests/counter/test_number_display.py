"""Serial number display: frames as bytes, through pyserial's loop:// and a real pty."""

from __future__ import annotations

import os
import select

import pytest

from counter_terminal.hardware import FramedDisplay, TextLineDisplay, build_display
from counter_terminal.hardware.number_display import fit, framed_frame, textline_frame, to_ascii


def test_ascii_fold_and_fit():
    assert to_ascii("ZÁRVA ŐŰ") == "ZARVA OU"
    assert to_ascii("A→1") == "A?1"
    assert fit("A042", 6) == "  A042"
    assert fit("A042", 6, "left") == "A042  "
    assert fit("A042", 6, "center") == " A042 "
    assert fit("ABCDEFGHIJ", 4) == "ABCD"


def test_textline_frame():
    assert textline_frame("A042", 6) == b"  A042\r\n"
    assert textline_frame("", 4) == b"    \r\n"


def test_framed_frame_has_address_and_bcc():
    frame = framed_frame("A042", 6, address=3)
    assert frame[:1] == b"\x02"
    assert frame[1:3] == b"03"
    assert frame[3:9] == b"  A042"
    assert frame[9:10] == b"\x03"
    bcc = 0
    for b in frame[1:10]:
        bcc ^= b
    assert frame[10:] == f"{bcc:02X}".encode()
    # the example in docs/hardware/serial-display.md
    assert framed_frame("A042", 6, address=1) == b"\x0201  A042\x0375"


def test_loop_url_receives_the_frame():
    disp = TextLineDisplay("loop://", 9600, width=6)
    try:
        disp.show("B007")
        assert disp.healthy
        assert disp._serial.read(8) == b"  B007\r\n"
    finally:
        disp.close()


def read_exactly(fd: int, n: int, timeout: float = 5.0) -> bytes:
    out = b""
    while len(out) < n:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"got only {out!r}"
        out += os.read(fd, n - len(out))
    return out


def test_pty_receives_framed_text():
    master, slave = os.openpty()
    try:
        import tty

        tty.setraw(slave)
        disp = FramedDisplay(os.ttyname(slave), 19200, width=6, address=2)
        disp.show("C120")
        disp.show("")
        expected = framed_frame("C120", 6, 2) + framed_frame("", 6, 2)
        assert read_exactly(master, len(expected)) == expected
        disp.close()
    finally:
        os.close(master)
        os.close(slave)


def test_missing_port_is_reported_not_raised(tmp_path):
    disp = TextLineDisplay(str(tmp_path / "no-such-tty"), 9600)
    disp.show("A001")
    assert not disp.healthy and disp.text == "A001"


def test_display_comes_back_after_the_port_appears():
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        disp = TextLineDisplay(path + "-missing", 9600, width=4)
        disp.show("A1")
        assert not disp.healthy
        disp.port = path  # the udev symlink reappears
        disp.show("A2")
        assert disp.healthy
        assert read_exactly(master, 6) == b"  A2\r\n"
        disp.close()
    finally:
        os.close(master)
        os.close(slave)


def test_build_display_from_config():
    from sorra.config import parse

    cfg = parse({"serial_display": {"model": "textline", "port": "loop://", "width": 5}})
    disp = build_display(cfg)
    assert isinstance(disp, TextLineDisplay) and disp.width == 5
    assert build_display(parse({})) is None
    from counter_terminal.hardware import HardwareError

    with pytest.raises(HardwareError, match="known"):
        build_display(parse({"serial_display": {"model": "nixie"}}))
