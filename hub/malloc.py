"""glibc malloc settings for the long-running hub process (call :func:`tune` first thing in ``sorra hub run``).

Two glibc defaults cost a hub that runs for months tens of megabytes for nothing:

* the dynamic mmap threshold: after the first large block is freed (a web
  sign-in's scrypt takes 16 MB), blocks of that size come from the heap and
  their pages stay in the process for good (+18 MB RSS after one sign-in,
  measured). A fixed threshold keeps large blocks in mmap, returned when freed;
* one malloc arena per thread that allocates (up to 8 per core): the hub's
  threads (engine worker, MQTT, web, discovery) fragment memory across them.

Both are what ``MALLOC_MMAP_THRESHOLD_=131072 MALLOC_ARENA_MAX=2`` in the
environment do; set in the process itself, they apply however the hub is
started. Nothing happens where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024
ARENA_MAX = 2


def tune() -> bool:
    """Set the hub's malloc options; call before the hub starts its threads. True if applied."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    ok = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX, ARENA_MAX))
    if not ok:
        log.debug("mallopt refused the hub's memory settings")
    return ok
