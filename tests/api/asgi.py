"""A tiny in-process ASGI client: one HTTP request to an app, its whole answer back.

Tests drive Django's ASGI handler directly with it, with full control of the scope
(duplicate headers, no Content-Length, a body sent in several messages).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

Header = tuple[str, str]


@dataclass
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of header `name` (None when absent); it must appear at most once."""
        values = [v.decode("latin-1") for n, v in self.headers if n.decode().lower() == name]
        assert len(values) <= 1, f"{name} sent {len(values)} times"
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)

    def header_map(self, *leaving_out: str) -> dict[str, list[str]]:
        """Every header, by lowercase name, with its values in order, but `leaving_out`."""
        named: dict[str, list[str]] = {}
        for name, value in self.headers:
            key = name.decode("latin-1").lower()
            if key not in leaving_out:
                named.setdefault(key, []).append(value.decode("latin-1"))
        return named


async def request(
    app: Any,
    method: str,
    path: str,
    *,
    body: bytes | str | dict | list | None = None,
    headers: Iterable[Header] = (),
    query: str = "",
    content_type: str | None = "application/json",
    content_length: bool = True,
    chunk: int | None = None,
) -> Answer:
    """Send one request to `app` and collect its answer.

    A dict or list body is sent as JSON. Unless told otherwise a request with a body
    carries its Content-Type and Content-Length; `chunk` splits the body into messages
    of that many bytes (with `more_body`), as a server does with a large upload.
    """
    if isinstance(body, dict | list):
        body = json.dumps(body)
    raw = body.encode() if isinstance(body, str) else body
    given = [(name.lower().encode(), value.encode("latin-1")) for name, value in headers]
    sent: list[tuple[bytes, bytes]] = []
    if not any(name == b"host" for name, _ in given):
        sent.append((b"host", b"testserver"))
    if raw is not None:
        if content_type is not None:
            sent.append((b"content-type", content_type.encode()))
        if content_length:
            sent.append((b"content-length", str(len(raw)).encode()))
    sent += given
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": sent,
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    raw = raw or b""
    size = chunk or max(len(raw), 1)
    pieces = [raw[i : i + size] for i in range(0, len(raw), size)] or [b""]
    messages = [
        {"type": "http.request", "body": piece, "more_body": n < len(pieces) - 1}
        for n, piece in enumerate(pieces)
    ]
    finished = asyncio.Event()

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        await finished.wait()  # the client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    status, answer_headers, parts = None, [], []

    async def send(message: dict) -> None:
        nonlocal status, answer_headers
        if message["type"] == "http.response.start":
            status, answer_headers = message["status"], list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))
            if not message.get("more_body"):
                finished.set()

    await asyncio.wait_for(app(scope, receive, send), timeout=20)
    assert finished.is_set(), "the app returned without completing its answer"
    assert not messages, "the app answered without reading the whole body"
    return Answer(status, answer_headers, b"".join(parts))
