"""An NPS survey answer is an event of the hub's log, so the central service receives it."""

from __future__ import annotations

from pathlib import Path

import psycopg

from tests.central.helpers import Central, Office, join, wait_for


def test_an_nps_answer_reaches_central(tmp_path: Path, pg_url: str, hub_factory) -> None:
    central = Central(tmp_path / "central", pg_url).start()
    try:
        creds = central.add_site("east", "Office east")
        office = Office(hub_factory("east", site="east-office"))
        office.work(1, served=1)
        admin = office.hub.admin
        token = office.hub.hub.store.db.execute("SELECT token FROM tickets WHERE state = 'done'").fetchone()[0]
        answer = admin.call("admin.nps_answer", {"token": token, "score": 9})
        join(office.hub.data_dir, creds)

        def replicated() -> list:
            with psycopg.connect(central.db_url, autocommit=True) as conn:
                return conn.execute("SELECT data FROM events WHERE site = %s AND type = 'feedback.nps'",
                                    ["east"]).fetchall()

        ((data,),) = wait_for(central.db_url, replicated, what="the feedback.nps event at central")  # jsonb: a dict
        assert (data["ticket"], data["score"]) == (answer["ticket"], 9)
    finally:
        central.stop()
