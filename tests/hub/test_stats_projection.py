"""The statistics are projected after the commits, in batches: none is lost, none is counted twice.

A request's transaction holds its events, not their facts (hub/stats/projector.py). These
check what that promise rests on: a crash between a commit and its projection, two readers
catching up at once, a store from before the batched projection, and the hub projecting by
itself a moment after a commit.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from hub.stats import FACT_TABLES, catch_up, current, install, rebuild
from hub.stats.projector import PROJECTED_KEY, projected_seq
from hub.store import Store, connect
from tests.hub_fixture import TestHub
from tests.web.test_stats import scenario


def _facts(conn: sqlite3.Connection) -> dict[str, list]:
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in FACT_TABLES}


def _last_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT MAX(seq) FROM events").fetchone()[0]


def _rebuilt(path: Path, tmp: Path) -> dict[str, list]:
    """The facts a full rebuild gives, on a copy (the original stays as the projection left it)."""
    copy = tmp / "rebuilt.db"
    src = sqlite3.connect(path)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    rebuild(dst)
    facts = _facts(dst)
    dst.close()
    return facts


def test_events_a_crash_left_unprojected_are_projected_at_the_next_start(tmp_path: Path) -> None:
    office = scenario(tmp_path / "sorra.db")  # commits only: nothing projects in between
    conn = office.store.db.conn
    assert projected_seq(conn) < _last_seq(conn)
    office.store.close()  # the process dies here, before the engine thread's projection

    store = Store(tmp_path / "sorra.db")
    install(store)
    assert projected_seq(store.db.conn) == _last_seq(store.db.conn)
    assert _facts(store.db.conn) == _rebuilt(tmp_path / "sorra.db", tmp_path)
    assert catch_up(store.db.conn) == 0  # and nothing is projected twice
    store.close()


def test_two_readers_catching_up_at_once_project_every_event_once(tmp_path: Path) -> None:
    office = scenario(tmp_path / "sorra.db")
    events = _last_seq(office.store.db.conn)
    conns = [connect(tmp_path / "sorra.db") for _ in range(2)]
    start = threading.Barrier(2)
    projected: list[int] = []

    def reader(conn: sqlite3.Connection) -> None:
        start.wait()
        projected.append(catch_up(conn))

    threads = [threading.Thread(target=reader, args=(c,)) for c in conns]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert sorted(projected) == [0, events]  # one projected all of them, the other found them done
    assert _facts(conns[0]) == _rebuilt(tmp_path / "sorra.db", tmp_path)
    for c in conns:
        c.close()
    office.store.close()


def test_a_bounded_catch_up_leaves_the_rest_for_the_next(tmp_path: Path) -> None:
    office = scenario(tmp_path / "sorra.db")
    conn = office.store.db.conn
    events = _last_seq(conn)
    assert catch_up(conn, max_events=7, batch=3) == 7
    assert projected_seq(conn) == 7
    assert catch_up(conn) == events - 7
    assert _facts(conn) == _rebuilt(tmp_path / "sorra.db", tmp_path)
    office.store.close()


def test_a_store_from_before_the_batched_projection_is_not_projected_again(tmp_path: Path) -> None:
    office = scenario(tmp_path / "sorra.db")
    conn = current(office.store.db.conn)
    facts = _facts(conn)
    with conn:  # what such a store looks like: every commit had projected its own events, no mark
        conn.execute("DELETE FROM stat_meta WHERE key = ?", [PROJECTED_KEY])
    office.store.close()

    store = Store(tmp_path / "sorra.db")
    install(store)
    assert projected_seq(store.db.conn) == _last_seq(store.db.conn)
    assert _facts(store.db.conn) == facts  # no contact, case or session counted twice
    store.close()


def test_the_hub_projects_a_moment_after_its_commits(hub: TestHub) -> None:
    hub.admin.add_service("A", {"hu": "Okmány", "en": "Documents"}, "A")
    kiosk = hub.client("kiosk-1", "kiosk")
    projected = threading.Condition()
    project_stats = hub.hub.project_stats

    def projecting(max_events: int | None = None) -> int:
        n = project_stats(max_events)
        with projected:
            projected.notify_all()
        return n

    hub.hub.project_stats = projecting  # type: ignore[method-assign]
    ticket = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    reader = connect(hub.hub.store.path, readonly=True)  # reads only: it cannot catch up by itself
    try:
        last = _last_seq(reader)
        with projected:  # woken by each projection of the engine thread
            assert projected.wait_for(lambda: projected_seq(reader) >= last, 10)
        row = reader.execute("SELECT outcome, service FROM stat_ticket WHERE id = ?", [ticket["id"]]).fetchone()
        assert row == ("open", "A")
        assert json.loads(reader.execute("SELECT value FROM stat_meta WHERE key = ?",
                                         [PROJECTED_KEY]).fetchone()[0]) >= last
    finally:
        reader.close()
