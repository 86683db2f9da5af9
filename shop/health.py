"""`/api/health/live`, `/api/health/ready` and `/api/health`: is the process up, and can
Shop do its work (database, Redis, a worker for each queue, beat's sweeps, subscribers
within `SHOP_HEALTH_MAX_LAG` of the head).

A load balancer or supervisor restarts on `live`; `ready` (and `/api/health`, its older
name) says which part is failing. Anyone may ask: anonymous callers see the parts and
their figures, staff also the errors and which subscriber lags most. A part that cannot
be checked because the part it reads from is down is `unknown`, not down: the 503 names
the failing part, not its dependants.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from eventstore import subscribers
from shop import heartbeats
from shop.api.problems import DATABASE_DOWN
from shop.api.views import JsonAlways
from shop.celery import relay_queue


class Check(StrEnum):
    """A part's state."""

    UP = "up"
    DOWN = "down"
    UNKNOWN = "unknown"  # its source is down, so it could not be checked


class Health(StrEnum):
    """The whole report's state."""

    OK = "ok"
    DOWN = "down"


CHECK_STATUSES = list(Check)
HEALTH_STATUSES = list(Health)
LIVE_STATUSES = [Health.OK]
PARTS = ("database", "redis", "worker", "relayWorker", "beat", "subscribers")
DETAILS = ("error", "subscriber")
"""What only staff see."""
UNKNOWN = {"status": Check.UNKNOWN}


def _down(error: Exception) -> dict:
    return {"status": Check.DOWN, "error": str(error).strip() or type(error).__name__}


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure means "down"; the reason is reported
        connection.close()
        return _down(error)
    return {"status": Check.UP, "latencyMs": _since(started)}


def heartbeat_parts() -> dict[str, tuple[str, float]]:
    """Each part kept alive by a heartbeat: its key's part, and the oldest age allowed."""
    worker = heartbeats.WORKER_MAX_AGE
    return {
        "worker": (heartbeats.worker_part(settings.CELERY_TASK_DEFAULT_QUEUE), worker),
        "relayWorker": (heartbeats.worker_part(relay_queue()), worker),
        "beat": (heartbeats.SWEEP, heartbeats.sweep_max_age()),
    }


def check_redis() -> dict[str, dict]:
    """Redis, and the heartbeats kept in it, over one connection."""
    parts = heartbeat_parts()
    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        with client:
            client.ping()
            latency = _since(started)
            ages = heartbeats.ages(client, [part for part, _ in parts.values()])
    except Exception as error:  # any failure means "down"; the reason is reported
        return {"redis": _down(error), **dict.fromkeys(parts, UNKNOWN)}
    checks = {"redis": {"status": Check.UP, "latencyMs": latency}}
    for name, (part, max_age) in parts.items():
        age = ages[part]
        checks[name] = {"status": Check.DOWN if age is None else Check.UP, "ageSeconds": age}
        if age is None:
            checks[name]["error"] = f"no heartbeat in the last {max_age:g} s"
    return checks


def check_lag() -> dict:
    """The subscriber furthest behind the head, against SHOP_HEALTH_MAX_LAG."""
    try:
        lags = subscribers.lag()
    except Exception as error:  # any failure means "down"; the reason is reported
        connection.close()
        return _down(error)
    name, worst = max(lags.items(), key=lambda item: item[1], default=("", 0))
    limit = settings.SHOP_HEALTH_MAX_LAG
    status = Check.UP if worst <= limit else Check.DOWN
    check = {"status": status, "worstLag": worst, "maxLag": limit}
    if name:
        check["subscriber"] = name
    if worst > limit:
        check["error"] = f"{name} is {worst} events behind the head (at most {limit})"
    return check


def readiness() -> dict:
    checks = {"database": check_database(), **check_redis()}
    checks["subscribers"] = check_lag() if checks["database"]["status"] == Check.UP else UNKNOWN
    checks = {name: checks[name] for name in PARTS}
    down = [name for name, check in checks.items() if check["status"] == Check.DOWN]
    return {"status": Health.DOWN if down else Health.OK, "down": down, "checks": checks}


