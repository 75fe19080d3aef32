"""The live views' snapshots: a page asked for after a change never shows the state before it.

A view nobody streams is not rebuilt on every publish (that is the point of
coalescing), so it must be rebuilt when it is next asked for; it used to be
served stale once the coalescing pass had run for the streamed views.
"""

from __future__ import annotations

import asyncio

from hub.web.live import LiveHub


def test_a_view_nobody_watches_is_rebuilt_when_asked_after_a_publish() -> None:
    state = {"n": 0}
    builds = {"dashboard": 0, "status": 0}

    def builder(kind: str):
        def build() -> int:
            builds[kind] += 1
            return state["n"]
        return build

    async def scenario() -> None:
        live = LiveHub({k: builder(k) for k in builds}, coalesce_s=0.0)
        await live.start()
        try:
            assert await live.current("dashboard") == 0
            assert await live.current("dashboard") == 0
            assert builds["dashboard"] == 1  # unchanged: the snapshot is reused
            state["n"] = 1
            live.on_publish("state/queue", {})
            await asyncio.sleep(0)  # let the loop run the mark and the coalescing pass
            for _ in range(3):
                await asyncio.sleep(0)
            assert await live.current("dashboard") == 1
            assert await live.current("status") == 1
            assert await live.current("dashboard") == 1
            assert builds["dashboard"] == 2
        finally:
            await live.stop()

    asyncio.run(scenario())
