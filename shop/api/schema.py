"""OpenAPI for Shop's endpoints, derived from the view classes (drf-spectacular).

What a view class says is what the schema says: its nested `Input`/`Output` serializers
become components named after the view (`ProductCreateApi.Input` is `ProductCreateInput`);
`CommandApi` writes get Idempotency-Key, 202 and Location; `ReadApi` reads with `fed_by`
get `?after` and 503 with Retry-After; `if_match` and `etag` add those headers; a view
that `submits` or `reads` for staff names the permission staff need; and each operation
lists the problem responses its base class, permissions and path can produce, with 503
(database unavailable) on every one that uses the database (all but `uses_database =
False` views).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from shop.api import idempotency, preconditions
from shop.api.consistency import AFTER
from shop.api.routing import Operations
from shop.api.serializers import MoneyField, StrictSerializer
from shop.api.views import WRITE_METHODS, CommandApi, ReadApi
from shop.rights import required_permission

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
PROBLEM = {"$ref": "#/components/schemas/Problem"}
VALIDATION_PROBLEM = {"$ref": "#/components/schemas/ValidationProblem"}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
NO_NUL = r"^[^\x00]*$"
"""DRF refuses a NUL in any text (Postgres could not store it)."""
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"
"""...and trims a value before it refuses a blank one: at least one other character."""
BEYOND_SCHEMA = "x-beyond-schema"
"""An operation's rules that JSON Schema cannot state, by parameter or field name."""


class Generator(SchemaGenerator):
    """Documents each operation of a `routing.operations` URL from its own class."""

    def create_view(self, callback: Any, method: str, request: Any = None) -> Any:
        routed = getattr(callback, "cls", None)
        if routed is not None and issubclass(routed, Operations):
            callback.cls = routed.classes[method.lower()]
            try:
                return super().create_view(callback, method, request)
            finally:
                callback.cls = routed
        return super().create_view(callback, method, request)


class ShopAutoSchema(AutoSchema):
    def get_operation_id(self) -> str:
        name = re.sub(r"Api$", "", type(self.view).__name__)
        return name[0].lower() + name[1:]

    def get_description(self) -> str:
        """The handler's docstring, else the view class's own (never a base class's)."""
        handler = getattr(self.view, self.method.lower(), None)
        doc = (handler.__doc__ if handler else None) or type(self.view).__doc__
        permission = required_permission(self.view)
        needs = f"Staff need the permission `{permission}`." if permission else ""
        rules = "\n".join(f"- `{name}`: {rule}" for name, rule in self.beyond_schema().items())
        beyond = f"Beyond the schema:\n{rules}" if rules else ""
        parts = (inspect.cleandoc(doc or ""), beyond, needs)
        return "\n\n".join(part for part in parts if part)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict | None:
        """Rules beyond the schema (`beyond_schema`) are said in the description, and
        listed by name under `x-beyond-schema` for contract tests."""
        operation = super().get_operation(*args, **kwargs)
        rules = self.beyond_schema()
        if operation is not None and rules:
            operation[BEYOND_SCHEMA] = sorted(rules)
        return operation

    def beyond_schema(self) -> dict[str, str]:
        """What the server checks of a schema-valid request that no schema can say: a
        view's own `beyond_schema`, `after` where it is taken, `cursor` on lists."""
        view = self.view
        rules = dict(getattr(view, "beyond_schema", {}))
        if isinstance(view, ReadApi) and view.fed_by:
            rules[AFTER] = "must name a command you submitted (else 422)."
        if getattr(view, "pagination_class", None):
            rules["cursor"] = "must be one this list gave in `next` or `previous` (else 422)."
        if isinstance(view, CommandApi) and self.method in WRITE_METHODS:
            rules[idempotency.HEADER] = (
                "one you sent before with another method, path or body is 422"
                " (`idempotency-key-reused`)."
            )
        return rules

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict:
        """A StrictSerializer refuses unknown fields, and an input's text and amounts are
        refused as DRF's fields refuse them: the schema says so."""
        schema = super()._map_basic_serializer(serializer, direction)
        serializer = force_instance(serializer)
        strict = isinstance(serializer, StrictSerializer)
        if strict:
            schema["additionalProperties"] = False
        if direction == "request" or strict:  # a StrictSerializer is an input shape
            for name, field in serializer.fields.items():
                if name in schema["properties"]:
                    add_input_rules(field, schema["properties"][name])
        return schema

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        """`ProductCreateApi.Input` → `ProductCreateInput`: nested names are not unique."""
        outer, _, inner = type(serializer).__qualname__.rpartition(".")
        return re.sub(r"Api$", "", outer.split(".")[-1]) + inner if outer else inner

    def get_override_parameters(self) -> list:
        parameters = list(super().get_override_parameters())
        view = self.view
        if isinstance(view, CommandApi) and self.method in WRITE_METHODS:
            parameters += [
                OpenApiParameter(
                    idempotency.HEADER, idempotency.KEY_SCHEMA, OpenApiParameter.HEADER,
                    description="Retries with the same key and body get the first answer "
                    "again. Kept 24 h, per user.",
                ),
                OpenApiParameter(
                    "Location", str, OpenApiParameter.HEADER, response=[202], required=True,
                    description="The command's status: /api/commands/{commandId}.",
                ),
                OpenApiParameter(
                    "Idempotent-Replayed", str, OpenApiParameter.HEADER, response=[202],
                    description="`true` when this is a replay of an earlier answer.",
                ),
            ]  # fmt: skip
        if getattr(view, "if_match", False):
            parameters.append(
                OpenApiParameter(
                    preconditions.IF_MATCH,
                    str,
                    OpenApiParameter.HEADER,
                    description='The ETag of your last GET, e.g. "3"; 412 if it changed since.',
                )
            )
        if getattr(view, "etag", False):
            parameters.append(
                OpenApiParameter(
                    "ETag", str, OpenApiParameter.HEADER, response=[200], required=True,
                    description='The version, quoted ("3"), for If-Match on writes.',
                )
            )  # fmt: skip
        if isinstance(view, ReadApi) and view.fed_by:
            parameters.append(
                OpenApiParameter(
                    AFTER, OpenApiTypes.UUID, OpenApiParameter.QUERY,
                    description="A command id of yours: answer only once it shows here "
                    "(at most 10 s, else 503).",
                )
            )  # fmt: skip
        return parameters

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        for status in sorted(self.problem_statuses()):
            content = VALIDATION_PROBLEM if status == 422 else PROBLEM
            response: dict[str, Any] = {
                "description": self.problem_description(status),
                "content": {"application/problem+json": {"schema": content}},
            }
            if status in (429, 503):
                response["headers"] = RETRY_AFTER
            if status == 401:
                response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
            responses.setdefault(str(status), response)
        return responses

    def problem_description(self, status: int) -> str:
        if status == 503 and isinstance(self.view, ReadApi) and self.view.fed_by:
            return _AFTER_OR_DATABASE
        return _DESCRIPTIONS.get(status, "A problem.")

    def problem_statuses(self) -> set[int]:
        view, method = self.view, self.method
        statuses = set(getattr(view, "problems", ()))
        if getattr(view, "uses_database", True):
            statuses.add(503)
        if view.throttle_classes:
            statuses.add(429)
        if view.authentication_classes:
            statuses.add(401)  # a wrong token is refused even where anyone may call
        if not all(permission is AllowAny for permission in view.permission_classes):
            statuses |= {401, 403}
        if "{" in self.path:
            statuses.add(404)
        if method in BODY_METHODS:
            statuses |= {400, 413, 415, 422}
        if isinstance(view, CommandApi) and method in WRITE_METHODS:
            statuses |= {409, 413, 422}
            if view.authentication_classes:
                statuses.add(403)  # a session without its CSRF token
        if isinstance(view, ReadApi) and view.fed_by:
            statuses |= {422, 503}
        if getattr(view, "if_match", False):
            statuses.add(412)
        if getattr(view, "pagination_class", None):
            statuses.add(422)  # an invalid cursor
        return statuses


