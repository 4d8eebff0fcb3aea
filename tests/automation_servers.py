"""Real receivers for automation tests: an SMTP server and an HTTP server on 127.0.0.1.

Both are started by fixtures (``tests/conftest.py``-style, imported by the
automation tests) and record what they receive, so tests parse the real
e-mails and JSON payloads the pipeline sent.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server accepted: (envelope sender, recipients, parsed message)."""

    messages: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=crm@example.com&to={to}&format=text"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Hook:
    """What the HTTP server received: (path, parsed JSON body) per POST.

    ``/fail...`` answers 500, ``/refuse...`` answers 200 with a DingTalk-style
    error code, ``/slow...`` holds the request until the test ends (a timeout).
    """

    requests: list[tuple[str, Any]] = field(default_factory=list)
    port: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, prefix: str) -> list[Any]:
        return [body for path, body in self.requests if path.startswith(prefix)]


@contextmanager
def http_server() -> Iterator[Hook]:
    hook = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            if self.path.startswith("/slow"):
                hook.release.wait(30)
                return
            hook.requests.append((self.path, body))
            if self.path.startswith("/fail"):
                self.send_response(500)
                self.end_headers()
                return
            reply = b'{"errcode": 310000, "errmsg": "sign not match"}'
            if not self.path.startswith("/refuse"):
                reply = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    hook.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        hook.release.set()
        server.shutdown()
        server.server_close()
