"""Two hubs, a central service, its real broker and a real PostgreSQL: counts match to the
ticket after central restarts and while the central side is away; nothing is stored twice."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg

from central.consumer import STORED_CHANNEL
from tests.central.helpers import Central, Office, join, matches, sorra, wait_for


def _events_match(central: Central, site: str, office: Office) -> bool:
    """Every event of the hub is in PostgreSQL exactly once, and nothing else."""
    hub_seqs = [r[0] for r in office.hub.hub.store.db.execute("SELECT seq FROM events ORDER BY seq")]
    with psycopg.connect(central.db_url, autocommit=True) as conn:
        got = [r[0] for r in conn.execute("SELECT seq FROM events WHERE site = %s ORDER BY seq", [site])]
    return got == hub_seqs


def test_two_hubs_central_restart_and_outage(tmp_path: Path, pg_url: str, hub_factory) -> None:
    central = Central(tmp_path / "central", pg_url).start()
    try:
        creds = {site: central.add_site(site, f"Office {site}") for site in ("east", "west")}
        assert creds["east"]["url"] == f"mqtt://127.0.0.1:{central.config.mqtt_port}"
        assert {"site", "url", "username", "password"} <= set(creds["east"])
        offices = {site: Office(hub_factory(site, site=f"{site}-office")) for site in creds}
        offices["east"].work(5, served=2, no_show=1)  # history from before the join
        for site, office in offices.items():
            join(office.hub.data_dir, creds[site])  # the hubs run: takes effect at once
        offices["west"].work(4, served=1)
        wait_for(central.db_url, lambda: matches(central, offices), what="first replication")

        # Central restarted while both offices keep working.
        offices["east"].work(3, served=3)
        central.stop()
        offices["west"].work(6, served=2, no_show=2)
        central.start()
        offices["east"].work(2, no_show=1)
        wait_for(central.db_url, lambda: matches(central, offices), what="catch-up after a restart")
        c = offices["west"].counts[max(offices["west"].counts)]  # the overview, rebuilt from PostgreSQL at start
        assert central.service.live_ready.wait(10)
        assert central.service.live.overview("west")["waiting"] == c["issued"] - c["served"] - c["no_show"]

        # The link cut (the central broker away; consumer and PostgreSQL stay): the offices work on.
        broker = central.service.broker
        accounts = broker.accounts
        broker.stop()
        offices["west"].work(3, served=1)
        offices["east"].work(2, served=2)
        broker.start(accounts)
        wait_for(central.db_url, lambda: matches(central, offices), what="catch-up after a cut")

        # Central away for a while: the offices do not wait for it.
        central.stop()
        started = time.monotonic()
        for office in offices.values():
            office.work(10, served=4, no_show=1)
        assert time.monotonic() - started < 10  # ~50 requests, none held up by the missing central
        backlog = json.loads(sorra("hub", "central", "status", "--data", str(offices["west"].hub.data_dir)).stdout)
        assert backlog["backlog"] > 0 and backlog["site"] == "west"
        central.start()
        wait_for(central.db_url, lambda: matches(central, offices), what="catch-up after an outage")
        for site, office in offices.items():
            assert wait_for(central.db_url, lambda site=site, office=office: _events_match(central, site, office),
                            what=f"{site} event log")

        def caught_up() -> bool:
            st = json.loads(sorra("hub", "central", "status", "--data", str(offices["west"].hub.data_dir)).stdout)
            return st["backlog"] == 0 and st["acked"] == offices["west"].head()
        wait_for(central.db_url, caught_up, what="hub status shows no backlog")

        # Every day the office worked (a run across the office's midnight has two).
        for day, counted in offices["east"].counts.items():
            report = json.loads(sorra("central", "report", "--day", day, "--data", str(central.data)).stdout)
            assert {k: report["east"][k] for k in ("issued", "served", "no_show")} == counted
    finally:
        central.stop()


def test_each_commit_of_a_sites_events_is_notified(tmp_path: Path, pg_url: str, hub_factory) -> None:
    """``NOTIFY sorra_stored`` (payload: the site) after each commit, for whatever reads PostgreSQL."""
    central = Central(tmp_path / "central", pg_url).start()
    try:
        creds = central.add_site("east", "Office east")
        office = Office(hub_factory("east", site="east-office"))
        office.work(2)
        with psycopg.connect(central.db_url, autocommit=True) as conn:
            conn.execute(f"LISTEN {STORED_CHANNEL}")
            join(office.hub.data_dir, creds)
            payloads, stored = [], 0
            while not stored:  # the hello's commit may come before the events'
                got = [n.payload for n in conn.notifies(timeout=30, stop_after=1)]
                assert got, "no notification"
                payloads += got
                (stored,) = conn.execute("SELECT count(*) FROM events WHERE site = 'east'").fetchone()
        assert stored == office.head() and set(payloads) == {"east"}
    finally:
        central.stop()
