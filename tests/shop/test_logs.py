"""Log lines (shop/logs.py): one JSON object a line or a readable console line, with
what the context binds and plain extras as fields, and the sweeper's routine runs quiet
at INFO."""

from __future__ import annotations

import json
import logging
import sys
import uuid

import pytest
from structlog.contextvars import bound_contextvars

from shop.logs import RoutineTasks, formatter


def record(message: str, *args: object, name: str = "shop.test", level: int = logging.INFO,
           extra: dict | None = None, exc_info: object = None) -> logging.LogRecord:  # fmt: skip
    return logging.getLogger(name).makeRecord(
        name, level, __file__, 1, message, args, exc_info, extra=extra
    )


def test_a_json_line_is_one_object_with_the_context_and_plain_extras() -> None:
    given = record("command %s", "done", extra={"events": 2, "stream_id": uuid.UUID(int=7),
                                                "request": object()})  # fmt: skip

    with bound_contextvars(correlation_id="c-1"):
        line = formatter("json").format(given)

    parsed = json.loads(line)
    assert "\n" not in line
    assert parsed.pop("timestamp").endswith("Z")
    assert parsed == {
        "event": "command done",
        "level": "info",
        "logger": "shop.test",
        "correlation_id": "c-1",
        "events": 2,
        "stream_id": "00000000-0000-0000-0000-000000000007",
    }


def test_a_json_line_keeps_a_traceback_on_its_one_line() -> None:
    try:
        raise ValueError("no such order")
    except ValueError:
        given = record("failed", level=logging.ERROR, exc_info=sys.exc_info())

    line = formatter("json").format(given)

    parsed = json.loads(line)
    assert "\n" not in line
    assert (parsed["event"], parsed["level"]) == ("failed", "error")
    assert parsed["exception"].startswith("Traceback (most recent call last):\n")
    assert parsed["exception"].endswith("ValueError: no such order")


def test_a_console_line_reads_time_level_text_logger_and_fields() -> None:
    given = record("GET %s %s", "/api/health", 200, name="shop.access",
                   extra={"duration_ms": 1.5})  # fmt: skip

    with bound_contextvars(request_id="r-1"):
        line = formatter("console").format(given)

    timestamp, rest = line.split(" ", 1)
    assert timestamp.endswith("Z")
    assert rest == "info    GET /api/health 200 [shop.access] request_id=r-1 duration_ms=1.5"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="SHOP_LOG_FORMAT must be one of console, json: 'xml'"):
        formatter("xml")


@pytest.mark.parametrize(
    ("name", "message", "args"),
    [
        ("celery.beat", "Scheduler: Sending due task %s (%s)", ("sweep", "eventstore.sweep")),
        ("celery.worker.strategy", "Task %(name)s[%(id)s] received",
         ({"name": "integrations.sweep", "id": "1"},)),
        ("celery.app.trace", "Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s",
         ({"name": "eventstore.sweep", "id": "1", "runtime": 0.01, "return_value": "{}"},)),
    ],
    ids=["beat-sends", "worker-receives", "worker-succeeds"],
)  # fmt: skip
def test_a_sweep_is_debug_and_quiet_at_info(name: str, message: str, args: tuple) -> None:
    quiet = RoutineTasks(["eventstore.sweep", "integrations.sweep"])
    sweep = record(message, *args, name=name)

    kept_at_info = quiet.filter(sweep)
    logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        kept_at_debug = quiet.filter(record(message, *args, name=name))
    finally:
        logging.getLogger(name).setLevel(logging.NOTSET)

    assert (kept_at_info, kept_at_debug, sweep.levelname) == (False, True, "DEBUG")


def test_other_tasks_lines_stay_at_info() -> None:
    quiet = RoutineTasks(["eventstore.sweep"])
    task = {"name": "eventstore.execute_commands", "id": "1"}
    executed = record("Task %(name)s[%(id)s] received", task, name="celery.worker.strategy")

    assert (quiet.filter(executed), executed.levelname) == (True, "INFO")
