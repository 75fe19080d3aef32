"""Messages for tickets taken from afar and the survey after a visit, on a real hub.

A remote ticket's citizen gets its number and check-in code at once, is
followed from then on, is told once when the turn passed while away, and, when
the office asks, gets the one-question survey after the visit. SMS go to a
modem emulator on a pty, so the exact Hungarian text is checked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.notify.modem_emulator import ModemEmulator
from tests.hub_fixture import TestHub
from tests.notify.servers import SmtpSink
from tests.notify.test_delivery import log_rows, notify_cli

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def office(tmp_path) -> Iterator[tuple[TestHub, ModemEmulator, SmtpSink]]:
    smtp = SmtpSink().start()
    modem = ModemEmulator(pin="1234").start()
    hub = TestHub(tmp_path / "hub", web=True).start()
    try:
        hub.admin.set_office(name={"hu": "Próba Kormányablak", "en": "Test Office"})
        hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A", remote=True)
        hub.admin.add_counter(1, "")
        for args in (("sms", "--modem", modem.device, "--pin", "1234"),
                     ("email", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port), "--from", "iroda@example.hu"),
                     ("next", "--ahead", "0"), ("survey", "on")):
            done = notify_cli(hub.data_dir, *args)
            assert done.returncode == 0, done.stderr
        yield hub, modem, smtp
    finally:
        hub.close_clients()
        hub.stop()
        modem.stop()
        smtp.stop()


def test_a_remote_ticket_gets_its_code_its_turn_the_call_and_the_survey(office) -> None:
    hub, modem, smtp = office
    kiosk = hub.client("kiosk-1", "kiosk")
    counter = hub.client("counter-1", "counter", 1)
    joined = hub.admin.call("admin.remote_join", {"service": "A", "contact": "06 30 123 4567", "origin": "o1",
                                                  "lang": "hu"})
    code, remote = joined["code"], joined["ticket"]
    first = modem.wait_for(1)[0]
    assert first.number == "+36301234567"
    assert remote["number"] in first.text and code in first.text and "automatánál" in first.text
    assert len(first.text) <= 134  # two UCS2 parts at most; the status link is in the e-mail version only

    walk_in = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    counter.call("counter.resume")
    assert counter.call("counter.call_next")["ticket"]["id"] == walk_in["id"]  # the remote one is passed over
    turn = modem.wait_for(2)[1]
    assert "sorra került" in turn.text and code in turn.text and "elsőként" in turn.text

    kiosk.call("ticket.checkin", {"code": code})
    assert counter.call("counter.call_next")["ticket"]["id"] == remote["id"]
    called = modem.wait_for(3)[2]
    assert "szólítjuk: 1-es ablak" in called.text  # the counter named as everywhere else

    counter.call("counter.finish")
    survey = modem.wait_for(4)[3]
    assert f"/f/{remote['token']}" in survey.text and "0-10" in survey.text and "értékelje" in survey.text
    kinds = [r["kind"] for r in log_rows(hub.data_dir) if r["to"] == "+36301234567"]
    assert sorted(kinds) == ["called", "joined", "remote_turn", "survey"]  # each once, none twice
    assert len(modem.messages) == 4
    assert not smtp.messages


def test_no_survey_unless_the_office_asks(office) -> None:
    hub, modem, _ = office
    assert notify_cli(hub.data_dir, "survey", "off").returncode == 0
    counter = hub.client("counter-1", "counter", 1)
    joined = hub.admin.call("admin.remote_join", {"service": "A", "contact": "+36305550000", "origin": "o2",
                                                  "lang": "en"})
    assert "check in" in modem.wait_for(1)[0].text.lower()
    hub.client("kiosk-1", "kiosk").call("ticket.checkin", {"code": joined["code"]})
    counter.call("counter.resume")
    assert counter.call("counter.call_next")["ticket"]["id"] == joined["ticket"]["id"]
    assert "Counter 1" in modem.wait_for(2)[1].text
    counter.call("counter.finish")
    # The finish is committed before the reply; a survey would have been queued in that commit.
    kinds = [r["kind"] for r in log_rows(hub.data_dir)]
    assert "survey" not in kinds and kinds.count("called") == 1
