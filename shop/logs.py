"""How every process's log lines look: one formatter for Django's, Celery's, the servers'
and Shop's own `logging` calls (settings.LOGGING), so each line has the same fields.

`SHOP_LOG_FORMAT=json` writes one JSON object a line, for machines; the default writes
readable console lines. Either way a line carries what is bound in its context
(`structlog.contextvars`): a request's `request_id` (`shop.request_ids`), a command's
`command_id` and `correlation_id` in the executor, an event's in a subscriber. Plain
values a call passes in `extra` become fields too.
"""

from __future__ import annotations

import logging
from uuid import UUID

import structlog
from structlog.typing import EventDict

FORMATS = ("console", "json")
PLAIN = (str, int, float, bool, type(None))
SAID_ALREADY = frozenset({"message", "color_message"})  # the line's text again


def formatter(format: str = "console") -> structlog.stdlib.ProcessorFormatter:
    """The formatter of settings.LOGGING's handler, for `format` (one of FORMATS)."""
    if format not in FORMATS:
        raise ValueError(f"SHOP_LOG_FORMAT must be one of {', '.join(FORMATS)}: {format!r}")
    renderer = structlog.processors.JSONRenderer() if format == "json" else console_line
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ExtraAdder(),
            plain_fields,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def plain_fields(logger: object, method: str, event: EventDict) -> EventDict:
    """Keep the fields a reader can use: ids as text, and no objects some library put in
    `extra` (Django's request, Celery's task context: their line says it already)."""
    for key, value in list(event.items()):
        if isinstance(value, UUID):
            event[key] = str(value)
        elif key in SAID_ALREADY or (
            not key.startswith("_") and key != "exc_info" and not isinstance(value, PLAIN)
        ):
            del event[key]
    return event


def console_line(logger: object, method: str, event: EventDict) -> str:
    """`time level text [logger] key=value ...`, and a traceback on the lines below."""
    head = (
        f"{event.pop('timestamp', '')} {event.pop('level', ''):<7} {event.pop('event', '')}"
        f" [{event.pop('logger', '')}]"
    )
    exception = event.pop("exception", None)
    fields = "".join(f" {key}={value}" for key, value in event.items())
    return f"{head}{fields}\n{exception}" if exception else head + fields


class RoutineTasks(logging.Filter):
    """Celery's lines about the sweeper's runs (sent, received, succeeded), every couple
    of seconds, at DEBUG: what a run found is in Postgres, and a failure stays loud."""

    CELERY_LOGGERS = frozenset({"celery.beat", "celery.worker.strategy", "celery.app.trace"})

    def __init__(self, tasks: list[str]) -> None:
        super().__init__()
        self.tasks = frozenset(tasks)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or record.name not in self.CELERY_LOGGERS:
            return True
        if self._task_of(record) not in self.tasks:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)

    @staticmethod
    def _task_of(record: logging.LogRecord) -> object:
        """The task's name: in the context dict of a worker's line, last of beat's args."""
        if isinstance(record.args, dict):
            return record.args.get("name")
        return record.args[-1] if record.args else None
