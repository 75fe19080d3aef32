"""Shared fixtures: a real Mosquitto, a real hub on a temp data dir, Qt offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(os.path.dirname(__file__), "..", ".cache", "escpos"))
os.environ.setdefault("SORRA_LOG_LEVEL", "WARNING")

from tests.broker_fixture import broker  # noqa: E402,F401  (re-exported fixture)
from tests.hub_fixture import hub, hub_factory  # noqa: E402,F401
