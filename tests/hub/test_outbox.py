"""The hub's outbox: everything in the order handed in; a reply from the engine thread only when nothing waits."""

from __future__ import annotations

import threading

from hub.bus_service import Outbox


def test_a_reply_goes_at_once_only_when_nothing_handed_in_before_is_unsent() -> None:
    outbox = Outbox()
    outbox.start()
    try:
        sent: list[str] = []
        release = threading.Event()
        sending = threading.Event()

        def slow_snapshot() -> None:
            sending.set()
            assert release.wait(10)
            sent.append("snapshot")

        outbox.put(slow_snapshot)
        outbox.put(lambda: sent.append("queued"))
        assert sending.wait(10)
        # A snapshot read before this reply is still unsent: the reply must not overtake it.
        assert outbox.send_if_idle(lambda: sent.append("reply-1")) is False
        outbox.put(lambda: sent.append("reply-1"))
        release.set()
        assert outbox.flush(10)
        assert sent == ["snapshot", "queued", "reply-1"]

        # Idle now: the reply is sent on the calling thread, before anything handed in after it.
        where: list[str] = []
        assert outbox.send_if_idle(lambda: where.append(threading.current_thread().name)) is True
        assert where == [threading.current_thread().name]
    finally:
        outbox.stop()


def test_a_failing_send_is_logged_and_the_next_one_still_goes(caplog) -> None:
    outbox = Outbox()
    outbox.start()
    try:
        def broken() -> None:
            raise RuntimeError("publish failed")

        assert outbox.send_if_idle(broken) is True
        outbox.put(broken)
        got = threading.Event()
        outbox.put(got.set)
        assert got.wait(10) and outbox.flush(10)
        assert outbox.send_if_idle(lambda: None) is True  # the failures left nothing counted as unsent
        assert caplog.text.count("sending from the hub's outbox failed") == 2
    finally:
        outbox.stop()
