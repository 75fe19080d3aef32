"""Runs the web app with uvicorn on a thread of the hub process.

``WebServer(hub, host, port).start()`` returns once the port listens; if it
cannot (port taken), the hub keeps running without the web app and raises a
``web.down`` alert, because the office's queue must not depend on it.

With ``https_port`` the same app is served over HTTPS as well: a second
uvicorn server on the same event loop (the live push lives on one loop), with
the office's certificate or the hub's own (:mod:`hub.web.tls`). Staff pages
then redirect to HTTPS; public pages stay on plain HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from hub.web.app import create_app

log = logging.getLogger(__name__)


class WebServer:
    def __init__(self, hub: Any, host: str = "0.0.0.0", port: int = 8080, *, https_port: int | None = None,
                 https_cert: str | Path = "", https_key: str | Path = "", **app_kwargs: Any) -> None:
        self.hub = hub
        self.host = host
        self.port = port
        self.https_port = https_port or None
        self.app = create_app(hub, **app_kwargs)
        common = {"host": host, "log_level": "warning", "access_log": False, "timeout_graceful_shutdown": 2,
                  "server_header": False, "proxy_headers": False, "ws": "none"}
        self.server = uvicorn.Server(uvicorn.Config(self.app, port=port, lifespan="on", **common))
        self.https_server: uvicorn.Server | None = None
        self.cert_path: Path | None = None
        if self.https_port:
            if https_cert:
                self.cert_path, key = Path(https_cert), Path(https_key or https_cert)
            else:
                from hub.web.tls import ensure_web_certificate

                config = getattr(hub, "config", None)
                hosts = (getattr(config, "advertise_host", "") or "", str(getattr(hub, "mqtt_host", "") or ""))
                hosts = tuple(h for h in hosts if h and h not in ("0.0.0.0", "::"))
                self.cert_path, key = ensure_web_certificate(hub.data_dir, hosts)
            self.https_server = uvicorn.Server(uvicorn.Config(
                self.app, port=self.https_port, lifespan="off", ssl_certfile=str(self.cert_path),
                ssl_keyfile=str(key), **common))
            self.app.state.web.https_port = self.https_port
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        servers = [self.server, *([self.https_server] if self.https_server else [])]
        return bool(self._thread and self._thread.is_alive() and all(s.started for s in servers))

    def _run(self) -> None:
        async def serve_all() -> None:
            tasks = [asyncio.create_task(self.server.serve())]
            if self.https_server is not None:
                tasks.append(asyncio.create_task(self.https_server.serve()))
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            # one server stopped (asked to, or could not listen): stop the other too
            self.server.should_exit = True
            if self.https_server is not None:
                self.https_server.should_exit = True
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run(serve_all())

    def start(self, timeout: float = 15.0) -> bool:
        self._thread = threading.Thread(target=self._run, name="web", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._thread.is_alive() and not self.running:
            time.sleep(0.02)
        ok = self.running
        alerts = getattr(self.hub, "alerts", None)
        if not ok:
            log.error("the web app could not listen on %s:%d; the hub runs without it", self.host, self.port)
        if alerts is not None:
            alerts.set("hub", {"code": "web.down", "level": "error", "active": not ok,
                               "message": f"The web app could not listen on port {self.port}" if not ok else "",
                               "params": {"port": self.port}})
        return ok

    def device_added(self, device: str, role: str) -> None:
        """A kiosk paired now gets the office's ticket layout at once."""
        if role == "kiosk":
            from hub.web import kv

            kv.publish_layout(self.app.state.web)

    def stop(self) -> None:
        self.app.state.web.live.close()
        self.server.should_exit = True
        if self.https_server is not None:
            self.https_server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.app.state.web.close()
