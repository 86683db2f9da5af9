"""The base classes of every endpoint: `ReadApi` for GETs, `CommandApi` for writes.

Order of checks on every request: the method (405), body size (413), authentication
(401), permission (403), throttle (429), then for reads `?after` (422/503) and for writes the
Idempotency-Key (replay, 409, 422); after that the view's own validation (400, 415,
422), lookups (404) and preconditions (412); last, for writes, an id that is another
kind of record's stream (409, `shop.api.streams`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from uuid import UUID

from django.db import transaction
from django.urls import reverse
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from structlog.contextvars import bind_contextvars

from eventstore.inbox import submit
from eventstore.models import Command
from shop.api import consistency, idempotency
from shop.api.auth import actor_for
from shop.api.parsers import read_body
from shop.api.problems import DATABASE_DOWN, OutcomeUnknown
from shop.api.streams import require_command_stream

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class JsonAlways(DefaultContentNegotiation):
    """Answer JSON whatever the Accept header asks: there is nothing else to offer."""

    def select_renderer(
        self, request: Request, renderers: Sequence[Any], format_suffix: Any = None
    ) -> tuple[Any, str]:
        return renderers[0], renderers[0].media_type


class ApiView(APIView):
    """Any Shop endpoint. `problems` lists extra error statuses for the schema."""

    content_negotiation_class = JsonAlways
    problems: ClassVar[frozenset[int]] = frozenset()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            self.http_method_not_allowed(request)  # 405, before anything reads the request
        self.body = read_body(request._request)
        super().initial(request, *args, **kwargs)


class ReadApi(ApiView):
    """A GET of presentation tables. `fed_by` names the bakers that write them, which
    `?after=<commandId>` waits for."""

    fed_by: ClassVar[tuple[str, ...]] = ()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if self.fed_by:
            consistency.read_after(request, self.fed_by)


class CommandApi(ApiView):
    """A write that submits one command and answers 202 (see `accept`).

    `if_match` documents the If-Match header; the view enforces it by calling
    `preconditions.require_version` with the version it read.
    """

    if_match: ClassVar[bool] = False
    checks_stream: ClassVar[bool] = True
    """`accept` refuses (409) a command whose stream id is another type's stream; a view
    that checks the id itself sets False."""
    claim: idempotency.Claim | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        key = idempotency.key_of(request)
        if key is not None and request.method in WRITE_METHODS:
            self.claim = idempotency.claim(
                actor_for(request.user), key, request.method, request.path, self.body
            )

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, idempotency.Replay):
            return exc.response
        try:
            return super().handle_exception(exc)
        except Exception:  # a bug, about to be a 500: the key must not stay claimed
            if self.claim is not None and not self.claim.completed:
                idempotency.release(self.claim)
            raise

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        if self.claim is not None and not self.claim.completed:
            idempotency.release(self.claim)
        return super().finalize_response(request, response, *args, **kwargs)

    def accept(self, command: object, **created: UUID) -> Response:
        """Submit `command` as the signed-in user; answer 202 with the ids it created.

        The command and the remembered answer to its Idempotency-Key commit together;
        without a key the command's one INSERT commits by itself. If the database is lost
        once the statement that commits it was sent (that INSERT, or with a key the
        COMMIT), whether it was stored is unknown: `OutcomeUnknown`.
        """
        if self.checks_stream:
            require_command_stream(command)
        sent = self.claim is None
        try:
            if self.claim is None:
                return self._accepted(command, created)
            with transaction.atomic():
                response = self._accepted(command, created)
                idempotency.complete(self.claim, response)
                sent = True  # only the COMMIT is left
            return response
        except DATABASE_DOWN as error:
            if sent:
                raise OutcomeUnknown() from error
            raise  # rolled back: nothing was stored

    def _accepted(self, command: object, created: dict[str, UUID]) -> Response:
        submitted = submit(command, actor=actor_for(self.request.user))
        bind_contextvars(command_id=str(submitted.command_id))  # for the request's lines
        body = {
            "commandId": str(submitted.command_id),
            "status": Command.Status.PENDING,
            **{name: str(value) for name, value in created.items()},
        }
        location = reverse("command", kwargs={"commandId": submitted.command_id})
        return Response(body, status=202, headers={"Location": location})
