"""Scenarios the estimate was not tuned on: made up from a seed (services, counters, load)."""

from __future__ import annotations

import random


def scenario_text(seed: int, *, short: bool = False, load: float = 0.8) -> str:
    """A TOML scenario: 3–6 services (with ``short``, some of ~5–30 s), 3–9 counters, ~``load`` busy."""
    rng = random.Random(seed)
    n_services = rng.randint(3, 6)
    letters = "ABCDEFGH"[:n_services]
    services = []
    for i, sid in enumerate(letters):
        if short and i < 2:
            mean = rng.uniform(5, 30)
        else:
            mean = rng.choice([60, 120, 240, 360, 480, 720, 900])
        sd = mean * rng.uniform(0.2, 0.8)
        services.append((sid, mean, sd))
    n_counters = rng.randint(3, 9)
    counters = []
    for n in range(1, n_counters + 1):
        if rng.random() < 0.2:
            profile = ""
        else:
            chosen = rng.sample(letters, rng.randint(1, min(3, n_services)))
            profile = ",".join(f"{s}:{rng.choice([1, 1, 2, 3])}" if rng.random() < 0.5 else s for s in chosen)
        hours = ""
        if rng.random() < 0.25:
            start = rng.choice(["08:00", "09:00", "10:00"])
            hours = f'open = "{start}"\nclose = "{rng.choice(["12:00", "13:00", "14:00"])}"\n'
        counters.append((n, profile, hours))
    # Every service needs a counter all day.
    covered = set()
    for _, profile, hours in counters:
        if not hours:
            covered |= set(letters) if not profile else {p.split(":")[0] for p in profile.split(",")}
    for sid in letters:
        if sid not in covered:
            n_counters += 1
            counters.append((n_counters, sid, ""))
    # Load: each all-day counter's hour is shared out over the services it serves.
    capacity = dict.fromkeys(letters, 0.0)
    for _, profile, hours in counters:
        if hours:
            continue
        served = list(letters) if not profile else [p.split(":")[0] for p in profile.split(",")]
        for sid in served:
            capacity[sid] += 3600.0 / len(served)
    lines = ['[day]', 'open = "08:00"', 'close = "14:00"', '']
    for sid, mean, sd in services:
        lines += ['[[service]]', f'id = "{sid}"', f'name = "Service {sid}"', f"mean_s = {mean:.1f}",
                  f"sd_s = {sd:.1f}", f"sla_s = {max(300, int(mean * 3))}", '']
    for n, profile, hours in counters:
        lines += ['[[counter]]', f"number = {n}", f'services = "{profile}"', hours]
    for sid, mean, _ in services:
        per_hour = min(120.0, capacity[sid] * load / mean)
        hours = {f"{h:02d}": round(per_hour * rng.uniform(0.7, 1.2), 1) for h in range(8, 14)}
        table = ", ".join(f'"{h}" = {v}' for h, v in hours.items())
        lines += ['[[arrivals]]', f'service = "{sid}"', f"per_hour = {{ {table} }}", '']
    if rng.random() < 0.5:
        sid = rng.choice(letters)
        lines += ['[[burst]]', f'at = "{rng.choice(["09:30", "10:00", "11:15"])}"', f'service = "{sid}"',
                  f"count = {rng.randint(5, 15)}", '']
        if rng.random() < 0.5:
            lines += ['[[rule]]', f'service = "{sid}"', f"min_waiting = {rng.randint(4, 10)}", "weight = 2", '']
    lines += ['[behaviour]', f"no_show = {rng.choice([0.0, 0.03, 0.06])}", f"priority = {rng.choice([0.0, 0.02])}",
              f"gap_s = {rng.choice([0, 3, 8])}"]
    return "\n".join(lines) + "\n"
