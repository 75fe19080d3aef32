"""Counter terminal test fixtures: the controller's thread, and a controller on the real hub."""

from __future__ import annotations

import pytest

from counter_terminal.runner import SerialInvoker
from tests.counter.rig import Rig, set_up_office


@pytest.fixture
def invoker():
    inv = SerialInvoker("test-counter")
    yield inv
    inv.stop()


@pytest.fixture
def office(hub):
    """The hub fixture with services A and B, counters 3 and 4, clerks kovacs and nagy."""
    return set_up_office(hub)


@pytest.fixture
def make_rig(office, invoker):
    """``make_rig(clerk=…, paired=…, **Settings)``: counter 3's controller on the real hub."""
    rigs: list[Rig] = []

    def make(**kwargs) -> Rig:
        rig = Rig(office, invoker, **kwargs)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()


@pytest.fixture
def rig(make_rig) -> Rig:
    """Counter 3 with kovacs logged in (from the hub's side), online, nobody at the desk."""
    return make_rig()
