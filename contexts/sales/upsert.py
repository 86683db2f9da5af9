"""Writing a baker's changed rows back in one statement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import models


def upsert(model: type[models.Model], rows: Iterable[models.Model], key: Sequence[str]) -> None:
    """Insert the new rows and overwrite the existing ones (matched on `key`)."""
    fields = [f.name for f in model._meta.concrete_fields if f.name not in key]
    model.objects.bulk_create(
        list(rows), update_conflicts=True, unique_fields=list(key), update_fields=fields
    )
