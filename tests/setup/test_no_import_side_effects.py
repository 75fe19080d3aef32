"""Importing any module of the shared package or a device app touches no file and no process-wide setting.

A module may define things; starting things (folders, probe files, caches,
``tempfile.tempdir``) is a start-up step its app takes explicitly (e.g.
:func:`kiosk.printing.prepare_escpos`). Every module is imported in a fresh
interpreter whose home, caches, temp dir and working directory are empty
folders; afterwards they must still be empty.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("sorra", "kiosk", "counter_terminal", "display")
NOT_IMPORTED = {
    "kiosk.printing._escpos": "imports python-escpos, which only kiosk.printing.load_escpos() loads, after "
                              "prepare_escpos()",
}

SCRIPT = r"""
import importlib, json, pkgutil, sys, tempfile
packages, skip = json.loads(sys.argv[1]), set(json.loads(sys.argv[2]))
before = tempfile.tempdir
imported, failed = [], {}
for package in packages:
    root = importlib.import_module(package)
    imported.append(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if info.name in skip or info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except Exception as err:
            failed[info.name] = repr(err)
print(json.dumps({"imported": imported, "failed": failed, "tempdir": [before, tempfile.tempdir],
                  "escpos_loaded": "escpos.capabilities" in sys.modules}))
"""


def test_importing_every_module_creates_no_file_and_changes_no_temp_dir(tmp_path):
    places = {name: tmp_path / name for name in ("home", "cache", "tmp", "cwd", "runtime")}
    for place in places.values():
        place.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("ESCPOS_CAPABILITIES_PICKLE_DIR", "CACHE_DIRECTORY", "STATE_DIRECTORY")}
    env.update(HOME=str(places["home"]), XDG_CACHE_HOME=str(places["cache"]), TMPDIR=str(places["tmp"]),
               XDG_RUNTIME_DIR=str(places["runtime"]), PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1",
               QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(PACKAGES), json.dumps(sorted(NOT_IMPORTED))],
                         cwd=places["cwd"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}
    assert len(report["imported"]) > 100 and "kiosk.printing" in report["imported"]
    before, after = report["tempdir"]
    assert after == before, f"tempfile.tempdir changed from {before!r} to {after!r}"
    assert not report["escpos_loaded"], "python-escpos was loaded by an import, not by the printer's start-up"
    created = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.parent != tmp_path)
    assert created == [], f"importing the modules created {created}"
