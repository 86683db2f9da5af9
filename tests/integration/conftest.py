from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.processes import Celery, purge_wake_ups, stop_all


@pytest.fixture
def celery_processes(committed_db: None, tmp_path: Path) -> Iterator[Callable[..., Celery]]:
    """Start real Celery workers and beats; every one is stopped after the test.

    Wake-ups left queued by earlier tests are purged first.
    """
    purge_wake_ups()
    started: list[Celery] = []

    def start(
        kind: str = "worker",
        redis_url: str | None = None,
        concurrency: int = 2,
        env: dict[str, str] | None = None,
        name: str | None = None,
    ) -> Celery:
        process = Celery(kind, tmp_path, redis_url, len(started), env, name).start(concurrency)
        started.append(process)
        return process

    yield start
    stop_all(started)
