"""Every answer with amounts carries the shop's currency (SHOP_CURRENCY) once, beside its
first amount, as the schema declares; it is read as the answer is made, so an order's
page the baker stored is served in the currency set now, with no rebuild."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.utils import timezone
from drf_spectacular.settings import spectacular_settings

from contexts.sales import queries
from tests.api.conftest import People, execute
from tests.api.flow import Order, invoiced_fixture, paid_fixture  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def answers(people: People, paid: Order) -> dict[str, dict]:
    """One object of each kind of answer with amounts, about Alice's paid order."""
    cart = str(uuid.uuid4())
    people.alice.post(f"/api/cart/{cart}", {"productId": paid.teapot, "quantity": 1})
    execute()
    now = timezone.now().astimezone(dt.UTC)
    billing = f"/api/analytics/vendor-billing?year={now.year}&month={now.month}&vendorId="
    return {
        "product": people.anonymous.get(f"/api/products/{paid.teapot}").json(),
        "products": people.anonymous.get("/api/products").json()["results"][0],
        "cart": people.alice.get(f"/api/cart/{cart}").json(),
        "order": people.alice.get(f"/api/order/{paid.order_id}").json(),
        "orders": people.alice.get("/api/order").json()["results"][0],
        "invoice": people.alice.get(f"/api/invoices/{paid.invoice_id}").json(),
        "invoices": people.alice.get("/api/invoices").json()["results"][0],
        "vendor billing": people.staff.get(billing + paid.vendor).json()["results"][0],
    }  # fmt: skip


def currencies(answered: dict[str, dict]) -> dict[str, tuple[str, str]]:
    """Each answer's currency and the field before it, its first amount."""
    return {
        name: (list(body)[list(body).index("currency") - 1], body["currency"])
        for name, body in answered.items()
    }


def test_every_answer_with_amounts_carries_the_currency_beside_its_first_amount(
    people: People, paid: Order
) -> None:
    answered = answers(people, paid)

    assert currencies(answered) == {
        "product": ("price", "EUR"), "products": ("price", "EUR"), "cart": ("total", "EUR"),
        "order": ("total", "EUR"), "orders": ("total", "EUR"), "invoice": ("amount", "EUR"),
        "invoices": ("amount", "EUR"), "vendor billing": ("balance", "EUR"),
    }  # fmt: skip
    assert (answered["order"]["total"], answered["invoice"]["amount"]) == ("54.50", "54.50")


def test_another_shop_currency_changes_every_answer_and_no_stored_page(
    people: People, paid: Order, settings: Any
) -> None:
    stored = queries.order_document(uuid.UUID(paid.order_id))
    settings.SHOP_CURRENCY = "USD"

    answered = answers(people, paid)

    shown = {name: currency for name, (_, currency) in currencies(answered).items()}
    assert shown == dict.fromkeys(answered, "USD")
    assert stored is not None and "currency" not in json.loads(stored.document)
    assert queries.order_document(uuid.UUID(paid.order_id)) == stored


def test_the_schema_declares_the_currency_of_each_object_with_amounts() -> None:
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    components = generator.get_schema(request=None, public=True)["components"]["schemas"]

    declared = {
        name: component["properties"]["currency"]
        for name, component in components.items()
        if "currency" in component.get("properties", {})
    }

    assert set(declared) == {
        "CartDetailOutput", "Invoice", "OrderDetail", "OrderSummary", "Product",
        "VendorBillingOutput",
    }  # fmt: skip
    assert {
        (field["type"], field["pattern"], field["readOnly"]) for field in declared.values()
    } == {("string", "^[A-Z]{3}$", True)}
    assert all("currency" in components[name]["required"] for name in declared)
