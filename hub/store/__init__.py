"""SQLite persistence for the hub (WAL, synchronous=FULL, versioned migrations)."""

import sys


def _import_sqlite_utils_without_numpy() -> None:
    """sqlite_utils imports numpy and pandas at import time when they are installed, only to map
    their types to column types, which the hub never stores. numpy alone is ~12 MB of the hub's
    RSS; the statistics import it when a report is computed (hub.stats), not before."""
    if "sqlite_utils" in sys.modules:
        return
    blocked = [name for name in ("numpy", "pandas") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes "import name" fail
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]


_import_sqlite_utils_without_numpy()

from hub.store.store import ReplyRow, Store, connect, open_db  # noqa: E402

__all__ = ["ReplyRow", "Store", "connect", "open_db"]
