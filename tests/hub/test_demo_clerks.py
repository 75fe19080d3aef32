"""The demo's simulated clerks sign in like real ones: their counters show who serves there."""

from __future__ import annotations

import threading
from typing import Any

from hub import demo
from sorra.bus import BusSettings
from tests.hub_fixture import TestHub


def test_simulated_clerks_sign_in_and_out(hub: TestHub) -> None:
    demo._setup_office(hub.hub)
    settings: dict[int, BusSettings] = {}
    for n in (2, 3, 4):
        settings[n] = hub.device_settings(f"sim-counter-{n}", "counter", n)
    kiosk = hub.device_settings("sim-kiosk", "kiosk")
    names: dict[int, str | None] = {}
    signed_in, signed_out = threading.Event(), threading.Event()

    def on(suffix: str, payload: dict[str, Any] | None) -> None:
        if payload is None:
            return
        names[payload["counter"]] = payload.get("clerk_name")
        if all(names.get(n) for n in (2, 3, 4)):
            signed_in.set()
        if signed_in.is_set() and all(names.get(n) is None for n in (2, 3, 4)):
            signed_out.set()

    watcher = hub.client("display-1", "display")
    watcher.subscribe_state("counters/+", on)
    traffic = demo.Traffic(hub.hub, kiosk, settings, rate_s=3600)
    traffic.start()
    try:
        assert signed_in.wait(15), names
        assert {n: names[n] for n in (2, 3, 4)} == {2: "Nagy Péter", 3: "Szabó Anna", 4: "Tóth Zoltán"}
    finally:
        traffic.close()
    assert signed_out.wait(15), names  # a stopped demo leaves no clerk signed in
