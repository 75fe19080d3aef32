"""Counter terminal test fixtures."""

from __future__ import annotations

import pytest

from counter_terminal.runner import SerialInvoker


@pytest.fixture
def invoker():
    inv = SerialInvoker("test-counter")
    yield inv
    inv.stop()
