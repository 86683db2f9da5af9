"""`make run` says "Shop is up" once /api/health answers 200 (and the feed's port listens),
not when the HTTP port merely listens; it says what it waits for, and gives up waiting
after a while, saying so.

A small HTTP server of the test's own plays /api/health with the answers it is given.
"""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from shop.devstack import __main__ as runner
from shop.devstack.services import free_port


@dataclass
class Health:
    """/api/health answering the statuses in `answers`, one a request, then the last."""

    answers: list[int]
    asked: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/health"


@pytest.fixture
def health() -> Iterator[Health]:
    played = Health([])

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            played.asked.append(self.path)
            status = played.answers.pop(0) if len(played.answers) > 1 else played.answers[0]
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    played.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield played
    server.shutdown()
    server.server_close()


@pytest.fixture
def feed_port() -> Iterator[int]:
    """A port that listens, as the websocket server's does."""
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield listening.getsockname()[1]


def test_shop_is_up_once_health_answers_200_and_not_before(
    health: Health, feed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    health.answers = [503, 503, 200]
    startup = runner.Startup(health.url, feed_port)

    came_up = [startup.came_up() for _ in range(4)]

    assert came_up == [False, False, True, False]  # once, at the first 200
    assert health.asked == ["/api/health"] * 3  # and no probe after it came up
    assert capsys.readouterr().out == (
        f"Waiting for {health.url} to answer 200 and port {feed_port} to listen"
        f" (up to {runner.STARTUP_SECONDS} s)...\n"
    )


def test_health_answering_200_is_not_enough_while_the_feed_port_is_closed(
    health: Health,
) -> None:
    health.answers = [200]
    startup = runner.Startup(health.url, free_port())

    assert [startup.came_up() for _ in range(3)] == [False, False, False]


def test_the_wait_is_bounded_and_says_what_did_not_answer(
    feed_port: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "STARTUP_SECONDS", 0)
    silent = f"http://127.0.0.1:{free_port()}/api/health"
    startup = runner.Startup(silent, feed_port)

    came_up = [startup.came_up() for _ in range(2)]

    assert came_up == [False, False]
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"Shop did not come up: {silent} gave no answer after 0 s (see the lines above)."
        " Ctrl-C stops everything."
    ]
    assert startup.waiting is False
