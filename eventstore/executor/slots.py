"""The executor's run slots: at most `SHOP_EXECUTOR_RUNS` executors run at once, across
every worker and host."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

EXECUTOR_LOCK = 4  # advisory-lock namespace of the executor's run slots


class ExecutorSlot:
    """One of `SHOP_EXECUTOR_RUNS` session advisory locks, tried without waiting."""

    def __init__(self) -> None:
        self.held: int | None = None

    def __enter__(self) -> ExecutorSlot:
        with connection.cursor() as cursor:
            for slot in range(settings.SHOP_EXECUTOR_RUNS):
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [EXECUTOR_LOCK, slot])
                if cursor.fetchone()[0]:
                    self.held = slot
                    break
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [EXECUTOR_LOCK, self.held])
