"""Messages to citizens: booking confirmations, reminders, "almost your turn" (docs/notifications.md).

* :mod:`hub.notify.outbox`: the outbox and settings tables.
* :mod:`hub.notify.projector`: messages queued in the engine's own commit.
* :mod:`hub.notify.housekeeping`: reminders when due; contacts erased when due.
* :mod:`hub.notify.sender`: the thread that delivers, with retries.
* :mod:`hub.notify.channels`: SMTP, GSM modem, HTTP gateway (Apprise).
* :mod:`hub.notify.texts`: the message texts in Hungarian and English.
* :mod:`hub.notify.cli`: ``sorra hub notify …``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
ERASE_EVERY_S = 600.0


def install_projector(hub: Any) -> Any:
    """Queue messages inside every commit of the hub's store (before the worker starts)."""
    from hub.notify.projector import NotifyProjector

    projector = NotifyProjector(hub, hub.clock)
    hub.store.projectors.append(projector)
    hub.notify_projector = projector
    return projector


def start_sender(hub: Any, projector: Any) -> Callable[[], None]:
    """Start the sender thread; returns its stop function."""
    from hub.notify import housekeeping
    from hub.notify.sender import Sender
    from hub.store.store import Store

    store: Store = hub.store
    erased_at = [float("-inf")]

    def housekeep() -> None:
        # Reminders every pass (a few seconds); erasing contacts every ten minutes is soon enough.
        erase = hub.clock() - erased_at[0] >= ERASE_EVERY_S
        try:
            hub.worker.run_in_worker(lambda _engine: housekeeping.run(hub, projector.facts, erase=erase), timeout=30)
            if erase:
                erased_at[0] = hub.clock()
        except Exception:
            log.exception("reminders and erasing contacts failed")

    sender = Sender(store.path, clock=hub.clock, alert=hub.alerts.set if hub.alerts else None,
                    housekeeping=housekeep)
    projector.wake = sender.wake
    hub.notify_sender = sender
    sender.start()
    return sender.stop
