"""The estimated wait beats the naive figure on a simulated office day (accuracy, not speed)."""

from __future__ import annotations

from benchmarks.bench_estimate import simulate


def test_engine_estimate_beats_naive_on_a_simulated_day() -> None:
    day = simulate(seed=7)
    assert day["tickets"] > 300
    assert day["mae_engine_s"] < day["mae_naive_s"]
