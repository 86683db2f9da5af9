"""Rebuild or verify a baker in the background, with its progress in the cache.

A rebuild can take minutes, longer than any web request should, so a page starts it as
a Celery task and polls `status()`. The state lives in the cache (Redis), under a key
named after the Celery queue, so two suites or deployments sharing one Redis never see
each other's jobs. Losing it loses only the progress display: the rebuild itself is
transactional, and a verify can simply run again.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from eventstore.rebuild import rebuild, verify
from eventstore.subscribers import Baker, registry

RUN_JOB = "eventstore.projection_job"
KINDS = ("rebuild", "verify")
KEEP_SECONDS = 24 * 3600
STALE_SECONDS = 120  # a running job silent this long died with its worker
REPORT_EVERY = 0.25


class JobState(StrEnum):
    """Where a job is. The cache holds its value, a plain string."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


UNDER_WAY = frozenset({JobState.QUEUED, JobState.RUNNING})


def _key(name: str) -> str:
    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}:projection-job:{name}"


def status(name: str) -> dict[str, Any] | None:
    """The latest job of this baker: kind, state (a `JobState` value), position, target,
    percent, tables (verify's result) and error."""
    return cache.get(_key(name))


def statuses(names: list[str]) -> dict[str, dict[str, Any]]:
    found = cache.get_many([_key(name) for name in names])
    return {name: found[_key(name)] for name in names if _key(name) in found}


def busy(name: str) -> bool:
    job = status(name)
    if not job or job["state"] not in UNDER_WAY:
        return False
    return time.time() - job["touched"] < STALE_SECONDS


def start(kind: str, name: str) -> bool:
    """Queue a job for a baker; False when one is already under way for it."""
    if kind not in KINDS:
        raise ValueError(f"unknown job {kind!r}")
    _baker(name)  # refuse unknown names before queueing anything
    if busy(name):
        return False
    _save(name, kind, JobState.QUEUED, position=0, target=0, tables=[], error="")
    current_app.send_task(RUN_JOB, args=[kind, name], ignore_result=True)
    return True


def run(kind: str, name: str) -> None:
    """Run the job here (in a worker), reporting progress as it goes."""
    baker = _baker(name)
    last = 0.0

    def progress(position: int, target: int) -> None:
        nonlocal last
        if time.monotonic() - last >= REPORT_EVERY or position >= target:
            last = time.monotonic()
            _save(name, kind, JobState.RUNNING, position=position, target=target)

    _save(name, kind, JobState.RUNNING, started_at=timezone.now().isoformat())
    try:
        tables = _run(kind, baker, progress)
    except Exception as error:
        _save(name, kind, JobState.FAILED, error=f"{type(error).__name__}: {error}")
        raise
    _save(name, kind, JobState.DONE, tables=tables, finished_at=timezone.now().isoformat())


def _run(kind: str, baker: Baker, progress: Any) -> list[dict[str, Any]]:
    if kind == "rebuild":
        rebuild(baker, progress=progress)
        return []
    return [
        {
            "table": d.table,
            "equal": d.equal,
            "only_live": d.only_live,
            "only_rebuilt": d.only_rebuilt,
            "samples": d.samples,
        }
        for d in verify(baker, progress=progress)
    ]


def _baker(name: str) -> Baker:
    subscriber = registry.named(name)
    if not isinstance(subscriber, Baker):
        raise LookupError(f"{name} is not a baker: only bakers are rebuilt")
    return subscriber


def _save(name: str, kind: str, state: JobState, **changes: Any) -> None:
    job = {**(status(name) or {}), "kind": kind, "state": state.value, **changes}
    job |= {"name": name, "touched": time.time()}
    target = job.get("target") or 0
    job["percent"] = 100 if state is JobState.DONE else _percent(job.get("position", 0), target)
    cache.set(_key(name), job, KEEP_SECONDS)


def _percent(position: int, target: int) -> int:
    return int(100 * position / target) if target else 0
