"""Amounts on back-office pages, with the shop's currency after them ("54.50 EUR").

A model's money field shows as its bare number in Django's admin; `column("total")` is
the column (or a page's read-only field) that shows it as `shop.money.shown` does, and
sorts by the field itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin

from shop.money import shown


def column(field: str, description: str | None = None) -> Callable[[Any, Any], str]:
    """A ModelAdmin method showing the money field `field` with the currency."""

    @admin.display(description=description or field.replace("_", " "), ordering=field)
    def amount(model_admin: Any, row: Any) -> str:
        return shown(getattr(row, field))

    return amount
