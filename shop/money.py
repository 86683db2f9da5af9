"""Money as people and clients write it: the one rule, for the API and the back office.

An amount is text: ASCII digits, an optional minus, and at most two decimal places after
a point ("12", "12.5", "-3.20"). Python's Decimal reads far more than that: exponents
("1e3"), underscores ("1_000"), any script's digits ("١٢"), spaces, NaN and Infinity; a
JSON number is a binary float before anyone sees it. None of those is an amount here.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

MONEY_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")
MONEY_RULE = 'a string of digits with at most two decimal places, such as "12.50"'


def is_money_text(value: Any) -> bool:
    """Whether `value` is an amount written as the rule says (a str, nothing else)."""
    return isinstance(value, str) and MONEY_TEXT.fullmatch(value) is not None


class MoneyFormField(forms.DecimalField):
    """A back-office form's amount: the same rule, after the form trims the input."""

    default_error_messages = {"invalid": f"Enter {MONEY_RULE}."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=21, decimal_places=2, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if not is_money_text(str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
