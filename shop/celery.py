"""The Celery app: the wake-up signal and the worker pool, never the queue of record."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("shop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["eventstore", "shop.api"])


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
