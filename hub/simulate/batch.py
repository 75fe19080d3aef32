"""Run several scenario days in a process of its own: ``python -m hub.simulate.batch < request.json``.

The web's capacity page uses this so a simulation never runs in the hub's
process (and never competes with the engine thread for the interpreter):
stdin is ``{"seed": N, "runs": [{"toml": "…", "rules": true}, …]}``, stdout a
JSON list with one summary (or ``{"error": "…"}``) per run. It runs at a
lower CPU priority than the hub.
"""

from __future__ import annotations

import contextlib
import json
import sys


def main() -> int:
    with contextlib.suppress(OSError, AttributeError):
        import os

        os.nice(10)
    request = json.load(sys.stdin)
    from hub.simulate import ScenarioError, parse, simulate

    out = []
    for k, run in enumerate(request.get("runs", [])):
        try:
            scenario = parse(run["toml"], f"variant{k + 1}.toml")
        except ScenarioError as err:
            out.append({"error": str(err)})
            continue
        out.append(simulate(scenario, int(request.get("seed", 1)), rules=bool(run.get("rules", True))))
    json.dump(out, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
