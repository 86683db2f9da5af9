"""The base of every back-office page over rows that only bakers and the executor write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from eventstore.templatetags.eventstore_admin import pretty_json, short_id

__all__ = ["ReadOnlyAdmin", "pretty_json", "short_id"]


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
