"""`GET /api/asyncapi.yaml`: the live order feed's AsyncAPI 3 document, `asyncapi.yaml`
beside this module, served as written. The OpenAPI document describes HTTP only; this
one describes `/ws/order-events` (the Swagger page links to it)."""

from __future__ import annotations

import functools
from pathlib import Path

from django.http import HttpRequest, HttpResponse

from shop.api.problems import problem_response

DOCUMENT = Path(__file__).with_name("asyncapi.yaml")
MEDIA_TYPE = "application/yaml"
ALLOWED = ("GET", "HEAD")


@functools.cache
def _text() -> bytes:
    return DOCUMENT.read_bytes()


def document(request: HttpRequest) -> HttpResponse:
    if request.method not in ALLOWED:
        refused = problem_response(405, f'Method "{request.method}" not allowed.')
        refused["Allow"] = ", ".join(ALLOWED)
        return refused
    return HttpResponse(_text(), content_type=MEDIA_TYPE)  # UTF-8 by definition (RFC 9512)
