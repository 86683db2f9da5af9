"""The receiver the README's quick tour starts (docs/examples/webhook_receiver.py), run
as the tour runs it: it accepts what Shop signs, says when an id comes again, and
refuses a forgery."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from contexts.integrations import signing
from shop.devstack.services import free_port

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "webhook_receiver.py"
EVENT = {"type": "order.paid", "timestamp": "2026-03-01T10:30:00Z", "data": {"orderId": "o-1"}}


def post(port: int, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/", body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_tour_receiver_prints_what_shop_signs_and_refuses_a_forgery() -> None:
    secret, port = signing.new_secret(), free_port()
    env = {**os.environ, "WEBHOOK_SECRET": secret}
    receiver = subprocess.Popen([sys.executable, str(SCRIPT), str(port)], env=env,
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert "receiving on" in receiver.stdout.readline()
        body = json.dumps(EVENT).encode()
        headers = signing.headers([secret], "msg_1", int(time.time()), body)
        forged = signing.headers([signing.new_secret()], "msg_2", int(time.time()), body)

        answers = [post(port, body, headers), post(port, body, headers), post(port, body, forged)]

        assert answers == [204, 204, 400]
        printed = [receiver.stdout.readline() for _ in range(3)]
        assert printed[0].startswith("2026-03-01T10:30:00Z order.paid {")
        assert "order.paid (again)" in printed[1]
        assert printed[2].startswith("refused")
    finally:
        receiver.terminate()
        receiver.wait(10)
