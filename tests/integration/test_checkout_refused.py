"""A product discontinued between a checkout and its order: the real worker rejects the
order, gives the cart its lines back, and the customer sees why on the API and the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from contexts.cart import domain as cart
from contexts.cart.queries import cart_view
from contexts.catalog import domain as catalog
from contexts.shared.values import Address
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from shop.customers import customer_id_for
from tests.api.conftest import Api, make_user
from tests.integration.processes import wait_for_lag_zero
from tests.integration.test_ordering_process import eventually

STAFF = "user:staff"
ADDRESS = Address("Ada Lovelace", "12 Analytical St", "London", "N1 9GU", "GB")
REASON = "Tea is discontinued"


def test_a_checkout_whose_product_went_meanwhile_gets_its_cart_back_and_says_why(
    celery_processes: Callable,
) -> None:
    alice = make_user()
    customer = customer_id_for(alice)
    tea, mug, vendor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    submit(catalog.CreateProduct(tea, vendor, "Tea", Decimal("4.50")), actor=STAFF)
    submit(catalog.CreateProduct(mug, vendor, "Mug", Decimal("9.99")), actor=STAFF)
    cart_id, order_id = uuid.uuid4(), uuid.uuid4()
    actor = f"customer:{customer}"
    submit(cart.AddItem(cart_id, customer, tea, 2), actor=actor)
    submit(cart.AddItem(cart_id, customer, mug, 1), actor=actor)
    checkout = submit(
        cart.CheckOut(cart_id, customer, order_id, ADDRESS, timezone.now()), actor=actor
    )
    Executor().run()  # checked out, and no receptor has placed the order yet
    submit(catalog.DiscontinueProduct(tea), actor=STAFF)
    Executor().run()

    celery_processes("worker")
    celery_processes("beat")
    eventually(lambda: (view := cart_view(cart_id)) is not None and view.refusal is not None)
    for name in ("cart.carts", "sales.orders"):
        wait_for_lag_zero(name)

    assert Command.objects.get(id=checkout.command_id).status == "done"
    api = Api(alice)
    body = api.get(f"/api/cart/{cart_id}").json()
    assert [(line["name"], line["quantity"]) for line in body["lines"]] == [("Tea", 2), ("Mug", 1)]
    assert (body["total"], body["checkoutRefused"]) == (
        "18.99",
        {"orderId": str(order_id), "reason": REASON},
    )
    order = api.get(f"/api/order/{order_id}").json()
    assert (order["status"], order["total"], order["lines"]) == ("rejected", "0.00", [])
    assert [(e["type"], e["data"]["reason"]) for e in order["timeline"]] == [
        ("sales.OrderRejected", REASON)
    ]
    browser = Client()
    browser.force_login(alice)
    page = browser.get(f"/orders/{order_id}")
    assert page.status_code == 200
    assert f'<dd data-field="refusal">{REASON} Your cart has its items back.</dd>' in (
        page.content.decode()
    )
