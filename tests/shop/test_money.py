"""The one money rule (`shop.money`) in the back office's forms, as in the API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.catalog.admin import CreateForm, PriceForm
from contexts.invoicing.admin import PaymentForm
from contexts.sales.admin.order_actions import PaymentForm as OrderPaymentForm

HOSTILE = ["1e3", "1E2", "1_000", "\u0661\u0662", "\uff11\uff12", "12.345", "NaN", "Infinity",
           "+12", "12.", ".50", "12,50", "0x10"]  # fmt: skip
FORMS = [
    (CreateForm, "price", {"vendor_id": "5e1f0c8a-3d41-4c8e-9b7a-2f6d1e0a9c44", "name": "Pot"}),
    (PriceForm, "price", {}),
    (PaymentForm, "amount", {"reference": "r1"}),
    (OrderPaymentForm, "amount", {"reference": "r1"}),
]


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(("form", "field", "rest"), FORMS, ids=lambda x: getattr(x, "__name__", ""))
def test_a_back_office_amount_that_is_not_plain_text_is_refused(
    form: type, field: str, rest: dict, value: str
) -> None:
    filled = form(data={**rest, field: value})

    assert not filled.is_valid()
    assert filled.errors[field] == [
        'Enter a string of digits with at most two decimal places, such as "12.50".'
    ]


@pytest.mark.parametrize(("form", "field", "rest"), FORMS, ids=lambda x: getattr(x, "__name__", ""))
def test_a_back_office_amount_is_read_as_people_type_it(form: type, field: str, rest: dict) -> None:
    filled = form(data={**rest, field: " 12.5 "})

    assert filled.is_valid(), filled.errors
    assert filled.cleaned_data[field] == Decimal("12.50")