def add_input_rules(field: Any, schema: dict) -> None:
    """The refusals of DRF's text fields (NUL, blank after trimming) and of a positive
    amount's range, as patterns; a field with a pattern or choices of its own keeps them."""
    if isinstance(field, MoneyField) and field.min_value is not None:
        schema["pattern"] = field.pattern()
    elif isinstance(field, serializers.CharField) and not {"pattern", "enum", "oneOf"} & set(
        schema
    ):
        blank = field.allow_blank or not field.trim_whitespace
        schema["pattern"] = NO_NUL if blank else NOT_BLANK
        if not field.allow_blank:
            schema["minLength"] = max(schema.get("minLength", 0), 1)


_DESCRIPTIONS = {
    400: "The body is not valid JSON.",
    401: "Not signed in, or a wrong token.",
    403: "Signed in, but not allowed to do this.",
    404: "No such resource (or not yours).",
    409: "A request with this Idempotency-Key is still in flight, or the id in the path"
    " is already another kind of record's.",
    412: "If-Match names a version that is no longer current.",
    413: "The body is larger than 64 KiB.",
    415: "The body is not application/json.",
    422: "A field, parameter or header is invalid; `errors` names each.",
    429: "Too many requests; retry after Retry-After.",
    503: "The database is unavailable (`database-unavailable`); retry after Retry-After.",
}
_AFTER_OR_DATABASE = (
    "The view has not caught up with `after` yet (`not-yet-consistent`), or the database is"
    " unavailable (`database-unavailable`); retry after Retry-After."
)


def add_problem_components(result: dict, **kwargs: Any) -> dict:
    """POSTPROCESSING_HOOKS: the problem+json documents every error response refers to."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = {
        "type": "object",
        "description": "An error (RFC 9457). `type` is about:blank or /api/problems/{slug}.",
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
        },
        "required": ["type", "title", "status", "detail"],
    }
    schemas["ValidationProblem"] = {
        "allOf": [
            {"$ref": "#/components/schemas/Problem"},
            {
                "type": "object",
                "properties": {
                    "errors": {
                        "type": "object",
                        "description": "Messages by field path, e.g. shippingAddress.country.",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    }
                },
            },
        ]
    }
    return result
