"""The ticket printer: layout → ESC/POS bytes, the device adapter, its status.

python-escpos is imported only through this package. Its ``capabilities``
module pickles the printer database into ``ESCPOS_CAPABILITIES_PICKLE_DIR``
and, in 3.1, evaluates ``mkdtemp()`` as the fallback even when that variable
is set, leaving an empty ``/tmp/tmpXXXX`` behind on every import. So before
anything imports escpos we point the variable at a persistent cache directory
and let that stray ``mkdtemp()`` land in a scratch folder we delete at once.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

PICKLE_DIR_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def _cache_dir() -> Path:
    if os.environ.get(PICKLE_DIR_ENV):
        return Path(os.environ[PICKLE_DIR_ENV])
    # systemd's CacheDirectory= sets CACHE_DIRECTORY; otherwise the XDG cache.
    base = os.environ.get("CACHE_DIRECTORY") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "sorra" / "escpos"


def _prepare_escpos_import() -> None:
    if "escpos.capabilities" in sys.modules:
        return
    cache = _cache_dir()
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
        import escpos.capabilities  # noqa: F401  (runs the pickle logic once)
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(scratch, ignore_errors=True)


_prepare_escpos_import()

from kiosk.printing.device import (  # noqa: E402
    EscposDevice,
    FakePrinter,
    PrinterDevice,
    open_device,
)
from kiosk.printing.render import TicketRenderer  # noqa: E402
from kiosk.printing.service import PrinterService, PrintResult  # noqa: E402
from kiosk.printing.status import PrinterState, PrinterStatus, decode_status  # noqa: E402
from kiosk.printing.template import Template, TemplateError, load_template  # noqa: E402
from kiosk.printing.ticket import TicketData, sample_ticket  # noqa: E402

__all__ = [
    "EscposDevice",
    "FakePrinter",
    "PrintResult",
    "PrinterDevice",
    "PrinterService",
    "PrinterState",
    "PrinterStatus",
    "Template",
    "TemplateError",
    "TicketData",
    "TicketRenderer",
    "decode_status",
    "load_template",
    "open_device",
    "sample_ticket",
]
