"""The ordering process through the API, run in this process: an order placed by Alice,
invoiced, paid and shipped, with every context's handlers, receptors and bakers.

A test module imports the fixtures it uses (`invoiced_fixture` provides `invoiced`), or
their module-scoped, committed twins (`module_people_fixture` and the like).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from contexts.shared.values import derived_id
from eventstore.executor import Executor
from eventstore.subscribers import Runner, registry
from tests.api.conftest import Api, People, execute, make_user

CONTEXTS = ("cart.", "sales.", "invoicing.", "shipping.")
HOME = {
    "name": "Alice Doe",
    "line1": "1 Main St",
    "city": "Springfield",
    "postalCode": "12345",
    "country": "US",
}


def settle() -> None:
    """Run every ready command, then every context's receptors and bakers, again and
    again until nothing is left: receptors submit commands whose events feed the bakers."""
    for _ in range(20):
        executed = Executor().run()
        applied = sum(
            Runner(subscriber).catch_up()
            for subscriber in registry.all()
            if subscriber.name.startswith(CONTEXTS)
        )
        if not executed and not applied:
            return
    raise AssertionError("the ordering process did not settle")


def accepted(response: Any) -> dict:
    assert response.status_code == 202, response.content
    assert response["Location"] == f"/api/commands/{response.json()['commandId']}"
    return response.json()


@dataclass
class Order:
    """An order of Alice's: 2 teapots at 25.00 and 1 cup at 4.50."""

    order_id: str
    teapot: str
    cup: str
    vendor: str

    @property
    def invoice_id(self) -> str:
        return str(derived_id("invoice", uuid.UUID(self.order_id)))

    @property
    def shipment_id(self) -> str:
        return str(derived_id("shipment", uuid.UUID(self.order_id)))


def product_maker(people: People) -> Callable[..., str]:
    """The `create_product` fixture's function, for a fixture of wider scope."""

    def create(name: str, price: str, vendor: str) -> str:
        body = {"vendorId": vendor, "name": name, "price": price}
        response = people.staff.post("/api/products", body)
        assert response.status_code == 202, response.content
        execute()
        return response.json()["productId"]

    return create


def place(people: People, create_product: Any, who: str = "alice") -> Order:
    vendor = str(uuid.uuid4())
    teapot = create_product("Teapot", "25.00", vendor)
    cup = create_product("Cup", "4.50", vendor)
    body = {
        "lines": [{"productId": teapot, "quantity": 2}, {"productId": cup, "quantity": 1}],
        "shippingAddress": HOME,
    }
    order = accepted(people.as_(who).post("/api/order", body))["orderId"]
    settle()
    return Order(order, teapot, cup, vendor)


def pay(people: People, order: Order, amount: str = "54.50") -> None:
    body = {"amount": amount, "reference": f"bank-{uuid.uuid4().hex[:8]}"}
    accepted(people.staff.post(f"/api/invoices/{order.invoice_id}/payments", body))
    settle()


def dispatch(people: People, order: Order) -> None:
    body = {"carrier": "DHL", "trackingNumber": "JD0001"}
    accepted(people.staff.post(f"/api/shipments/{order.shipment_id}/dispatch", body))
    settle()


@pytest.fixture(name="invoiced")
def invoiced_fixture(people: People, create_product: Any) -> Order:
    """Alice's order, placed and invoiced (not paid)."""
    return place(people, create_product)


@pytest.fixture(name="paid")
def paid_fixture(people: People, invoiced: Order) -> Order:
    """Alice's order, paid in full: its shipment awaits dispatch."""
    pay(people, invoiced)
    return invoiced


@pytest.fixture(scope="module", name="people")
def module_people_fixture(django_db_setup: None, django_db_blocker: Any) -> People:
    """`people`, made once for a module and committed. For a module whose every test runs
    in a transaction of its own (what a test adds is rolled back), and takes its orders
    from `module_invoiced_fixture` and `module_paid_fixture`: placing and paying an order
    in this process runs every context's handlers and subscribers, 0.2-0.5 s a test."""
    with django_db_blocker.unblock():
        return People(Api(), Api(make_user()), Api(make_user()), Api(make_user(staff=True)))


@pytest.fixture(scope="module", name="invoiced")
def module_invoiced_fixture(people: People, django_db_blocker: Any) -> Order:
    """Alice's order, placed and invoiced, made once for the module: not `paid`'s order."""
    with django_db_blocker.unblock():
        return place(people, product_maker(people))


@pytest.fixture(scope="module", name="paid")
def module_paid_fixture(people: People, django_db_blocker: Any) -> Order:
    """Alice's order, paid in full (its shipment awaits dispatch), made once for the module."""
    with django_db_blocker.unblock():
        order = place(people, product_maker(people))
        pay(people, order)
        return order
