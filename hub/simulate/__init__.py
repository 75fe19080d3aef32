"""``sorra simulate``: a scenario day on a virtual clock, driving the real engine.

:func:`simulate` loads nothing and prints nothing: give it a
:class:`Scenario` (from :func:`load` or :func:`parse`) and get the day's
figures as a dict (the ``--json`` output). See ``docs/simulate.md``.
"""

from __future__ import annotations

from typing import Any

from hub.simulate.day import DayResult, run
from hub.simulate.report import summarise, text
from hub.simulate.scenario import Scenario, ScenarioError, load, parse


def simulate(scenario: Scenario, seed: int = 1, *, rules: bool = True) -> dict[str, Any]:
    return summarise(run(scenario, seed, rules=rules))


__all__ = ["DayResult", "Scenario", "ScenarioError", "load", "parse", "run", "simulate", "summarise", "text"]
