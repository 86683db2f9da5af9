"""The base of every back-office page over rows that only bakers and the executor write."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString


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


def pretty_json(value: Any) -> SafeString:
    """JSON as an indented block, for event data, metadata and command payloads."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<pre class="shop-json">{}</pre>', text)


def short_id(value: Any) -> str:
    """The first eight hex digits of an id: enough to tell rows apart on a page."""
    return str(value)[:8] if value else ""
