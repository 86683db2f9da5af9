"""The base of every back-office page over rows that only bakers and the executor write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from eventstore.templatetags.eventstore_admin import pretty_json, short_id_html

__all__ = [
    "EstimatedCountPaginator",
    "ReadOnlyAdmin",
    "id_column",
    "pretty_json",
    "short_id_html",
]


def id_column(field: str) -> Callable[[Any], SafeString | str]:
    """A list column for the id in `field`: short, the whole id on hover (`short_id_html`),
    sorted by the id. Every list shows its ids this way; detail pages show them whole."""

    @admin.display(description=field.replace("_", " "), ordering=field)
    def column(row: Any) -> SafeString | str:
        return short_id_html(getattr(row, field))

    column.__name__ = field
    return column


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and detail pages only: staff change things by submitting commands, never by
    editing a row, so nobody may add, change or delete here (not even a superuser)."""

    show_facets = admin.ShowFacets.NEVER  # facet counts cost a query per choice
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EstimatedCountPaginator(Paginator):
    """Pages over the event store's tables, which grow without end: counting millions of
    rows takes seconds, so an unfiltered list shows Postgres's own estimate instead.
    A filtered list is counted exactly (its filters are what an index serves)."""

    ESTIMATE_ABOVE = 100_000

    @cached_property
    def count(self) -> int:
        if self.object_list.query.where:
            return super().count
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [self.object_list.model._meta.db_table],
            )
            estimate = cursor.fetchone()[0]
        return estimate if estimate > self.ESTIMATE_ABOVE else super().count
