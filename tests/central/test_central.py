"""The central side on its own: idempotent ingest, per-site broker ACL, accounts and the web app."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

from central import db as D
from tests.central.helpers import Central, Office, join, matches, sorra, wait_for


def _ev(seq: int, kind: str, **data) -> dict:
    return {"seq": seq, "at": 1_800_000_000.0 + seq, "day": "2027-01-15", "type": kind,
            "data": {"type": kind, "at": 1_800_000_000.0 + seq, **data}}


def _ticket(tid: str) -> dict:
    return {"id": tid, "day": "2027-01-15", "services": ["A"], "issued_at": 1_800_000_000.0}


def test_ingest_is_idempotent_and_refuses_gaps(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        D.migrate(conn)
        D.put_site(conn, "s1", "One", "s1", "x")
        batch = [_ev(1, "ticket.issued", ticket=_ticket("t1")), _ev(2, "ticket.issued", ticket=_ticket("t2")),
                 _ev(3, "ticket.called", ticket="t1", counter=1), _ev(5, "ticket.finished", ticket="t1", counter=1)]
        for _ in range(2):  # the same batch twice (a resend after a lost ack)
            with conn.transaction():
                ing = D.Ingest(conn)
                acked, rewind, _new = ing.add("s1", 0, batch)
                ing.finish()
            assert (acked, rewind) == (5, False)
        with conn.transaction():  # after a gap: refused, resend from 5
            ing = D.Ingest(conn)
            assert ing.add("s1", 7, [_ev(8, "ticket.no_show", ticket="t2", counter=1)])[:2] == (5, True)
            ing.finish()
        with conn.transaction():  # overlapping resend: only the new part counts
            ing = D.Ingest(conn)
            acked, rewind, new = ing.add("s1", 2, [batch[2], batch[3], _ev(6, "ticket.cancelled", ticket="t2")])
            ing.finish()
        assert (acked, rewind, [e["seq"] for e in new]) == (6, False, [6])
        r = D.report(conn, "2027-01-15")["s1"]
        assert (r["issued"], r["served"], r["cancelled"], r["open"]) == (2, 1, 1, 0)
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 5
        assert D.remove_site(conn, "s1")
        with conn.transaction():  # a removed site's hub is no longer stored; its history stays
            assert D.Ingest(conn).add("s1", 6, [_ev(7, "ticket.issued", ticket=_ticket("t3"))])[0] is None
        assert D.report(conn, "2027-01-15")["s1"]["issued"] == 2


def test_a_site_cannot_write_for_another(tmp_path: Path, pg_url: str) -> None:
    central = Central(tmp_path / "central", pg_url).start()
    try:
        a, b = central.add_site("a"), central.add_site("b")
        acks: list[str] = []
        sub_codes: list = []
        ready = threading.Event()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=a["username"], protocol=mqtt.MQTTv5)
        client.username_pw_set(a["username"], a["password"])
        client.on_connect = lambda c, *_: c.subscribe([("sorra/v1/b/central/ack", 1), ("sorra/v1/a/central/ack", 1)])

        def on_subscribe(_c, _u, _mid, codes, _p=None) -> None:
            sub_codes.extend(codes)
            ready.set()
        client.on_subscribe = on_subscribe
        got_own_ack = threading.Event()

        def on_message(_c, _u, msg) -> None:
            acks.append(msg.topic)
            if msg.topic == "sorra/v1/a/central/ack":
                got_own_ack.set()
        client.on_message = on_message
        client.connect("127.0.0.1", central.config.mqtt_port)
        client.loop_start()
        try:
            assert ready.wait(10)
            assert not sub_codes[1].is_failure  # (mosquitto grants b's too, but delivers nothing: below)
            forged = {"site": "b", "prev": 0, "epoch": 1,
                      "events": [_ev(1, "ticket.issued", ticket=_ticket("evil"))]}
            client.publish("sorra/v1/b/central/events", json.dumps(forged), qos=1).wait_for_publish(10)
            other = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=b["username"], protocol=mqtt.MQTTv5)
            other.username_pw_set(b["username"], b["password"])
            other.connect("127.0.0.1", central.config.mqtt_port)
            other.loop_start()
            other.publish("sorra/v1/b/central/hello", json.dumps({"head": 0, "acked": 0}), qos=1).wait_for_publish(10)
            other.loop_stop()
            other.disconnect()
            client.publish("sorra/v1/a/central/hello", json.dumps({"head": 0, "acked": 0}), qos=1)
            assert got_own_ack.wait(10)  # b's ack was published before it  # processed after the forged batch, which never reached the consumer
        finally:
            client.loop_stop()
            client.disconnect()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 0
        assert all(t == "sorra/v1/a/central/ack" for t in acks)
    finally:
        central.stop()


def test_tls_web_overview_statistics_and_a_regional_manager(tmp_path: Path, pg_url: str, hub_factory) -> None:
    central = Central(tmp_path / "central", pg_url, web=True, tls=True).start()
    try:
        creds = {s: central.add_site(s, f"Office {s}") for s in ("east", "west")}
        assert creds["east"]["url"] == f"mqtts://127.0.0.1:{central.config.tls_port}"  # hubs over TLS
        offices = {s: Office(hub_factory(s, site=s)) for s in creds}
        for s, office in offices.items():
            join(office.hub.data_dir, creds[s])
        offices["east"].work(6, served=3, no_show=1)
        offices["west"].work(2, served=1)
        wait_for(central.db_url, lambda: matches(central, offices), what="replication")
        for name, role, sites in (("boss", "admin", ""), ("reg", "manager", "west")):
            args = ["central", "user", "add", name, "--role", role, "--password-stdin", "--data", str(central.data)]
            sorra(*args, *(["--sites", sites] if sites else []), stdin="correct horse\n")
        base = f"http://127.0.0.1:{central.config.http_port}"
        day = offices["east"].day

        @contextmanager
        def login(name: str) -> Iterator[httpx.Client]:
            with httpx.Client(base_url=base, timeout=30) as c:
                r = c.post("/login", data={"name": name, "password": "correct horse"})
                assert r.status_code == 303
                yield c

        assert httpx.get(base + "/api/overview").status_code == 401
        with login("boss") as boss:
            offices_seen = {o["site"]: o for o in boss.get("/api/overview").json()["offices"]}
            assert set(offices_seen) == {"east", "west"}
            east = offices_seen["east"]
            assert east["waiting"] == 2 and east["open_counters"] == 1 and east["last_contact_ago_s"] is not None
            assert "Minden iroda most" in boss.get("/").text  # Hungarian by default (tests/central/test_web_i18n.py)
            # the hub's own statistics code, run on the central copy of the log, gives the hub's figures
            central_report = boss.get(f"/api/stats/east?from={day}&to={day}").json()
            from hub.stats import compute

            with offices["east"].hub.hub.store.lock:
                hub_report = compute(offices["east"].hub.hub.store.db.conn, day, day)
            for key in ("issued", "served", "no_show", "open", "calls"):
                assert central_report["totals"][key] == hub_report["totals"][key], key
            assert boss.get(f"/stats/east/export.xlsx?from={day}&to={day}").content[:2] == b"PK"
            assert "Served" in boss.get(f"/stats/east/export.csv?from={day}&to={day}&table=summary&lang=en").text
            assert "Office east" in boss.get(f"/stats?from={day}&to={day}").text
            assert "<svg" in boss.get(f"/stats/east?from={day}&to={day}").text  # the hub's charts
            assert boss.get("/static/sorra.css").status_code == 200
        with login("reg") as reg:
            assert [o["site"] for o in reg.get("/api/overview").json()["offices"]] == ["west"]
            assert reg.get(f"/api/stats/east?from={day}&to={day}").status_code == 404
            csv_text = reg.get(f"/stats/export.csv?from={day}&to={day}").text
            assert "west" in csv_text and "east" not in csv_text
            assert set(reg.get(f"/api/report?from={day}&to={day}").json()["sites"]) == {"west"}
        # removing a site keeps its history
        sorra("central", "site", "remove", "east", "--data", str(central.data))
        report = json.loads(sorra("central", "report", "--day", day, "--data", str(central.data)).stdout)
        assert report["east"]["issued"] == 6
    finally:
        central.stop()


def test_a_bad_batch_spoils_no_other_site(pg_url: str) -> None:
    from central.consumer import Consumer

    with psycopg.connect(pg_url, autocommit=True) as conn:
        D.migrate(conn)
        D.put_site(conn, "good", "Good", "good", "x")
        D.put_site(conn, "bad", "Bad", "bad", "x")
        consumer = Consumer(pg_url, "127.0.0.1", 1, "x")
        consumer._conn = conn
        consumer._store([
            ("bad", {"_kind": "events", "prev": 0, "events": [{"seq": 1, "at": 1.0, "type": "ticket.issued",
                                                                 "data": {"ticket": "not a ticket"}}]}),
            ("good", {"_kind": "events", "prev": 0, "events": [_ev(1, "ticket.issued", ticket=_ticket("t1"))]}),
        ])
        assert [r[0] for r in conn.execute("SELECT site FROM events")] == ["good"]
        assert D.report(conn, "2027-01-15")["good"]["issued"] == 1
        assert {r["site"]: r["acked_seq"] for r in D.sites(conn)} == {"bad": 0, "good": 1}
