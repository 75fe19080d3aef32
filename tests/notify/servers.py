"""Real counterparts for the channels: an SMTP server (aiosmtpd) and an HTTP endpoint for Apprise."""

from __future__ import annotations

import email
import email.policy
import json
import ssl
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.broker_fixture import free_port


class SmtpSink:
    """aiosmtpd on 127.0.0.1; every accepted message is parsed and kept. ``refuse`` makes it answer 451."""

    def __init__(self, port: int | None = None, *, auth: tuple[str, str] | None = None,
                 starttls: ssl.SSLContext | None = None, tls: ssl.SSLContext | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = False
        self.changed = threading.Condition()
        kwargs: dict[str, Any] = {}
        if auth is not None:
            def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
                from aiosmtpd.smtp import AuthResult

                ok = (data.login.decode(), data.password.decode()) == auth
                return AuthResult(success=ok)
            kwargs = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True}
        if starttls is not None:
            kwargs.update(tls_context=starttls, require_starttls=True)
        if tls is not None:
            kwargs.update(ssl_context=tls)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.changed:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.changed.notify_all()
        return "250 OK"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def wait_for_text(self, text: str, timeout: float = 30.0) -> bool:
        """Until a message whose body holds ``text`` has arrived."""
        with self.changed:
            return self.changed.wait_for(lambda: any(text in m.get_content() for m in self.messages), timeout)

    def count(self, text: str) -> int:
        with self.changed:
            return sum(text in m.get_content() for m in self.messages)


class HttpSink:
    """A local HTTP server that keeps every JSON body posted to it (Apprise's json:// target)."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.status = 200
        self.changed = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with sink.changed:
                    sink.posts.append({"path": self.path, "json": json.loads(body or b"{}")})
                    sink.changed.notify_all()
                self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> HttpSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.posts) >= count, timeout)
            return list(self.posts)
