"""Paired devices: who may speak on the bus, in which role, for which counter."""

from __future__ import annotations

import re
import sqlite3
import threading
import time

from hub.ops import Actor
from hub.store import Store, connect

DEVICE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ROLES = ("kiosk", "counter", "display")
CACHE_S = 1.0


class DeviceRegistry:
    """Cached view of the store's ``devices`` table, plus the hub's own admin accounts.

    The CLI may add or remove devices in the database while the hub runs, so
    entries are re-read after a second.
    """

    def __init__(self, store: Store, admins: tuple[str, ...] = ("admin",)) -> None:
        self.store = store
        self.admins = admins
        self._cache: dict[str, tuple[float, Actor | None]] = {}
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def actor(self, device: str) -> Actor | None:
        if device in self.admins:
            return Actor(device, "admin")
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(device)
            if hit is not None and now - hit[0] < CACHE_S:
                return hit[1]
        with self._lock:
            # Its own connection: the worker may be inside a transaction on the store's.
            if self._conn is None:
                self._conn = connect(self.store.path, readonly=True, cache_kib=256)
            row = self._conn.execute("SELECT role, counter FROM devices WHERE id = ?", [device]).fetchone()
            actor = Actor(device, row[0], row[1]) if row else None
            self._cache[device] = (now, actor)
        return actor

    def forget(self, device: str) -> None:
        with self._lock:
            self._cache.pop(device, None)
