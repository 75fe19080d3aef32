"""Counter terminal test fixtures."""

from __future__ import annotations

import pytest

try:  # tests/conftest.py (the lead's) provides `broker`; until it does, take it from its module
    from tests.broker_fixture import broker  # noqa: F401
except ImportError:  # pragma: no cover
    from broker_fixture import broker  # noqa: F401

from counter_terminal.runner import SerialInvoker


@pytest.fixture
def invoker():
    inv = SerialInvoker("test-counter")
    yield inv
    inv.stop()
