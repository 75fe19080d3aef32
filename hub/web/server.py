"""Runs the web app with uvicorn on a thread of the hub process.

``WebServer(hub, host, port).start()`` returns once the port listens; if it
cannot (port taken), the hub keeps running without the web app and raises a
``web.down`` alert, because the office's queue must not depend on it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import uvicorn

from hub.web.app import create_app

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, hub: Any, host: str = "0.0.0.0", port: int = 8080, **app_kwargs: Any) -> None:
        self.hub = hub
        self.host = host
        self.port = port
        self.app = create_app(hub, **app_kwargs)
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning", access_log=False,
                                lifespan="on", timeout_graceful_shutdown=2, server_header=False,
                                proxy_headers=False, ws="none")
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive() and self.server.started)

    def start(self, timeout: float = 15.0) -> bool:
        self._thread = threading.Thread(target=self.server.run, name="web", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._thread.is_alive() and not self.server.started:
            time.sleep(0.02)
        ok = self.running
        alerts = getattr(self.hub, "alerts", None)
        if not ok:
            log.error("the web app could not listen on %s:%d; the hub runs without it", self.host, self.port)
        if alerts is not None:
            alerts.set("hub", {"code": "web.down", "level": "error", "active": not ok,
                               "message": f"The web app could not listen on port {self.port}" if not ok else ""})
        return ok

    def device_added(self, device: str, role: str) -> None:
        """A kiosk paired now gets the office's ticket layout at once."""
        if role == "kiosk":
            from hub.web import kv

            kv.publish_layout(self.app.state.web)

    def stop(self) -> None:
        self.app.state.web.live.close()
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.app.state.web.close()
