"""The Celery app: the wake-up signal and the worker pool, never the queue of record."""

import os

from celery import Celery, signals

from shop import heartbeats

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["eventstore", "shop.api", "contexts.integrations"])
app.steps["consumer"].add(heartbeats.WorkerHeartbeat)  # for the readiness check

SWEEP_TASK = "eventstore.sweep"

RELAY_TASKS = "integrations."
"""Tasks whose names start so wait on other hosts (webhook deliveries): the relay's."""
RELAY_WORKER = "relay@"
"""A worker named so (`-n relay@%h`) serves the relay's queue alone, with threads
(`-P threads`): `make run` starts one beside the main worker."""


def relay_queue() -> str:
    """The queue the relay's worker serves: the default queue's name, suffixed."""
    from django.conf import settings

    return f"{settings.CELERY_TASK_DEFAULT_QUEUE}-relay"


def route(name: str, args: object, kwargs: object, options: object, **rest: object) -> dict:
    """Celery's router (CELERY_TASK_ROUTES): the relay's tasks to its queue, the rest to
    the default one."""
    return {"queue": relay_queue()} if name.startswith(RELAY_TASKS) else {}


@signals.celeryd_after_setup.connect
def serve_relay_queue(sender: str, instance: object, **kwargs: object) -> None:
    """The relay's worker takes its queue's name from the settings, as the router does."""
    if sender.startswith(RELAY_WORKER):
        instance.app.amqp.queues.select([relay_queue()])


@signals.setup_logging.connect
def use_shop_logging(**kwargs: object) -> None:
    """Workers and beat log as every Shop process does (settings.LOGGING, `shop.logs`),
    at SHOP_LOG_LEVEL: a receiver here keeps Celery from installing its own handlers."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.task_postrun.connect
def hand_back_connections(**kwargs: object) -> None:
    """Give the task's database connections back to the pool, as Django does when a
    request ends: the next task takes one, checked as it is handed out
    (`shop.database`), so a connection Postgres dropped never reaches a task.

    Celery's own fixup would close the whole pool instead (see CELERY_DB_REUSE_MAX).
    """
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()


@signals.task_success.connect
def record_sweep(sender: object, **kwargs: object) -> None:
    """Each sweep that ran says so, for the readiness check (beat's last sweep)."""
    if getattr(sender, "name", None) == SWEEP_TASK:
        heartbeats.record_sweep()
