"""The consumer: the central broker's ``…/central/events`` and ``…/hello`` → PostgreSQL → ``…/ack``.

One MQTT client (``hub.central``) receives every site's batches (QoS 1) into a
bounded queue; one thread drains it, stores what it has in ONE PostgreSQL
transaction (:class:`central.db.Ingest`), and only after the commit publishes
each site's acknowledgement: the highest contiguous sequence stored. A batch
after a gap (an earlier one was lost) is refused with ``rewind``: the hub sends
again from the acknowledged sequence.

Each transaction that stored a site's events or recorded its contact (a hello)
also sends ``NOTIFY sorra_stored`` with the site id as payload; PostgreSQL
delivers it only when the transaction commits. Whatever reads the database
(a reporting tool, a second web front end, the tests) can LISTEN instead of
polling.

When the consumer (re)connects it tells every site where it stands (``rewind``
without an epoch), so hubs resend at once whatever was published while the
central side was away, instead of waiting for their acknowledgement timeout.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

from central import db as D
from central.broker import CONSUMER_USER

log = logging.getLogger(__name__)

MAX_QUEUE = 2000
"""Messages held between MQTT and PostgreSQL (about 2000 × 200 events at most)."""
MAX_EVENTS_PER_TX = 5000
STORED_CHANNEL = "sorra_stored"
"""Notified (payload: the site) by each commit that stored a site's events or its contact."""


class Consumer:
    def __init__(self, db_url: str, host: str, port: int, password: str, *,
                 on_stored: Callable[[str, list[dict[str, Any]]], None] | None = None,
                 username: str = CONSUMER_USER, tls_ca: str | None = None) -> None:
        self.db_url, self.host, self.port = db_url, host, port
        self.username, self.password, self.tls_ca = username, password, tls_ca
        self.on_stored = on_stored
        self.connected = threading.Event()
        self.stored_events = 0
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue(MAX_QUEUE)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: mqtt.Client | None = None
        self._conn: psycopg.Connection | None = None

    def start(self) -> Consumer:
        self._conn = D.connect(self.db_url, autocommit=True)
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=self.username, protocol=mqtt.MQTTv5)
        client.username_pw_set(self.username, self.password)
        if self.tls_ca is not None:
            import ssl

            client.tls_set_context(ssl.create_default_context(cafile=self.tls_ca or None))
        client.reconnect_delay_set(0.2, 5)
        client.on_connect = self._on_connect
        client.on_disconnect = lambda *a: self.connected.clear()
        client.on_message = self._on_message
        self._client = client
        client.connect_async(self.host, self.port, keepalive=30, clean_start=True)
        client.loop_start()
        self._thread = threading.Thread(target=self._run, name="central-consumer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass
        if self._thread is not None:
            self._thread.join(15)
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
        if self._conn is not None:
            self._conn.close()

    # ---- MQTT ---------------------------------------------------------------------------

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any = None) -> None:
        if reason.is_failure:
            log.warning("central broker refused the consumer: %s", reason)
            return
        client.subscribe([("sorra/v1/+/central/events", 1), ("sorra/v1/+/central/hello", 1)])
        self.connected.set()
        self._put(("", {"_kind": "resync"}))

    def _on_message(self, _c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        parts = msg.topic.split("/")
        if len(parts) != 5:
            return
        site, kind = parts[2], parts[4]
        try:
            payload = json.loads(msg.payload)
        except ValueError:
            log.warning("site %s sent a malformed message", site)
            return
        if not isinstance(payload, dict):
            return
        payload["_kind"] = kind
        self._put((site, payload))

    def _put(self, item: tuple[str, dict[str, Any]]) -> None:
        """Blocks paho's thread while PostgreSQL lags (back-pressure), but never past stop()."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _ack(self, site: str, acked: int, *, rewind: bool = False, epoch: Any = None) -> None:
        if self._client is None:
            return
        body = {"acked": acked, "rewind": rewind, "epoch": epoch}
        self._client.publish(f"sorra/v1/{site}/central/ack", json.dumps(body), qos=1)

    # ---- storing ---------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if item is None:
                break
            items = [item]
            n = len(item[1].get("events") or ())
            while n < MAX_EVENTS_PER_TX:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._stop.set()
                    break
                items.append(nxt)
                n += len(nxt[1].get("events") or ())
            self._process(items)

    def _process(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        while not self._stop.is_set():
            try:
                self._store(items)
                return
            except psycopg.OperationalError as exc:
                # PostgreSQL away: nothing was acknowledged; hubs resend after their timeout.
                log.error("PostgreSQL: %s; retrying", exc)
                self._reconnect()
            except Exception:
                log.exception("storing a batch failed; dropped (the hubs send it again)")
                return

    def _reconnect(self) -> None:
        while not self._stop.wait(1.0):
            try:
                if self._conn is not None:
                    self._conn.close()
                self._conn = D.connect(self.db_url, autocommit=True)
                return
            except psycopg.OperationalError as exc:
                log.error("PostgreSQL: %s", exc)

    def _store(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        assert self._conn is not None
        acks: list[tuple[str, int, bool, Any]] = []
        stored: dict[str, list[dict[str, Any]]] = {}
        touched: set[str] = set()
        with self._conn.transaction():
            ingest = D.Ingest(self._conn)
            for site, msg in items:
                kind = msg.get("_kind")
                if kind == "resync":
                    for row in D.sites(self._conn):
                        acks.append((row["site"], int(row["acked_seq"]), True, None))
                elif kind == "hello":
                    acked = D.heartbeat(self._conn, site, int(msg.get("head") or 0))
                    if acked is None:
                        continue
                    touched.add(site)
                    if site in ingest.acked and ingest.acked[site] is not None:
                        acked = int(ingest.acked[site])  # type: ignore[arg-type]
                    # The hub thinks more is stored than there is (a restored backup): resend from here.
                    hub_acked = int(msg.get("acked") or 0)
                    acks.append((site, acked, hub_acked > acked, None))
                elif kind == "events":
                    events = msg.get("events") or []
                    if msg.get("site") not in (None, site):
                        continue  # the topic (ACL-checked) decides; a mismatch is ignored
                    try:
                        with self._conn.transaction():  # a savepoint: one bad message spoils nothing else
                            acked, rewind, new = ingest.add(site, int(msg.get("prev", 0)), events)
                    except (KeyError, TypeError, ValueError, AttributeError, psycopg.DataError) as exc:
                        log.error("site %s sent a batch that cannot be stored (%r); it is not acknowledged", site,
                                  exc)
                        continue
                    if acked is None:
                        continue
                    if new:
                        stored.setdefault(site, []).extend(new)
                        touched.add(site)
                    acks.append((site, acked, rewind, msg.get("epoch") if rewind else None))
            ingest.finish()
            for site in sorted(touched):  # delivered by PostgreSQL at the commit, never before
                self._conn.execute("SELECT pg_notify(%s, %s)", [STORED_CHANNEL, site])
        self.stored_events += sum(ingest.stored.values())
        if self.on_stored is not None:
            for site, events in stored.items():
                self.on_stored(site, events)
        # Only the last ack per site matters (and every rewind).
        last: dict[str, tuple[int, bool, Any]] = {}
        for site, acked, rewind, epoch in acks:
            if rewind:
                self._ack(site, acked, rewind=True, epoch=epoch)
            last[site] = (acked, rewind, epoch)
        for site, (acked, rewind, _epoch) in last.items():
            if not rewind:
                self._ack(site, acked)
