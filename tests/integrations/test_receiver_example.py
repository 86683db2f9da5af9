"""The receiver in docs/integration-events.md does what the page says: it accepts what
Shop signs, refuses what it did not, and handles a webhook-id once."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from contexts.integrations import signing

PAGE = Path(__file__).resolve().parents[2] / "docs" / "integration-events.md"


def example() -> type:
    [code] = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
    namespace: dict[str, Any] = {}
    exec(compile(code, str(PAGE), "exec"), namespace)
    return namespace["Receiver"]


def signed(secret: str, message_id: str, event: dict) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    return body, signing.headers([secret], message_id, int(time.time()), body)


def test_the_documented_receiver_handles_each_webhook_once_and_refuses_forgeries(
    tmp_path: Path,
) -> None:
    secret = signing.new_secret()
    receiver = example()(secret, str(tmp_path / "hooks.db"))
    item = {"type": "item.purchased", "timestamp": "2026-03-01T10:30:00Z",
            "data": {"orderId": "o-1", "name": "Kettle", "quantity": 2}}  # fmt: skip
    body, headers = signed(secret, "msg_1", item)
    forged_body, forged_headers = signed(signing.new_secret(), "msg_2", item)

    first = receiver.receive(body, headers)
    again = receiver.receive(body, headers)
    forged = receiver.receive(forged_body, forged_headers)
    altered = receiver.receive(body.replace(b"2", b"9"), headers)

    assert (first, again, forged, altered) == (204, 204, 400, 400)
    assert receiver.db.execute("SELECT * FROM items").fetchall() == [("o-1", "Kettle", 2)]
    assert receiver.db.execute("SELECT * FROM seen").fetchall() == [("msg_1",)]
