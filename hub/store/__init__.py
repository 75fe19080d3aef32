"""SQLite persistence for the hub (WAL, synchronous=FULL, versioned migrations)."""

from hub.store.store import ReplyRow, Store, open_db

__all__ = ["ReplyRow", "Store", "open_db"]
