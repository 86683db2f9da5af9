"""A prefork worker keeps its connection pool from task to task; each task's connection
goes back to the pool as it ends, as a request's does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from shop.celery import app, hand_back_connections


@pytest.mark.usefixtures("committed_db")
def test_a_task_hands_its_connection_back_and_the_pool_stays_open() -> None:
    fixup = DjangoWorkerFixup(app)
    fixup.worker = SimpleNamespace(pool_cls="celery.concurrency.prefork:TaskPool")
    task = SimpleNamespace(request=SimpleNamespace(is_eager=False))
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    pool = connection.pool

    fixup.on_task_postrun(sender=task)  # Celery's own end of a task
    hand_back_connections()  # Shop's

    assert connection.connection is None
    assert connection.pool is pool and not pool.closed
    with connection.cursor() as cursor:  # the next task takes a pooled connection
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
