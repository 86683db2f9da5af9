"""`GET /api/health`: is the database up, is Redis up."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def check_database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure means "down"; the reason is reported
        connection.close()
        return {"status": "down", "error": str(error).strip()}
    return {"status": "up", "latencyMs": round((time.perf_counter() - started) * 1000, 2)}


def check_redis() -> dict:
    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1
        )
        with client:
            client.ping()
    except Exception as error:  # any failure means "down"; the reason is reported
        return {"status": "down", "error": str(error).strip()}
    return {"status": "up", "latencyMs": round((time.perf_counter() - started) * 1000, 2)}


class HealthApi(APIView):
    """Not throttled (load balancers poll it). Its 503 keeps the health body, not a problem."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        summary="Database and Redis state",
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (503, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    def get(self, request: Request) -> Response:
        checks = {"database": check_database(), "redis": check_redis()}
        down = [name for name, check in checks.items() if check["status"] != "up"]
        body = {"status": "down" if down else "ok", "down": down, "checks": checks}
        return Response(body, status=503 if down else 200)
