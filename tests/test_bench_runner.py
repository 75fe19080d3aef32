"""The benchmark runner: names, --quick, one process per benchmark (no benchmark is run here)."""

from __future__ import annotations

import importlib
import inspect

from benchmarks import __main__ as runner


def test_quick_set_names_real_benchmarks_with_a_quick_form() -> None:
    names = runner._names()
    assert "hub_e2e" in names
    for name in runner.QUICK:
        assert name in names
        main = importlib.import_module(f"benchmarks.bench_{name}").main
        assert "quick" in inspect.signature(main).parameters


def test_an_unknown_benchmark_is_refused_before_anything_runs() -> None:
    assert runner.main(["--quick", "no_such_benchmark"]) == 2


def test_each_benchmark_runs_in_a_process_of_its_own(monkeypatch) -> None:
    calls = []

    class Done:
        returncode = 0

    def fake_run(cmd, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(cmd)
        return Done()

    monkeypatch.setattr(runner.subprocess, "run", fake_run)
    assert runner.main(["--quick", "estimate", "hub_e2e"]) == 0
    assert [c[-3:] for c in calls] == [["--one", "estimate", "--quick"], ["--one", "hub_e2e", "--quick"]]
