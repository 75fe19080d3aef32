"""``sorra simulate SCENARIO.toml [--seed N] [--json] [--no-rules]``."""

from __future__ import annotations

import argparse
import json
import sys

from hub.simulate.scenario import ScenarioError, load


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sorra simulate",
        description="Run the real queue engine through one scenario day on a virtual clock and report "
                    "waits, SLA, counter utilisation and the estimated wait's accuracy (docs/simulate.md).")
    p.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    p.add_argument("--seed", type=int, default=1, help="random seed (the same seed gives the same day; default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the text report")
    p.add_argument("--no-rules", action="store_true", help="run with the automatic priority rules off")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        scenario = load(args.scenario)
    except ScenarioError as err:
        print(f"sorra simulate: {err}", file=sys.stderr)
        return 2
    from hub.simulate import simulate, text

    summary = simulate(scenario, args.seed, rules=not args.no_rules)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(text(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
