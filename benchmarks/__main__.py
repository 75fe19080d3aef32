"""Run every benchmark (or those named): ``python -m benchmarks [engine rpc …]``.

Each ``bench_*.py`` module has ``main() -> dict`` and writes its figures to
``benchmarks/results/<name>.json``; the exit code is non-zero when a target
is missed, so the figures are never just decoration.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = argv or names
    failed = []
    for name in wanted:
        if name not in names:
            print(f"unknown benchmark {name!r}; have: {', '.join(names)}", file=sys.stderr)
            return 2
        print(f"== {name}", flush=True)
        result = importlib.import_module(f"benchmarks.bench_{name}").main()
        if not result.get("target_met", True):
            failed.append(name)
    if failed:
        print(f"targets missed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
