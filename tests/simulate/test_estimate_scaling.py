"""The estimate's remaining-time figures scale with each service's own times (no fixed seconds)."""

from __future__ import annotations

import math
import random

import pytest

from hub.engine.estimate import remaining, staggered


@pytest.mark.parametrize("scale", [0.01, 1.0, 100.0])
def test_remaining_time_scales_with_the_service(scale: float) -> None:
    # A service 100 times longer leaves 100 times more to wait, at the same point of it.
    base = remaining(300.0, 0.5, 450.0)
    assert remaining(300.0 * scale, 0.5, 450.0 * scale) == pytest.approx(base * scale, rel=1e-9)
    assert remaining(300.0 * scale, 0.5, 0.0) == pytest.approx(300.0 * scale)


def test_a_customer_over_time_of_a_short_service_needs_seconds_not_twenty() -> None:
    assert remaining(4.0, 0.5, 6.0) < 5.0  # a 4-second service, 6 s in
    assert remaining(1200.0, 0.5, 1800.0) > 300.0  # a 20-minute one, 30 min in: minutes more


def test_remaining_time_matches_the_log_normal() -> None:
    rng = random.Random(3)
    mean, sigma, elapsed = 300.0, 0.6, 350.0
    mu = math.log(mean) - sigma * sigma / 2
    over = [x - elapsed for x in (rng.lognormvariate(mu, sigma) for _ in range(200_000)) if x > elapsed]
    assert remaining(mean, sigma, elapsed) == pytest.approx(sum(over) / len(over), rel=0.02)
    assert math.isfinite(remaining(mean, sigma, 1e7))  # far in the tail: the asymptote


def test_busy_counters_are_free_one_after_another() -> None:
    free = staggered([(300.0, 0.5, 0.0)] * 3)
    assert free == sorted(free) and free[0] < free[1] < free[2]
    # The first of three is free well before one mean service time; one counter gets its median.
    assert free[0] < 0.75 * 300.0
    (alone,) = staggered([(300.0, 0.5, 0.0)])
    assert alone == pytest.approx(300.0 * math.exp(-0.125), rel=0.03)
    assert staggered([]) == []


def test_the_grid_is_fine_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    # The free moments on the grid the hub uses stay within 3 % of a grid eight times finer
    # (fewer points are cheaper on every request that follows a call; see STAGGER_POINTS).
    import hub.engine.estimate as estimate

    rng = random.Random(5)
    cases = [[(300 * rng.uniform(0.2, 3), rng.uniform(0.2, 1.2), rng.uniform(0, 900))
              for _ in range(rng.randint(1, 12))] for _ in range(200)]
    used = [staggered(busy) for busy in cases]
    monkeypatch.setattr(estimate, "STAGGER_POINTS", 8 * estimate.STAGGER_POINTS)
    for busy, got in zip(cases, used, strict=True):
        fine = staggered(busy)
        assert all(abs(a - b) <= 0.03 * max(b, 1.0) for a, b in zip(got, fine, strict=True))
