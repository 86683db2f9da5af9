"""Every API error as application/problem+json (RFC 9457).

A problem has `type`, `title`, `status` and `detail`; validation problems add `errors`,
a flat map from a field's path (`quantity`, `shippingAddress.country`, `lines.0.quantity`)
to its messages. Plain HTTP errors use `type: "about:blank"` with the status phrase as
title; Shop's own problem types are relative URIs under /api/problems/, each described
by `GET /api/problems/{slug}`.

DRF views get here through `exception_handler` (settings: EXCEPTION_HANDLER); Django's
own 400/403/404/500 pages for /api/ paths through the `handler*` views in shop/urls.py.

A database that cannot be reached (`DATABASE_DOWN`: the pool found no live connection
in time, or one broke mid-request) is 503 with Retry-After everywhere, never 500: in DRF
views through `exception_handler`, in other views through `shop.database_outage`, in
middleware through `server_error`. Errors in what was asked of the database (integrity,
programming, data errors) are not outages and keep their own answers.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
DATABASE_DOWN = (OperationalError, InterfaceError)
"""What Django raises when the database cannot be reached or the connection broke
(psycopg-pool's PoolTimeout arrives as OperationalError)."""
DATABASE_RETRY_AFTER = "5"
"""Seconds a client waits before retrying after a database outage: about a restart's."""

TYPES: dict[str, tuple[str, str]] = {
    "validation": (
        "Your request is not valid",
        "A field is missing, unknown, of the wrong type or out of range; `errors` names each.",
    ),
    "malformed-body": ("The body is not valid JSON", "The request body could not be parsed."),
    "idempotency-key-reused": (
        "This Idempotency-Key was used for another request",
        "The key was first used with a different method, path or body. Use a new key.",
    ),
    "request-in-flight": (
        "A request with this Idempotency-Key is in progress",
        "Retry once the first request has answered; you will then get its response.",
    ),
    "stale-version": (
        "The resource has changed",
        "The If-Match version is not the current one. GET it again for the new ETag.",
    ),
    "not-yet-consistent": (
        "The view has not caught up yet",
        "The command given in `after` is not reflected here yet. Retry after Retry-After.",
    ),
    "stream-type-conflict": (
        "This id belongs to another kind of record",
        "The id in the path is already the id of another kind of record (an order, an invoice,"
        " a shipment, ...), which a command of this kind can never change. Use a new id.",
    ),
    "command-rejected": (
        "The command was rejected",
        "The business rules refused the command; `detail` says why. Nothing was changed.",
    ),
    "command-failed": (
        "The command failed",
        "The command could not be executed because of a fault on our side. Nothing changed.",
    ),
    "database-unavailable": (
        "The database is unavailable",
        "Shop cannot reach its database right now (it may be restarting). Retry after"
        " Retry-After. A write that failed this way was not stored, unless `detail` says it"
        " may have been: then retry it with the same Idempotency-Key, which answers the"
        " stored 202 again or stores it once. A write sent without a key may then be stored"
        " twice: look for it before sending it again.",
    ),
}


def type_uri(slug: str) -> str:
    return f"/api/problems/{slug}"


def problem_body(status: int, detail: str, slug: str | None = None, **extra: Any) -> dict:
    """A problem document: Shop's type `slug`, or about:blank with the status phrase."""
    if slug is None:
        kind, title = "about:blank", HTTPStatus(status).phrase
    else:
        kind, title = type_uri(slug), TYPES[slug][0]
    return {"type": kind, "title": title, "status": status, "detail": detail, **extra}


class Problem(exceptions.APIException):
    """An error with one of Shop's problem types; raise it from any API view."""

    slug: str | None = None
    headers: Mapping[str, str] = {}

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.extra = extra


class PayloadTooLarge(Problem):
    status_code = 413
    default_detail = "The request body is larger than the limit."


class PreconditionFailed(Problem):
    status_code = 412
    slug = "stale-version"
    default_detail = "The resource has changed since that version."


class IdempotencyKeyReused(Problem):
    status_code = 422
    slug = "idempotency-key-reused"
    default_detail = "This Idempotency-Key was first used with a different request."


class RequestInFlight(Problem):
    status_code = 409
    slug = "request-in-flight"
    default_detail = "The first request with this Idempotency-Key has not answered yet."


class StreamTypeConflict(Problem):
    status_code = 409
    slug = "stream-type-conflict"
    default_detail = "This id is already the id of another kind of record."


class DatabaseUnavailable(Problem):
    status_code = 503
    slug = "database-unavailable"
    default_detail = "The database cannot be reached right now; nothing was stored."
    headers = {"Retry-After": DATABASE_RETRY_AFTER}


class OutcomeUnknown(DatabaseUnavailable):
    """The database was lost once a write was sent: it may have been stored."""

    default_detail = (
        "The database was lost while storing your request: it may or may not have been"
        " stored. Retry with the same Idempotency-Key to find out."
    )


class NotYetConsistent(Problem):
    status_code = 503
    slug = "not-yet-consistent"
    default_detail = "The view has not caught up with that command yet."
    headers = {"Retry-After": "1"}


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every API exception to a problem response."""
    exc = _as_api_exception(exc)
    if exc is None:
        return None  # a bug: Django answers 500 through `server_error`
    headers = dict(getattr(exc, "headers", {}))
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{max(1, round(exc.wait))}"
    from rest_framework.views import set_rollback  # not at import: DRF's views import us

    set_rollback()
    body = _body(exc)
    return Response(body, status=body["status"], headers=headers, content_type=MEDIA_TYPE)


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, DATABASE_DOWN):
        log.warning("database unavailable: %s", exc)
        return DatabaseUnavailable()
    if isinstance(exc, exceptions.APIException):
        return exc
    return None


def _body(exc: exceptions.APIException) -> dict:
    status = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        names = ", ".join(sorted(errors))
        detail = f"Check these fields: {names}." if names else "The request is not valid."
        return problem_body(422, detail, "validation", errors=errors)
    if isinstance(exc, exceptions.ParseError):
        return problem_body(400, str(exc.detail), "malformed-body")
    if isinstance(exc, Problem):
        return problem_body(status, str(exc.detail), exc.slug, **exc.extra)
    return problem_body(status, str(exc.detail))


def flatten_errors(detail: Any, path: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"a.b.0.c": [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            flat.update(flatten_errors(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(detail, list) and all(not isinstance(x, (Mapping, list)) for x in detail):
        flat[path or "nonFieldErrors"] = [str(message) for message in detail]
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            flat.update(flatten_errors(value, f"{path}.{index}" if path else str(index)))
    else:
        flat[path or "nonFieldErrors"] = [str(detail)]
    return flat


def problem_response(status: int, detail: str, slug: str | None = None) -> JsonResponse:
    """A problem as a plain Django response, for code outside DRF views."""
    return JsonResponse(problem_body(status, detail, slug), status=status, content_type=MEDIA_TYPE)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return problem_response(413, str(PayloadTooLarge.default_detail))
        return problem_response(400, "The request could not be understood.")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem_response(403, "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return problem_response(404, "There is nothing at this address.")
    return defaults.page_not_found(request, exception)


def database_unavailable(request: HttpRequest, after_the_view: bool = False) -> HttpResponse:
    """503 with Retry-After: a problem under /api/, a plain page elsewhere. A view may
    have stored something before an outage met `after_the_view`."""
    if _is_api(request):
        kind = OutcomeUnknown if after_the_view else DatabaseUnavailable
        response = problem_response(503, str(kind.default_detail), kind.slug)
    else:
        response = HttpResponse(UNAVAILABLE_PAGE, status=503)
    response["Retry-After"] = DATABASE_RETRY_AFTER
    return response


UNAVAILABLE_PAGE = (
    "<!doctype html><title>Service unavailable</title><h1>Service unavailable</h1>"
    "<p>The shop cannot reach its database right now. Please try again in a moment.</p>"
)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. Django calls it while it handles the exception, so an outage that
    a middleware met (a session saved after the view) is seen here."""
    if isinstance(sys.exception(), DATABASE_DOWN):
        log.warning("database unavailable: %s", sys.exception())
        return database_unavailable(request, after_the_view=True)
    if _is_api(request):
        return problem_response(500, "Something went wrong on our side; it has been logged.")
    return defaults.server_error(request)
