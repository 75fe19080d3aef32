"""The printer adapter and its worker: jobs and real-time status on Dummy, TCP and a pty."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.printing import (
    EscposDevice,
    PrinterService,
    PrinterState,
    PrinterStatus,
    TicketRenderer,
    decode_status,
    load_template,
    open_device,
    sample_ticket,
)
from kiosk.printing.device import (  # escpos, imported via kiosk
    FakeDevice,
    Network,
    PrintError,
    Serial,
)
from kiosk.printing.status import status_bytes
from sorra.config.kiosk import PrinterSection
from tests.kiosk.escpos_decode import decode
from tests.kiosk.printer_peers import STATUS, NetworkPrinterPeer, PtyPrinterPeer

WHEN = datetime(2025, 3, 14, 9, 26)
S = PrinterState


@pytest.fixture
def network_peer():
    peer = NetworkPrinterPeer()
    yield peer
    peer.close()


@pytest.fixture
def pty_peer():
    peer = PtyPrinterPeer()
    yield peer
    peer.close()


def renderer() -> TicketRenderer:
    return TicketRenderer(load_template(), profile="TM-T88V")


def print_once(service: PrinterService, ticket=None):
    done = threading.Event()
    results = []

    def on_done(result):
        results.append(result)
        done.set()

    service.submit(ticket or sample_ticket("hu", WHEN), on_done)
    assert done.wait(10), "the print job never finished"
    return results[0]


# ---- status bytes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("ok", S.OK),
        ("paper_near_end", S.PAPER_NEAR_END),
        ("paper_out", S.PAPER_OUT),
        ("cover_open", S.COVER_OPEN),
        ("error", S.ERROR),
    ],
)
def test_decode_epson_status_bytes(name, state):
    answers = STATUS[name]
    got = decode_status(bytes([answers[1]]), bytes([answers[2]]), bytes([answers[4]]))
    assert got.state is state and got.known
    # the fake's own table says the same
    fake = status_bytes(state)
    assert decode_status(*fake.values()).state is state


def test_decode_silence_and_garbage_is_unknown_not_a_fault():
    assert decode_status(None, None, None).known is False
    assert decode_status(b"", b"", b"").can_print
    assert decode_status(b"\xff", b"hello", b"\x00").known is False  # no fixed bits: not status
    assert decode_status(b"\x1a", None, None).state is S.OFFLINE
    # a late duplicate answer: the last valid byte counts
    assert decode_status(b"\x12", b"\x12", b"\x12\x7e").state is S.PAPER_OUT


# ---- the dummy printer (python-escpos Dummy with status answers) ----------------------


def test_dummy_job_and_faults():
    device = FakeDevice("TM-T88V")
    statuses: list[PrinterStatus] = []
    service = PrinterService(device, renderer(), status_interval_s=60, on_status=statuses.append)
    service.start()
    try:
        ok = print_once(service)
        assert ok.ok and ok.sent_at is not None
        assert len(device.printer.jobs) == 1
        assert "Személyi igazolvány" in decode(device.printer.jobs[0]).lines

        device.printer.state = S.PAPER_OUT
        failed = print_once(service)
        assert not failed.ok and failed.status.state is S.PAPER_OUT
        assert len(device.printer.jobs) == 1  # nothing was sent to an empty printer

        device.printer.state = S.COVER_OPEN
        assert print_once(service).status.state is S.COVER_OPEN

        device.printer.state = S.PAPER_NEAR_END
        near = print_once(service)
        assert near.ok and near.status.state is S.PAPER_NEAR_END  # still prints, but warns

        device.printer.state = S.OK
        device.printer.fail = OSError("cable pulled")
        broken = print_once(service)
        assert not broken.ok and broken.status.state is S.OFFLINE
        device.printer.fail = None
        assert print_once(service).ok
    finally:
        service.stop()
    assert [s.state for s in statuses] == [
        S.OK, S.PAPER_OUT, S.COVER_OPEN, S.PAPER_NEAR_END, S.OFFLINE, S.OK,
    ]


def test_dummy_without_status_support_prints_and_says_unknown():
    device = FakeDevice("TM-T88V")
    device.printer.state = None
    service = PrinterService(device, renderer(), status_interval_s=60)
    service.start()
    try:
        result = print_once(service)
    finally:
        service.stop()
    assert result.ok and result.status.known is False
    assert device.answers_status is False


def test_configured_dummy_writes_jobs_to_its_path(tmp_path):
    out = tmp_path / "job.bin"
    device = open_device(PrinterSection(type="dummy", path=str(out)))
    device.send(b"\x1b@hello\n")
    assert out.read_bytes() == b"\x1b@hello\n"


def test_network_and_file_need_their_address():
    with pytest.raises(ValueError, match="host"):
        open_device(PrinterSection(type="network"))
    with pytest.raises(ValueError, match="path"):
        open_device(PrinterSection(type="file"))


# ---- a network printer on a loopback listener ------------------------------------------


def network_device(peer: NetworkPrinterPeer) -> EscposDevice:
    return open_device(PrinterSection(type="network", host=peer.host, port=peer.port, timeout_s=0.5))


def test_network_printer_prints_the_job_and_reads_status(network_peer):
    device = network_device(network_peer)
    statuses: queue.Queue[PrinterStatus] = queue.Queue()
    service = PrinterService(device, renderer(), status_interval_s=60, on_status=statuses.put)
    ticket = sample_ticket("hu", WHEN)
    service.start()
    try:
        assert statuses.get(timeout=5).state is S.OK
        result = print_once(service, ticket)
        assert result.ok, result
        job = renderer().render(ticket)
        assert network_peer.contains(job)
        # status before and after the job: DLE EOT 1, 2, 4 twice
        assert network_peer.queries[:3] == [1, 2, 4]

        network_peer.state = "paper_out"
        before = len(network_peer.received)
        failed = print_once(service, ticket)
        assert not failed.ok and failed.status.state is S.PAPER_OUT
        # only status queries went out: no ticket bytes to an empty printer
        assert network_peer.received[before:].replace(b"\x10\x04", b"").strip(b"\x01\x02\x04") == b""

        assert statuses.get(timeout=5).state is S.PAPER_OUT
        network_peer.state = "cover_open"
        service.poll_now()  # the periodic poll, now
        assert statuses.get(timeout=5).state is S.COVER_OPEN
        assert service.status.state is S.COVER_OPEN
    finally:
        service.stop()


def test_network_printer_away_is_offline_then_back(network_peer):
    port = network_peer.port
    network_peer.close()  # nobody listens: connection refused
    device = open_device(PrinterSection(type="network", host="127.0.0.1", port=port, timeout_s=0.5))
    status = device.read_status()
    assert status.state is S.OFFLINE and "not reachable" in status.detail
    with pytest.raises(PrintError):
        device.send(b"\x1b@x")


def test_network_printer_that_never_answers_status_still_prints(network_peer):
    network_peer.state = None
    device = network_device(network_peer)
    service = PrinterService(device, renderer(), status_interval_s=60)
    service.start()
    try:
        result = print_once(service)
    finally:
        service.stop()
    assert result.ok and not result.status.known
    assert network_peer.contains(b"\x1dV")  # the cut arrived


def test_python_escpos_status_helpers_agree_with_the_peer(network_peer):
    # python-escpos's own helpers, on the same wire: what the adapter builds on.
    network_peer.state = "paper_near_end"
    printer = Network(network_peer.host, network_peer.port, timeout=1)
    printer.open()
    try:
        assert printer.is_online()
        assert printer.paper_status() == 1
        network_peer.state = "paper_out"
        assert printer.paper_status() == 0
    finally:
        printer.close()


# ---- a serial printer on a pty ---------------------------------------------------------


def test_serial_printer_on_a_pty(pty_peer):
    device = open_device(PrinterSection(type="serial", serial_port=pty_peer.port, serial_baud=38400, timeout_s=0.3))
    service = PrinterService(device, renderer(), status_interval_s=60)
    ticket = sample_ticket("en", WHEN)
    service.start()
    try:
        result = print_once(service, ticket)
        assert result.ok
        assert pty_peer.contains(renderer().render(ticket))

        pty_peer.state = "cover_open"
        failed = print_once(service, ticket)
        assert failed.status.state is S.COVER_OPEN and not failed.ok

        pty_peer.state = "ok"
        assert print_once(service, ticket).ok
    finally:
        service.stop()


def test_serial_printer_silent_after_answering_is_offline(pty_peer):
    printer_cfg = PrinterSection(type="serial", serial_port=pty_peer.port, timeout_s=0.2)
    device = open_device(printer_cfg)
    assert device.read_status().state is S.OK
    pty_peer.state = None  # switched off: the line is silent now
    status = device.read_status()
    assert status.state is S.OFFLINE and status.known
    device.close()


def test_escpos_serial_class_is_what_the_adapter_uses(pty_peer):
    device = open_device(PrinterSection(type="serial", serial_port=pty_peer.port))
    assert isinstance(device._factory(), Serial)


# ---- importing escpos leaves no temp directories --------------------------------------------


def test_loading_escpos_at_printer_start_up_leaves_no_temp_dirs(tmp_path):
    tmp = tmp_path / "tmp"
    cache = tmp_path / "cache"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env.update(TMPDIR=str(tmp), XDG_CACHE_HOME=str(cache))
    env.pop("CACHE_DIRECTORY", None)
    code = ("import kiosk.printing, os; kiosk.printing.prepare_escpos(); import escpos.printer; "
            "print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])")
    for _ in range(2):  # first run writes the pickle, second reads it
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=Path(__file__).parents[2],
            capture_output=True, text=True, check=True,
        )
        assert out.stdout.strip() == str(cache / "sorra" / "escpos")
    assert list(tmp.iterdir()) == []
    assert [p.name for p in (cache / "sorra" / "escpos").iterdir()] == [
        f"{sys.version.split()[0]}.capabilities.pickle"
    ]


def test_a_file_printer_keeps_every_ticket_and_draws_the_last(tmp_path):
    """The status poll opens the file too: it must not wipe the tickets printed so far."""
    from dataclasses import replace

    from PIL import Image

    path, picture = tmp_path / "printed-tickets.bin", tmp_path / "last-ticket.png"
    device = open_device(PrinterSection(type="file", path=str(path), preview=str(picture)))
    service = PrinterService(device, renderer(), status_interval_s=60)
    service.start()
    try:
        first = sample_ticket("hu", WHEN)
        assert print_once(service, replace(first, number="A001")).ok
        service.poll_now()
        assert print_once(service, replace(first, number="B002")).ok
        service.poll_now()
        assert print_once(service, None).status is not None  # a third poll-print-poll round
    finally:
        service.stop()
    job = decode(path.read_bytes())
    assert job.kinds().count("cut") == 3
    assert {"A001", "B002", "A042"} <= set(job.lines)
    img = Image.open(picture).convert("L")
    assert img.height > 2 * img.width  # a ticket: a long strip of paper
    pixels, w = img.tobytes(), img.width
    dark_rows = sum(1 for y in range(img.height) if min(pixels[y * w:(y + 1) * w]) < 100)
    assert dark_rows > 200  # text, logo and QR code were drawn
