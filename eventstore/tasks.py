"""Celery tasks: the wake-up targets. Each does what Postgres says is left to do."""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from eventstore import jobs, subscribers, wakeups
from eventstore.executor import executor
from eventstore.inbox import READY
from eventstore.subscribers.runner import TURN_SECONDS


@shared_task(name=wakeups.EXECUTE_COMMANDS)
def execute_commands() -> int:
    return executor.woken(turn=TURN_SECONDS)


@shared_task(name=wakeups.CATCH_UP)
def catch_up(name: str) -> int:
    return subscribers.Runner(subscribers.registry.named(name)).woken()


@shared_task(name="eventstore.sweep")
def sweep() -> dict:
    """Find work that lost its wake-up: ready commands, lagging subscribers."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM eventstore_command WHERE {READY})")
        ready = cursor.fetchone()[0]
    if ready:
        wakeups.wake_executor()
    lagging = [name for name, lag in subscribers.lag().items() if lag > 0]
    wakeups.wake_subscribers(lagging)
    return {"commands_ready": ready, "lagging": lagging}


@shared_task(name=jobs.RUN_JOB)
def projection_job(kind: str, name: str) -> None:
    """Rebuild or verify one baker, for the back-office's projections page."""
    jobs.run(kind, name)
