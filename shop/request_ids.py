"""Request ids: every log line of a request or a websocket carries one, the answer
returns it in `X-Request-ID`, and the commands the request submits take it as their
correlation id, so the worker's lines about them carry it too (`eventstore.inbox`).

The id is the client's (or its proxy's) `X-Request-ID` when that is a plausible id, 1 to
128 letters, digits and `-._:`; otherwise a new UUID. Only an id that is a UUID can be
a correlation id (the inbox stores UUIDs): a command submitted under any other id keeps
its own id as its correlation id, and the request's "command submitted" line joins the
two.

With SHOP_ACCESS_LOG=1 (`make run` sets it) each request also leaves one access line:
method, path, status, milliseconds, and the id of the command it submitted, if any. Off
by default: at about 30 us a line, a busy API process would spend a twentieth of its
time writing them.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from channels.middleware import BaseMiddleware
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from structlog.contextvars import bind_contextvars, bound_contextvars, clear_contextvars

HEADER = "X-Request-ID"
PLAUSIBLE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access = logging.getLogger("shop.access")


def request_id(given: str | None) -> str:
    """The given id when plausible, else a new one."""
    if given is not None and PLAUSIBLE.fullmatch(given):
        return given
    return str(uuid.uuid4())


def context(request_id: str) -> dict[str, str]:
    """What a request's lines carry: its id, and the same id as the correlation id of
    the commands it submits when it is a UUID (in its canonical form)."""
    try:
        return {"request_id": request_id, "correlation_id": str(uuid.UUID(request_id))}
    except ValueError:
        return {"request_id": request_id}


class RequestIdMiddleware:
    """First in MIDDLEWARE, so every line of the request, the access line included,
    carries the id. The request's context starts empty, and is emptied once the request
    has finished (`request_finished`), not as the middleware returns: Django logs a
    4xx or 5xx answer after the middleware, and that line is the request's too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ident = request_id(request.headers.get(HEADER))
        started = time.perf_counter()
        clear_contextvars()
        bind_contextvars(**context(ident))
        response = self.get_response(request)
        response[HEADER] = ident
        if access.isEnabledFor(logging.INFO):
            milliseconds = round((time.perf_counter() - started) * 1000, 1)
            access.info("%s %s %s", request.method, request.path, response.status_code,
                        extra={"duration_ms": milliseconds})  # fmt: skip
        return response


@receiver(request_finished, dispatch_uid="shop.request_ids")
def forget_the_request(**kwargs: object) -> None:
    """A server's thread serves one request after another: none of this one's context
    (its id, the command a view bound) reaches what the thread logs or submits next."""
    clear_contextvars()


class WebsocketRequestId(BaseMiddleware):
    """The same for a websocket: the handshake's `X-Request-ID`, or a new id, on every
    line logged while the socket is open."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        given = dict(scope.get("headers", [])).get(HEADER.lower().encode())
        ident = request_id(given.decode("latin1") if given is not None else None)
        with bound_contextvars(**context(ident)):
            return await self.inner(scope, receive, send)
