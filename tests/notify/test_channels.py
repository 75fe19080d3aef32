"""Each channel against a real counterpart: aiosmtpd, a modem emulator on a pty, an HTTP server."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from hub.notify.channels import Email, Gateway, SendError, Sms
from hub.notify.modem_emulator import ModemEmulator
from tests.notify.servers import HttpSink, SmtpSink

HU_LONG = ("Kedves Ügyfelünk! Időpontja: 2026. 03. 02. 10:15, személyi igazolvány. "
           "Hozza magával régi igazolványát és lakcímkártyáját. Árvíztűrő tükörfúrógép, őrülten gyűrött.")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    s = SmtpSink().start()
    yield s
    s.stop()


@pytest.fixture
def modem() -> Iterator[ModemEmulator]:
    m = ModemEmulator(pin="4321").start()
    yield m
    m.stop()


def test_email_arrives_with_hungarian_text_and_a_stable_message_id(smtp: SmtpSink) -> None:
    ch = Email({"host": "127.0.0.1", "port": smtp.port, "from": "iroda@example.hu"})
    ch.send("polgar@example.hu", "Időpont: Útlevél", HU_LONG, "", msg_id="sorra-7-abc")
    (msg,) = smtp.wait_for(1)
    assert msg["Subject"] == "Időpont: Útlevél" and msg["To"] == "polgar@example.hu"
    assert msg.get_content().strip() == HU_LONG
    assert msg["Message-ID"] == "<sorra-7-abc@example.hu>"
    assert smtp.envelopes == [("iroda@example.hu", ["polgar@example.hu"])]


def test_email_logs_in_and_reports_a_refusing_server() -> None:
    smtp = SmtpSink(auth=("iroda", "titok")).start()
    try:
        good = Email({"host": "127.0.0.1", "port": smtp.port, "from": "iroda@example.hu", "user": "iroda",
                      "password": "titok"})
        good.send("a@example.hu", "s", "b", "", msg_id="m1")
        assert len(smtp.wait_for(1)) == 1
        bad = Email({"host": "127.0.0.1", "port": smtp.port, "from": "iroda@example.hu", "user": "iroda",
                     "password": "rossz"}, timeout=3)  # aiosmtpd holds a refused login open
        with pytest.raises(SendError) as err:
            bad.send("a@example.hu", "s", "b", "", msg_id="m2")
        assert not err.value.permanent and "SMTP" in str(err.value)
        smtp.refuse = True
        with pytest.raises(SendError):
            good.send("a@example.hu", "s", "b", "", msg_id="m3")
    finally:
        smtp.stop()
    with pytest.raises(SendError):  # nobody listening any more
        good.send("a@example.hu", "s", "b", "", msg_id="m4")


def test_sms_long_hungarian_text_arrives_whole_in_ucs2_parts(modem: ModemEmulator) -> None:
    ch = Sms({"modem": modem.device, "pin": "4321"})
    try:
        ch.send("+36301234567", "", "", HU_LONG, msg_id="x")
        (got,) = modem.wait_for(1)
    finally:
        ch.close()
    assert got.number == "+36301234567" and got.text == HU_LONG
    assert got.parts == 3  # 173 characters in UCS2: 67 a part when concatenated
    assert all(pdu[20:22] == "08" or "08" in pdu[:30] for pdu in modem.pdus)


def test_sms_cms_error_is_reported_and_the_next_send_works(modem: ModemEmulator) -> None:
    ch = Sms({"modem": modem.device, "pin": "4321"})
    try:
        modem.fail_next = [500]
        with pytest.raises(SendError) as err:
            ch.send("+36301234567", "", "", "első", msg_id="a")
        assert "+CMS ERROR: 500" in str(err.value) and not err.value.permanent
        modem.fail_next = [21]
        with pytest.raises(SendError) as err:
            ch.send("+36301234567", "", "", "második", msg_id="b")
        assert err.value.permanent  # short message transfer rejected: retrying will not help
        ch.send("+36301234567", "", "", "harmadik", msg_id="c")
        assert [m.text for m in modem.wait_for(1)] == ["harmadik"]
    finally:
        ch.close()


def test_sms_without_pin_network_or_signal_says_why(modem: ModemEmulator) -> None:
    no_pin = Sms({"modem": modem.device})
    with pytest.raises(SendError, match="PIN"):
        no_pin.send("+36301234567", "", "", "x", msg_id="a")
    wrong = Sms({"modem": modem.device, "pin": "0000"})
    with pytest.raises(SendError, match="refused the PIN"):
        wrong.send("+36301234567", "", "", "x", msg_id="a")
    with pytest.raises(SendError, match="refused the PIN"):  # not tried again: three wrong PINs lock the SIM
        wrong.send("+36301234567", "", "", "x", msg_id="a")
    modem.registered = False
    with pytest.raises(SendError, match="not registered"):
        Sms({"modem": modem.device, "pin": "4321"}).send("+36301234567", "", "", "x", msg_id="a")
    modem.registered, modem.signal = True, 99
    with pytest.raises(SendError, match="no signal"):
        Sms({"modem": modem.device, "pin": "4321"}).send("+36301234567", "", "", "x", msg_id="a")
    assert modem.messages == []


def test_gateway_posts_through_apprise_with_the_recipient_in_the_url() -> None:
    sink = HttpSink().start()
    try:
        ch = Gateway({"url": f"json://127.0.0.1:{sink.port}/send/{{to}}"})
        ch.send("+36301234567", "Tárgy", "Hosszú szöveg", "Rövid szöveg ő", msg_id="x")
        (post,) = sink.wait_for(1)
        assert post["path"] == "/send/+36301234567"
        assert post["json"]["message"] == "Rövid szöveg ő" and post["json"]["title"] == "Tárgy"
        sink.status = 500
        with pytest.raises(SendError):
            ch.send("+36301234567", "Tárgy", "b", "s", msg_id="y")
    finally:
        sink.stop()


def test_default_sms_texts_take_at_most_two_parts() -> None:
    from hub.notify import texts
    from hub.notify.web import sms_parts

    facts = {"office": "Budapest XI. kerületi Kormányablak", "service": "Személyi igazolvány", "date": "2026. 12. 07.",
             "time": "14:30", "code": "K7M3QD", "bring": "régi igazolvány", "number": "A042",
             "counter": "12-es ablak", "ahead": 3, "link": "http://192.168.100.100:8080/book/manage/K7M3QD?sig=" + "6" * 20}
    for lang in ("hu", "en"):
        for kind in texts.KINDS:
            sms = texts.render({}, kind, lang, facts)["sms"]
            assert "{" not in sms and sms_parts(sms) <= 2, (lang, kind, len(sms))


def _server_tls(tmp_path) -> tuple[ssl.SSLContext, str]:
    from hub.broker._tls import ensure_ca, issue_server_certificate

    ca_cert, ca_key = ensure_ca(tmp_path, "test")
    cert, key = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    issue_server_certificate(ca_cert.read_bytes(), ca_key.read_bytes(), cert, key, hosts=["127.0.0.1"])
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx, str(ca_cert)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_email_over_starttls_and_tls_trusting_the_offices_ca(tmp_path, security: str) -> None:
    ctx, ca = _server_tls(tmp_path)
    smtp = SmtpSink(**{security: ctx}).start()
    try:
        cfg = {"host": "127.0.0.1", "port": smtp.port, "from": "iroda@example.hu", "security": security}
        with pytest.raises(SendError, match="CERTIFICATE_VERIFY_FAILED"):  # not a system CA
            Email(cfg, timeout=5).send("a@example.hu", "s", "b", "", msg_id="m0")
        Email({**cfg, "ca_file": ca}).send("a@example.hu", "Titkosítva", "b", "", msg_id="m1")
        assert smtp.wait_for(1)[0]["Subject"] == "Titkosítva"
    finally:
        smtp.stop()
