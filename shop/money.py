"""Money as people and clients write it, and as Shop shows it: one rule each, for the
API, the pages, the back office and the integration events.

An amount is text: ASCII digits, an optional minus, and at most two decimal places after
a point ("12", "12.5", "-3.20"). Python's Decimal reads far more than that: exponents
("1e3"), underscores ("1_000"), any script's digits ("١٢"), spaces, NaN and Infinity; a
JSON number is a binary float before anyone sees it. None of those is an amount here.

Every amount is in the shop's one currency (SHOP_CURRENCY). A document carries it once,
as `currency` right after its first amount (`beside`), for every amount in that object
and the objects within it; people read an amount with its code after it, "54.50 EUR"
(`shown`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import lazy

MONEY_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")
MONEY_RULE = 'a string of digits with at most two decimal places, such as "12.50"'


def currency() -> str:
    """The shop's currency, an ISO 4217 code checked as the settings load."""
    return settings.SHOP_CURRENCY


def shown(amount: Decimal | None) -> str:
    """An amount as people read it: two places and the currency, "54.50 EUR"; "" for none."""
    return "" if amount is None else f"{amount:.2f} {currency()}"


def beside(document: dict[str, Any], amount: str) -> dict[str, Any]:
    """`document` with `currency` right after its field `amount`, for a document stored
    without it (an order's page, a feed message): the setting is read as it is served."""
    served: dict[str, Any] = {}
    for key, value in document.items():
        served[key] = value
        if key == amount:
            served["currency"] = currency()
    return served


def is_money_text(value: Any) -> bool:
    """Whether `value` is an amount written as the rule says (a str, nothing else)."""
    return isinstance(value, str) and MONEY_TEXT.fullmatch(value) is not None


class MoneyFormField(forms.DecimalField):
    """A back-office form's amount: the same rule, after the form trims the input."""

    default_error_messages = {"invalid": f"Enter {MONEY_RULE}."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", lazy(lambda: f"In {currency()}.", str)())
        super().__init__(max_digits=21, decimal_places=2, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if not is_money_text(str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
