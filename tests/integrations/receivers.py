"""Real webhook receivers: HTTP servers on 127.0.0.1 that a test starts, stops and
scripts, each recording every request it was sent."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered; 0: it never answered (held, then dropped)
    at: float = field(default_factory=time.monotonic)

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def event(self) -> dict:
        return json.loads(self.body)


class Server(ThreadingHTTPServer):
    """A listen queue as deep as a production server's: the relay opens a connection for
    each order it sends side by side, and socketserver's default (5) would refuse or
    reset some of them, failures no test means to script."""

    request_queue_size = 128


Answer = Callable[["Receiver", dict[str, str], bytes], int]
"""Given the receiver, the request's headers and body: the status to answer (it may
sleep first)."""


def ok(receiver: Receiver, headers: dict[str, str], body: bytes) -> int:
    return 204


class Receiver:
    """A receiver on 127.0.0.1. `answer` decides each reply; `arrived` has each
    request's webhook-id as it arrives, `received` each request once answered, and
    `delivered` those answered 2xx. With `keep_alive` it speaks HTTP/1.1 and keeps each
    connection open for the next request (`connections` counts them); `body` is what
    every answer carries."""

    def __init__(
        self, answer: Answer = ok, port: int = 0, keep_alive: bool = False, body: bytes = b""
    ) -> None:
        self.answer = answer
        self.received: list[Received] = []
        self.arrived: list[str] = []  # each request's webhook-id, as it arrives
        self.connections = 0
        self.lock = threading.Lock()
        self.port = port
        self.keep_alive = keep_alive
        self.body = body
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if self.keep_alive else "HTTP/1.0"

            def setup(self) -> None:
                super().setup()
                with receiver.lock:
                    receiver.connections += 1

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.arrived.append(headers.get("webhook-id", ""))
                status = receiver.answer(receiver, headers, body)
                with receiver.lock:
                    receiver.received.append(Received(headers, body, status))
                try:
                    self.send_response(status)
                    self.send_header("content-length", str(len(receiver.body)))
                    self.end_headers()
                    self.wfile.write(receiver.body)
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args: object) -> None:
                pass

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def requests(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def delivered(self) -> list[Received]:
        return [r for r in self.requests() if 200 <= r.status < 300]


def verified(received: Received, secret: str) -> dict:
    """The event, once its signature checks out with the standardwebhooks package."""
    return Webhook(secret).verify(received.body, received.headers)


def wait_for(check: Callable[[], bool], timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"still not so after {timeout}s: {what}"
        time.sleep(0.05)
