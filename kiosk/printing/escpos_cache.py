"""Loading python-escpos without litter: an explicit call at printer start-up, never at import.

python-escpos's ``capabilities`` module pickles the printer database into
``ESCPOS_CAPABILITIES_PICKLE_DIR`` and, in 3.1, evaluates ``mkdtemp()`` as the
fallback even when that variable is set, leaving an empty ``/tmp/tmpXXXX``
behind on every import. :func:`prepare_escpos` points the variable at a
persistent cache folder and lets that stray ``mkdtemp()`` land in a scratch
folder it deletes at once (``tempfile.tempdir`` is changed only for that
import, under a lock). It creates the cache folder and checks it is writable,
so it is a start-up step: :class:`kiosk.app.KioskApp`, ``sorra kiosk
test-print`` and the setup menu's test print call it before they build a
printer; :func:`load_escpos` (used by the printer adapter and the renderer)
calls it too, so nothing reaches python-escpos without it.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType

PICKLE_DIR_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"

_lock = threading.Lock()


def cache_dir() -> Path:
    """Where the capabilities pickle goes: ``$ESCPOS_CAPABILITIES_PICKLE_DIR``, systemd's
    ``CacheDirectory=`` (``$CACHE_DIRECTORY``) or the XDG cache."""
    if os.environ.get(PICKLE_DIR_ENV):
        return Path(os.environ[PICKLE_DIR_ENV])
    base = os.environ.get("CACHE_DIRECTORY") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "sorra" / "escpos"


def prepare_escpos() -> None:
    """Import python-escpos's capabilities once, with its pickle in :func:`cache_dir` (idempotent)."""
    with _lock:
        if "escpos.capabilities" in sys.modules:
            return
        cache = cache_dir()
        try:
            cache.mkdir(parents=True, exist_ok=True)
            probe = cache / f".probe-{os.getpid()}"
            probe.touch()
            probe.unlink()
        except OSError:  # read-only home: a stable per-user folder, not a new one per run
            cache = Path(tempfile.gettempdir()) / f"sorra-escpos-{os.getuid()}"
            cache.mkdir(mode=0o700, exist_ok=True)
        os.environ[PICKLE_DIR_ENV] = str(cache)
        scratch = Path(tempfile.mkdtemp(prefix=".import-", dir=cache))
        saved = tempfile.tempdir
        tempfile.tempdir = str(scratch)
        try:
            importlib.import_module("escpos.capabilities")  # runs the pickle logic once
        finally:
            tempfile.tempdir = saved
            shutil.rmtree(scratch, ignore_errors=True)


def load_escpos() -> ModuleType:
    """:mod:`kiosk.printing._escpos` (python-escpos's printer classes and ours), after :func:`prepare_escpos`."""
    prepare_escpos()
    return importlib.import_module("kiosk.printing._escpos")
