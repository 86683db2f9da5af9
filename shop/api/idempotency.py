"""The Idempotency-Key contract for writes, per actor.

- The first request with a key claims it (a row, committed at once) for a lease.
- Its 2xx answer is stored in the same transaction as the command it submitted, so a
  command is never accepted without its answer being remembered, nor the reverse.
- The same key with the same method, path and body replays that answer exactly (with
  `Idempotent-Replayed: true`); with anything else it is 422; while the first request is
  still in flight it is 409.
- An error answer stores nothing: the claim is released and the key is free again, as
  the request changed nothing. A claim whose process died frees itself when its lease
  runs out. Keys are kept `RETENTION` (24 h) and purged by a Celery beat task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from psycopg.types.json import Jsonb
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from shop.api.models import IdempotencyRecord
from shop.api.parsers import parse_json
from shop.api.problems import IdempotencyKeyReused, RequestInFlight

HEADER = "Idempotency-Key"
LEASE = dt.timedelta(seconds=30)
RETENTION = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255
KEY_PATTERN = r"^[ -~]*[!-~][ -~]*$"
"""Printable ASCII, not all spaces (a server trims the spaces around a header's value)."""
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN}
REPLAYED_HEADERS = ("Location",)

TABLE = IdempotencyRecord._meta.db_table


@dataclass
class Claim:
    """This request's hold on a key; `completed` once its answer is stored."""

    actor: str
    key: str
    token: uuid.UUID
    completed: bool = False


class Replay(Exception):
    """The key's first answer, to be sent again instead of running the view."""

    def __init__(self, response: Response) -> None:
        super().__init__("replaying an earlier answer")
        self.response = response


def key_of(request: Request) -> str | None:
    """The request's Idempotency-Key, None without one; 422 when it is malformed."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if len(key) > MAX_KEY_LENGTH or not re.fullmatch(KEY_PATTERN, key):
        raise exceptions.ValidationError(
            {HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."]}
        )
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and body (JSON compared as data)."""
    try:
        canonical = json.dumps(parse_json(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{method}\n{path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def claim(actor: str, key: str, method: str, path: str, body: bytes) -> Claim:
    """Take the key for this request, or raise Replay, IdempotencyKeyReused (422) or
    RequestInFlight (409). The claim commits at once, so duplicates see it."""
    token = uuid.uuid4()
    print_ = fingerprint(method, path, body)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {TABLE} AS r (actor, key, fingerprint, method, path, token,
                                      locked_until, response_headers, created_at)
            VALUES (%s, %s, %s, %s, %s, %s, now() + %s, '{{}}', now())
            ON CONFLICT (actor, key) DO UPDATE SET
                fingerprint = excluded.fingerprint, method = excluded.method,
                path = excluded.path, token = excluded.token,
                locked_until = excluded.locked_until, created_at = excluded.created_at,
                response_status = NULL, response_body = NULL, response_headers = '{{}}'
            WHERE r.created_at < now() - %s
               OR (r.response_status IS NULL AND r.locked_until < now())
            RETURNING token
            """,
            [actor, key, print_, method, path, token, LEASE, RETENTION],
        )
        if cursor.fetchone() is not None:
            return Claim(actor, key, token)
        cursor.execute(
            f"SELECT fingerprint, response_status, response_body, response_headers"
            f" FROM {TABLE} WHERE actor = %s AND key = %s",
            [actor, key],
        )
        earlier_print, status, body_, headers = cursor.fetchone()
    if earlier_print != print_:
        raise IdempotencyKeyReused(errors={HEADER: [IdempotencyKeyReused.default_detail]})
    if status is None:
        raise RequestInFlight()
    raise Replay(_replayed(status, _json(body_), _json(headers)))


def complete(claim_: Claim, response: Response) -> None:
    """Store the answer; call inside the transaction that submitted the command.

    If the lease ran out and another request took the key over, this one must not
    stand: RequestInFlight rolls its transaction (and its command) back.
    """
    headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET response_status = %s, response_body = %s,"
            f" response_headers = %s, locked_until = NULL"
            f" WHERE actor = %s AND key = %s AND token = %s AND response_status IS NULL",
            [
                response.status_code, Jsonb(response.data), Jsonb(headers),
                claim_.actor, claim_.key, claim_.token,
            ],
        )  # fmt: skip
        if cursor.rowcount != 1:
            raise RequestInFlight("This request took too long; another one now holds its key.")
    claim_.completed = True


def release(claim_: Claim) -> None:
    """Forget an unfinished claim: the request failed and changed nothing."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE actor = %s AND key = %s AND token = %s"
            f" AND response_status IS NULL",
            [claim_.actor, claim_.key, claim_.token],
        )


def purge(now: dt.datetime) -> int:
    """Delete the keys older than RETENTION; return how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted


def _replayed(status: int, body: Any, headers: dict[str, str]) -> Response:
    return Response(body, status=status, headers={**headers, "Idempotent-Replayed": "true"})


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
