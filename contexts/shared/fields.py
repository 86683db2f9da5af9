"""Model fields every context's presentation tables share."""

from __future__ import annotations

from django.db import models


def money_field(**options: object) -> models.DecimalField:
    """An amount of money: 21 digits, 2 after the point (the domains' `money`)."""
    return models.DecimalField(max_digits=21, decimal_places=2, **options)
