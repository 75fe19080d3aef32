"""``sorra simulate``: scenarios load or fail clearly, days are reproducible, and the hub's
estimated wait beats the naive figure on the shipped scenarios and on ones made up here."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.bench_simulate import busy_day_text
from hub.simulate import load, parse, simulate
from sorra import cli
from tests.simulate.generate import scenario_text

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "docs" / "scenarios").glob("*.toml"))
RATIO = 0.6

# The case of issue 18: services of 4 and 9 s on average, three counters, a burst of 15.
SHORT_BURST = """
[day]
open = "08:00"
close = "10:00"

[[service]]
id = "A"
mean_s = 4
sd_s = 2

[[service]]
id = "B"
mean_s = 9
sd_s = 4

[[counter]]
number = 1
services = "A:2,B"

[[counter]]
number = 2
services = "B:2,A"

[[counter]]
number = 3

[[arrivals]]
service = "A"
per_hour = { "08" = 900, "09" = 700 }

[[arrivals]]
service = "B"
per_hour = { "08" = 350, "09" = 300 }

[[burst]]
at = "08:30"
service = "B"
count = 15
"""


def mae(scenario, seeds=(1, 2, 3)) -> tuple[float, float]:
    days = [simulate(scenario, seed) for seed in seeds]
    return (statistics.mean(d["estimate"]["mae_s"] for d in days),
            statistics.mean(d["naive"]["mae_s"] for d in days))


def test_the_scenarios_are_shipped() -> None:
    assert {p.stem for p in SHIPPED} >= {"small_office", "kormanyablak", "vehicle_overflow"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_estimate_beats_naive_on_every_shipped_scenario(path: Path) -> None:
    est, naive = mae(load(path))
    assert est <= RATIO * naive, f"{path.stem}: estimate MAE {est:.1f} s, naive {naive:.1f} s"


@pytest.mark.parametrize("gseed,short", [(2027, True), (4711, True), (31337, False)])
def test_estimate_beats_naive_on_scenarios_not_shipped(gseed: int, short: bool) -> None:
    scenario = parse(scenario_text(gseed, short=short, load=0.85), f"generated-{gseed}.toml")
    if short:
        assert min(s.mean_s for s in scenario.services) <= 30
    day = simulate(scenario, 1)
    assert day["wait_s"]["p90"] > 30  # a real queue, not an empty office
    assert day["estimate"]["mae_s"] <= RATIO * day["naive"]["mae_s"], day["estimate"]


def test_estimate_scales_down_to_services_of_a_few_seconds() -> None:
    # The case the fixed 20-second minimum got wrong (+12 s bias on 4 s services).
    scenario = parse(SHORT_BURST, "short_burst.toml")
    est, naive = mae(scenario)
    assert est <= RATIO * naive
    day = simulate(scenario, 1)
    assert abs(day["estimate"]["bias_s"]) < 3


def test_a_busy_day_runs_whole() -> None:
    # Its speed is measured in benchmarks/bench_simulate.py (target: under 10 s).
    day = simulate(parse(busy_day_text(), "busy_day.toml"), 1)
    assert 1800 <= day["tickets"] <= 2300
    assert len(day["counters"]) == 12
    assert day["unserved"] == 0


def test_the_same_seed_gives_the_same_day() -> None:
    scenario = load(ROOT / "docs" / "scenarios" / "kormanyablak.toml")
    assert simulate(scenario, 5) == simulate(scenario, 5)
    assert simulate(scenario, 5)["wait_s"] != simulate(scenario, 6)["wait_s"]


def test_no_rules_runs_the_same_citizens_without_the_priority_rule() -> None:
    scenario = load(ROOT / "docs" / "scenarios" / "vehicle_overflow.toml")
    with_rule, without = simulate(scenario, 1), simulate(scenario, 1, rules=False)
    assert with_rule["tickets"] == without["tickets"]
    assert with_rule["rules"] and not without["rules"]
    # The rule lifts vehicle tickets at the shared counters: they wait less, the others more.
    v_on, v_off = with_rule["services"]["V"]["wait_s"]["mean"], without["services"]["V"]["wait_s"]["mean"]
    a_on, a_off = with_rule["services"]["A"]["wait_s"]["mean"], without["services"]["A"]["wait_s"]["mean"]
    assert v_on < v_off and a_on > a_off


def test_counter_hours_are_kept() -> None:
    scenario = load(ROOT / "docs" / "scenarios" / "kormanyablak.toml")
    day = simulate(scenario, 1)
    assert day["counters"]["7"]["open_s"] == pytest.approx(4 * 3600, abs=900)  # 08:00–12:00, then a last customer
    assert day["hours"]["08"]["open_counters"] == pytest.approx(7, abs=0.1)  # counter 8 opens at 9
    assert day["hours"]["10"]["open_counters"] == pytest.approx(8, abs=0.1)


# ---- the command, exactly as documented ---------------------------------------------------------

def test_sorra_simulate_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "docs" / "scenarios" / "small_office.toml")
    assert cli.main(["simulate", path, "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tickets"] > 0 and out["seed"] == 3 and out["rules"] is True
    assert set(out["wait_s"]) >= {"mean", "p50", "p90"}
    assert set(out["sla_pct"]) == {"A", "L", "K"}
    for key in ("estimate", "naive"):
        assert set(out[key]) >= {"mae_s", "bias_s", "p90_s"}
    assert set(out["hours"]) >= {"08", "13"} and set(out["services"]) == {"A", "L", "K"}
    assert cli.main(["simulate", path, "--seed", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == out


def test_sorra_simulate_text_and_no_rules_in_a_subprocess() -> None:
    path = str(ROOT / "docs" / "scenarios" / "vehicle_overflow.toml")
    sorra = Path(sys.executable).parent / "sorra"
    cmd = [str(sorra)] if sorra.exists() else [sys.executable, "-m", "sorra.cli"]
    text = subprocess.run(cmd + ["simulate", path, "--no-rules"], capture_output=True, text=True, timeout=60,
                          check=True).stdout
    assert "rules off" in text and "Per service:" in text and "Per hour" in text and "naive" in text
    out = json.loads(subprocess.run(cmd + ["simulate", path, "--json", "--no-rules", "--seed", "2"],
                                    capture_output=True, text=True, timeout=60, check=True).stdout)
    assert out["rules"] is False and out["seed"] == 2


BAD = [
    ("[day]\nopen = 08:00\n", ":2:", "not valid TOML"),
    ('[day]\nopen = "8 am"\nclose = "16:00"\n', ":2: day.open:", 'expected a time "HH:MM"'),
    ('[day]\nopen = "08:00"\nclose = "16:00"\n\n[[service]]\nid = "A"\nmean_s = "fast"\n',
     ":7: service[0].mean_s:", "expected a number of seconds > 0"),
    ('[day]\nopen = "08:00"\nclose = "16:00"\n[[service]]\nid = "A"\nmean_s = 60\n[[counter]]\nnumber = 1\n'
     'services = "A,X:2"\n', ":9: counter[0].services:", "expected services among A"),
    ('[day]\nopen = "08:00"\nclose = "16:00"\n[[service]]\nid = "A"\nmean_s = 60\n[[counter]]\nnumber = 1\n'
     '[[arrivals]]\nservice = "A"\nper_hour = { "07" = 5 }\n', ":11: arrivals[0].per_hour:",
     "within the day 08:00–16:00"),
    ('[day]\nopen = "08:00"\nclose = "16:00"\n[[service]]\nid = "A"\nmean_s = 60\nspeed = 3\n',
     ":7: service[0].speed:", "unknown key"),
    ('[day]\nopen = "08:00"\nclose = "16:00"\n[[service]]\nid = "A"\nmean_s = 60\n[[counter]]\nnumber = 1\n'
     '[[burst]]\nat = "10:00"\nservice = "A"\ncount = 5\n[behaviour]\nno_show = 1.5\n',
     ":14: behaviour.no_show:", "expected a share 0–1"),
]


@pytest.mark.parametrize("text,where,what", BAD, ids=[w for _, w, _ in BAD])
def test_a_bad_scenario_says_where_and_what_was_expected(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         text: str, where: str, what: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert cli.main(["simulate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"bad.toml{where}" in err and what in err, err


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["simulate", str(tmp_path / "nope.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_counter_with_a_lunch_break() -> None:
    text = (ROOT / "docs" / "scenarios" / "small_office.toml").read_text().replace(
        'open = "08:00"\nclose = "11:00"', 'hours = [["08:00", "10:00"], ["10:00", "11:00"], ["12:00", "13:00"]]')
    scenario = parse(text, "lunch.toml")
    assert scenario.counters[2].hours == [(8 * 3600, 11 * 3600), (12 * 3600, 13 * 3600)]
    day = simulate(scenario, 1)
    assert day["counters"]["3"]["open_s"] == pytest.approx(4 * 3600, abs=1200)
    assert day["hours"]["11"]["open_counters"] == pytest.approx(2, abs=0.1)
    assert day["hours"]["12"]["open_counters"] == pytest.approx(3, abs=0.1)
