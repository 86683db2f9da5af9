"""The bench baker's rebuild as a Celery task, for the worker memory figure.

The bench baker is never registered, so the back-office's rebuild job
(`eventstore.projection_job`) cannot name it. A node started with
`--include bench.worker_tasks` replays every tick in one of its pool processes the same
way, with `eventstore.rebuild.rebuild`.
"""

from __future__ import annotations

from celery import shared_task

REBUILD_TICKS = "bench.rebuild_ticks"


@shared_task(name=REBUILD_TICKS)
def rebuild_ticks() -> int:
    from bench.baker import TickBaker  # a model's module: once Django is set up
    from eventstore.rebuild import rebuild

    return rebuild(TickBaker())
