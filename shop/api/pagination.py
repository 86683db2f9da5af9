"""Lists: `{results, next, previous}` with opaque cursor links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import exceptions
from rest_framework.pagination import CursorPagination
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

    def decode_cursor(self, request: Request) -> Any:
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Invalid cursor."]}
            ) from None


def paginate(
    request: Request, view: Any, rows: Any, ordering: Sequence[str], output: Any
) -> Response:
    """One page of `rows`, each shaped by the `output` serializer class."""
    page = view.pagination_class()
    page.ordering = tuple(ordering)
    items = page.paginate_queryset(rows, request, view=view)
    return page.get_paginated_response(output(items, many=True).data)
