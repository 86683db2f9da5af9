"""Request bodies: JSON only, at most 64 KiB.

The limit is checked twice: against the declared Content-Length before anything is read,
and against the bytes actually read (a body sent without a length).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from shop.api.problems import PayloadTooLarge

DEFAULT_LIMIT = 64 * 1024


def body_limit() -> int:
    return getattr(settings, "SHOP_API_MAX_BODY_BYTES", DEFAULT_LIMIT)


def read_body(request: HttpRequest) -> bytes:
    """The raw body, or PayloadTooLarge (413). DRF parses the same bytes afterwards."""
    limit = body_limit()
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body must be at most {limit} bytes.")
    body = request.body
    if len(body) > limit:
        raise PayloadTooLarge(f"The request body must be at most {limit} bytes.")
    if body and not declared.isdigit():
        # A body without a Content-Length (chunked): DRF would take it for no body at all.
        request.META["CONTENT_LENGTH"] = str(len(body))
    return body


class StrictJSONParser(JSONParser):
    """JSON with the size limit, and without NaN or Infinity (not JSON)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = body_limit()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"The request body must be at most {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(raw.decode(encoding), parse_constant=refuse_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"The body is not valid JSON: {error}") from error


def refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")
