"""Run every benchmark (or those named): ``python -m benchmarks [--quick] [hub_e2e estimate …]``.

Each ``bench_*.py`` module has ``main() -> dict`` (``main(quick=True)`` when it
has a quick form) and writes its figures to ``benchmarks/results/<name>.json``;
the exit code is non-zero when a target is missed, so the figures are never
just decoration.

Every benchmark runs in a process of its own: one benchmark's Qt application,
threads or memory never reach the next (the Qt ones crashed each other when
they shared a process), and a crash is reported without stopping the rest.

``--quick`` (under 3 minutes) runs the benchmarks in :data:`QUICK`, each in
its quick form where it has one.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

QUICK = ["estimate", "hub_e2e"]


def _names() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def run_one(name: str, quick: bool) -> int:
    """In this process: 0 when the benchmark met its target, 1 when not."""
    main = importlib.import_module(f"benchmarks.bench_{name}").main
    takes_quick = "quick" in inspect.signature(main).parameters
    result = main(quick=quick) if takes_quick else main()
    return 0 if result.get("target_met", True) else 1


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    args = [a for a in argv if a != "--quick"]
    if args[:1] == ["--one"]:
        return run_one(args[1], quick)
    names = _names()
    wanted = args or (QUICK if quick else names)
    for name in wanted:
        if name not in names:
            print(f"unknown benchmark {name!r}; have: {', '.join(names)}", file=sys.stderr)
            return 2
    failed, crashed = [], []
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    for name in wanted:
        print(f"== {name}" + (" (quick)" if quick else ""), flush=True)
        t0 = time.monotonic()
        cmd = [sys.executable, "-m", "benchmarks", "--one", name] + (["--quick"] if quick else [])
        rc = subprocess.run(cmd, cwd=root, env=env).returncode
        print(f"== {name}: {'ok' if rc == 0 else 'target missed' if rc == 1 else f'crashed ({rc})'}"
              f" in {time.monotonic() - t0:.0f} s", flush=True)
        if rc == 1:
            failed.append(name)
        elif rc != 0:
            crashed.append(name)
    if failed:
        print(f"targets missed: {', '.join(failed)}", file=sys.stderr)
    if crashed:
        print(f"crashed: {', '.join(crashed)}", file=sys.stderr)
    return 1 if failed or crashed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
