"""Template filters for the back-office pages, and the display helpers behind them."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter(name="as_json")
def pretty_json(value: Any) -> SafeString:
    """Stored JSON (event data, metadata, payloads) as an indented block."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<pre class="shop-json">{}</pre>', text)


@register.filter
def short_id(value: Any) -> str:
    """The first eight hex digits of an id: enough to tell rows apart on a page."""
    return str(value)[:8] if value else ""


@register.filter
def short_id_html(value: Any) -> SafeString | str:
    """An id as its first eight hex digits in monospace, the whole id on hover: a list's
    column stays one line wide (detail pages show the whole id)."""
    if not value:
        return ""
    return format_html('<code class="shop-id" title="{}">{}</code>', value, short_id(value))


@register.filter
def as_compact_json(value: Any) -> SafeString:
    """Stored JSON on one wrapped line: dense lists such as an order's timeline."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<code class="shop-json-line">{}</code>', text)
