"""One runner per subscriber, across every worker and host: a session advisory lock."""

from __future__ import annotations

from django.db import connection

SUBSCRIBER_LOCK = 3  # advisory-lock namespace of the subscribers, keyed by name
LOCK_WAIT_SECONDS = 5


class SubscriberLock:
    """A session-level advisory lock: one runner per subscriber, across every host."""

    def __init__(self, name: str, wait_seconds: float = LOCK_WAIT_SECONDS) -> None:
        self.name = name
        self.wait_ms = int(wait_seconds * 1000)
        self.held = False

    def __enter__(self) -> SubscriberLock:
        with connection.cursor() as cursor:
            # Usually free: one round trip. Otherwise wait, as long as `wait_seconds`.
            cursor.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [SUBSCRIBER_LOCK, self.name]
            )
            self.held = cursor.fetchone()[0]
            if self.held or self.wait_ms <= 0:
                return self
            cursor.execute(f"SET lock_timeout = {self.wait_ms}")
            try:
                cursor.execute(
                    "SELECT pg_advisory_lock(%s, hashtext(%s))", [SUBSCRIBER_LOCK, self.name]
                )
                self.held = True
            except Exception:  # timed out: another runner is busy with it and will catch up
                self.held = False
            finally:
                cursor.execute("SET lock_timeout = 0")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.held:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", [SUBSCRIBER_LOCK, self.name]
                )
