"""Active alerts (printer out of paper, device offline, rule warnings, storage)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

Publish = Callable[[dict[str, Any]], None]


class AlertBook:
    """Keeps the active alerts by (source, code); publishes each change once."""

    def __init__(self, publish: Publish | None = None, clock: Callable[[], float] = time.time) -> None:
        self._active: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self.publish = publish
        self.clock = clock

    def set(self, source: str, alert: dict[str, Any]) -> bool:
        """Raise (``active`` true) or clear an alert; returns whether anything changed."""
        key = (source, str(alert.get("code", "")))
        active = bool(alert.get("active", True))
        payload = {
            "code": key[1],
            "level": alert.get("level", "warning"),
            "message": alert.get("message", ""),
            # What the message says, for pages to word it in their reader's language (hub/web/alert_text.py).
            "params": dict(alert.get("params") or {}),
            "source": source,
            "active": active,
            "at": self.clock(),
        }
        with self._lock:
            old = self._active.get(key)
            if active:
                if old is not None and (old["message"], old["level"], old["params"]) == (
                        payload["message"], payload["level"], payload["params"]):
                    return False
                self._active[key] = payload
            else:
                if old is None:
                    return False
                del self._active[key]
        if self.publish is not None:
            self.publish(payload)
        return True

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            alerts = sorted(self._active.values(), key=lambda a: a["at"])
        return {"alerts": alerts, "at": self.clock()}
