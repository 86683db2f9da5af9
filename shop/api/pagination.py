"""Lists: `{results, next, previous}` with opaque cursor links.

A cursor is base64 text that the client hands back; a crafted one (not base64, a
position that is not a value of the ordering field, a NUL) is 422 like any other bad
query parameter, checked before it reaches the database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, QuerySet
from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response


class CursorPage(CursorPagination):
    """Set as a list view's `pagination_class`; order with `paginate(..., ordering=...)`.

    The first ordering field should be (nearly) unique and never change for a row.
    """

    page_size = 50
    page_size_query_param = "pageSize"
    max_page_size = 200
    ordering: Any = "-pk"
    position_field: Field | None = None

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list | None:
        self.position_field = ordering_field(queryset.model, self.ordering)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request: Request) -> int:
        """`pageSize` from 1 to `max_page_size`, else 422 (not DRF's quiet default)."""
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,9}", given) or not 1 <= int(given) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be an integer from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(given)

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = f"Results per page ({self.page_size} if not given)."
            if parameter["name"] == self.cursor_query_param:
                parameter["description"] = "From `next` or `previous` of the page before."
        return parameters

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self.invalid() from None
        if cursor is not None and not is_position(self.position_field, cursor.position):
            raise self.invalid()
        return cursor

    def invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.cursor_query_param: ["Invalid cursor."]})


def ordering_field(model: type[Model], ordering: Sequence[str] | str) -> Field | None:
    """The model field a cursor's position is a value of: the first ordering field's
    (None for an annotation, whose positions are then not checked)."""
    first = ordering if isinstance(ordering, str) else ordering[0]
    try:
        return model._meta.get_field(first.lstrip("-"))
    except FieldDoesNotExist:
        return None


def is_position(field: Field | None, position: str | None) -> bool:
    """Whether a cursor's position is a value the database can compare `field` with."""
    if position is None or field is None:
        return True
    if "\x00" in position:
        return False  # Postgres refuses NUL in any text
    try:
        field.run_validators(field.to_python(position))
    except (DjangoValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


def paginate(
    request: Request, view: Any, rows: Any, ordering: Sequence[str], output: Any
) -> Response:
    """One page of `rows`, each shaped by the `output` serializer class, or by `output`
    itself when it is a function of one row (a shape `shop.api.documents` renders)."""
    page = view.pagination_class()
    page.ordering = tuple(ordering)
    items = page.paginate_queryset(rows, request, view=view)
    if isinstance(output, type):
        return page.get_paginated_response(output(items, many=True).data)
    return page.get_paginated_response([output(item) for item in items])