def sees_details(request: Request, database_up: bool) -> bool:
    """Staff, signed in as the API signs them in (a token or the session). Credentials
    that fail, or that cannot be checked while the database is down, are anonymous."""
    if not database_up:
        return False
    for authentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            found = authentication().authenticate(request)
        except (APIException, *DATABASE_DOWN):
            return False
        if found is not None:
            return found[0].is_active and found[0].is_staff
    return False


def for_caller(report: dict, details: bool) -> dict:
    if details:
        return report
    checks = {
        name: {key: value for key, value in check.items() if key not in DETAILS}
        for name, check in report["checks"].items()
    }
    return {**report, "checks": checks}


class ServiceCheck(serializers.Serializer):
    status = serializers.ChoiceField(CHECK_STATUSES)
    latencyMs = serializers.FloatField(required=False, help_text="The round trip, when up.")
    error = serializers.CharField(required=False, help_text="Why it is down: staff only.")


class HeartbeatCheck(serializers.Serializer):
    status = serializers.ChoiceField(CHECK_STATUSES)
    ageSeconds = serializers.FloatField(
        required=False, allow_null=True, help_text="Since the last heartbeat; null: none."
    )
    error = serializers.CharField(required=False, help_text="Why it is down: staff only.")


class LagCheck(serializers.Serializer):
    status = serializers.ChoiceField(CHECK_STATUSES)
    worstLag = serializers.IntegerField(required=False, help_text="Events behind the head.")
    maxLag = serializers.IntegerField(required=False, help_text="SHOP_HEALTH_MAX_LAG.")
    subscriber = serializers.CharField(required=False, help_text="The one behind: staff only.")
    error = serializers.CharField(required=False, help_text="Why it is down: staff only.")


class HealthChecks(serializers.Serializer):
    database = ServiceCheck()
    redis = ServiceCheck()
    worker = HeartbeatCheck(help_text="A Celery worker on the default queue.")
    relayWorker = HeartbeatCheck(help_text="The relay's worker (webhook deliveries).")
    beat = HeartbeatCheck(help_text="Beat's last sweep (`eventstore.sweep`).")
    subscribers = LagCheck(help_text="The subscriber furthest behind the head.")


class HealthReport(serializers.Serializer):
    status = serializers.ChoiceField(HEALTH_STATUSES)
    down = serializers.ListField(child=serializers.ChoiceField(PARTS))
    checks = HealthChecks()


class Liveness(serializers.Serializer):
    status = serializers.ChoiceField(LIVE_STATUSES)


class Unchecked(APIView):
    """Not throttled and not authenticated by DRF (load balancers poll these), and never
    problem+json: a 503 keeps the health report as its body."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    content_negotiation_class = JsonAlways


class LiveApi(Unchecked):
    uses_database = False

    @extend_schema(
        summary="The process answers (no database, no Redis)",
        responses={200: OpenApiResponse(Liveness, "The process answers.")},
    )
    def get(self, request: Request) -> Response:
        return Response({"status": Health.OK})


def ready_schema(summary: str) -> Callable[[Any], Any]:
    return extend_schema(
        summary=summary,
        responses={
            (200, "application/json"): OpenApiResponse(HealthReport, "Every part is up."),
            (503, "application/json"): OpenApiResponse(
                HealthReport, "A part is down: `down` names it (the health report, not a problem)."
            ),
        },
    )


class ReadyApi(Unchecked):
    @ready_schema("Ready: database, Redis, workers, beat and subscriber lag")
    def get(self, request: Request) -> Response:
        report = readiness()
        details = sees_details(request, report["checks"]["database"]["status"] == Check.UP)
        return Response(for_caller(report, details), status=503 if report["down"] else 200)


class HealthApi(ReadyApi):
    """The same report as /api/health/ready, under its first name."""

    @ready_schema("Ready (as /api/health/ready)")
    def get(self, request: Request) -> Response:
        return super().get(request)
