"""Log lines as a reader of `SHOP_LOG_FORMAT=json` sees them: the lines of this process
(the `log_lines` fixture) or of a process the test started (`read_json_lines`).

Each line is a dict without its timestamp, which no test can know; `carrying` picks the
lines that carry given fields, as a reader filters a log by an id.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from shop.logs import formatter


def parsed(text: str) -> list[dict]:
    """Every line of `text`, each a JSON object (json.loads fails the test otherwise)."""
    lines = [json.loads(line) for line in text.splitlines()]
    for line in lines:
        line.pop("timestamp")
    return lines


def carrying(lines: list[dict], **fields: object) -> list[dict]:
    return [line for line in lines if fields.items() <= line.items()]


def read_json_lines(log: Path) -> list[dict]:
    """A process's JSON lines; the lines Celery prints as it starts (its banner, a warning
    for root) are not log lines, and are left out."""
    text = log.read_text(errors="replace")
    return parsed("\n".join(line for line in text.splitlines() if line.startswith("{")))


class LogLines:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    def all(self) -> list[dict]:
        return parsed(self.stream.getvalue())

    def carrying(self, **fields: object) -> list[dict]:
        return carrying(self.all(), **fields)


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """This process's lines, formatted as SHOP_LOG_FORMAT=json formats them."""
    lines = LogLines()
    handler = logging.StreamHandler(lines.stream)
    handler.setFormatter(formatter("json"))
    logging.getLogger().addHandler(handler)
    yield lines
    logging.getLogger().removeHandler(handler)
