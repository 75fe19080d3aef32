"""Request ids: valid for the protocol, unique, and in the order they were made."""

from __future__ import annotations

import re
import time

from sorra.protocol.request_ids import new_request_id

PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")  # docs/protocol/schemas/Request.json


def test_ids_are_valid_requests_and_unique() -> None:
    ids = [new_request_id() for _ in range(5000)]
    assert all(PATTERN.match(i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_an_id_made_later_sorts_after_one_made_earlier() -> None:
    # What keeps a device's replies side by side in the hub's (device, req) index.
    earlier = new_request_id()
    start = time.time_ns()
    while time.time_ns() - start < 2_000:  # two microseconds later (a busy wait: no sleep is that short)
        pass
    later = [new_request_id() for _ in range(100)]
    assert all(earlier < x for x in later)
