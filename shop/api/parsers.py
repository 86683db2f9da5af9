"""Request bodies: JSON only, at most 64 KiB, nested at most 32 deep.

The size limit is checked twice: against the declared Content-Length before anything is
read, and against the bytes actually read (a body sent without a length). The depth limit
keeps a hostile body (`[[[[...]]]]`) from reaching Python's recursion limit in the parser
or in whatever walks the data afterwards; `parse_json` is the one reading of a body.
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
MAX_DEPTH = 32
"""Arrays and objects inside one another, at most: far above any body Shop takes."""


class MalformedJson(ValueError):
    """Not a JSON text Shop reads: invalid, NaN or Infinity, or nested too deep."""


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
            return parse_json(raw.decode(encoding))
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"The body is not valid JSON: {error}") from error


def parse_json(text: str | bytes) -> Any:
    """The value of a JSON text, or MalformedJson (a ValueError)."""
    try:
        if isinstance(text, bytes):
            text = text.decode(json.detect_encoding(text))
        value = _DECODER.decode(text)
    except RecursionError:
        raise MalformedJson(f"it nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise MalformedJson(str(error)) from None
    if _openings(text) > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise MalformedJson(f"it nests deeper than {MAX_DEPTH} levels")
    return value


def _openings(text: str | bytes) -> int:
    """How many arrays and objects the text could open at most (brackets in strings
    count too): when it is within the limit, the walk is not needed."""
    if isinstance(text, bytes):
        return text.count(b"[") + text.count(b"{")
    return text.count("[") + text.count("{")


def _depth(value: Any) -> int:
    """How deep arrays and objects nest in `value` (0 for a scalar), level by level
    rather than by recursion; it stops counting past MAX_DEPTH."""
    depth, level = 0, [value]
    while depth <= MAX_DEPTH:
        containers = [item for item in level if isinstance(item, (list, dict))]
        if not containers:
            break
        depth += 1
        level = [
            item
            for container in containers
            for item in (container.values() if isinstance(container, dict) else container)
        ]
    return depth


def refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=refuse_constant)
"""One decoder for every body: `json.loads` with an argument builds a new one each time."""
