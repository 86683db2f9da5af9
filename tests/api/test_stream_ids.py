"""Ids a client names in the path: never another kind of record's (409), and a new cart
never at an id Shop derives (422). Run in this process; nothing refused is stored.

The callers and their orders are made once for the module and committed; what a test
does to them is rolled back with its transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from contexts.cart.api import DERIVED_ID
from eventstore.models import Command
from eventstore.store import store
from tests.api.conftest import People, nothing_stored, problem
from tests.api.flow import (  # noqa: F401  the fixtures
    HOME,
    Order,
    accepted,
    dispatch,
    module_invoiced_fixture,
    module_paid_fixture,
    module_people_fixture,
    pay,
    settle,
)

pytestmark = pytest.mark.django_db

CART_WRITES = {
    "add item": ("POST", "/api/cart/{id}", {"productId": "{product}", "quantity": 1}),
    "remove item": ("DELETE", "/api/cart/{id}/productId/{product}", None),
    "adjust quantity": ("PATCH", "/api/cart/{id}/productId/{product}", {"delta": 1}),
    "check out": ("POST", "/api/cart/{id}/checkout", {"shippingAddress": HOME}),
}
STREAM_TYPES = {
    "order": "sales.Order",
    "invoice": "invoicing.Invoice",
    "shipment": "shipping.Shipment",
}


def cart_write(people: People, write: str, stream_id: str, product: str) -> Any:
    method, path, body = CART_WRITES[write]
    if body and "productId" in body:
        body = {**body, "productId": product}
    return people.alice.request(method, path.format(id=stream_id, product=product), body)


def id_of(order: Order, record: str) -> str:
    return {"order": order.order_id, "invoice": order.invoice_id, "shipment": order.shipment_id}[
        record
    ]


def conflict(response: Any, stream_id: str, stream_type: str, wanted: str) -> None:
    body = problem(response, 409)
    assert body == {
        "type": "/api/problems/stream-type-conflict",
        "title": "This id belongs to another kind of record",
        "status": 409,
        "detail": f"{stream_id} is already the id of a {stream_type}, so it cannot be a"
        f" {wanted}. Use a new id.",
        "streamId": stream_id,
        "streamType": stream_type,
    }


@pytest.mark.parametrize("write", CART_WRITES)
def test_every_cart_write_at_alices_own_shipment_is_409(
    people: People, paid: Order, write: str
) -> None:
    with nothing_stored():
        response = cart_write(people, write, paid.shipment_id, paid.teapot)

    conflict(response, paid.shipment_id, "shipping.Shipment", "cart.Cart")
    dispatch(people, paid)
    assert people.alice.get(f"/api/order/{paid.order_id}").json()["status"] == "shipped"


@pytest.mark.parametrize("record", ["order", "invoice"])
def test_a_cart_at_alices_own_order_or_invoice_is_409(
    people: People, invoiced: Order, record: str
) -> None:
    with nothing_stored():
        response = cart_write(people, "add item", id_of(invoiced, record), invoiced.teapot)

    conflict(response, id_of(invoiced, record), STREAM_TYPES[record], "cart.Cart")


def test_a_cart_at_the_shipment_id_of_an_unpaid_order_is_422_and_the_order_ships(
    people: People, invoiced: Order
) -> None:
    """The shipment does not exist yet; a cart there would keep it from ever existing."""
    with nothing_stored():
        response = cart_write(people, "add item", invoiced.shipment_id, invoiced.teapot)

    assert problem(response, 422)["errors"] == {"cartId": [DERIVED_ID]}
    pay(people, invoiced)
    dispatch(people, invoiced)
    assert people.alice.get(f"/api/order/{invoiced.order_id}").json()["status"] == "shipped"
    assert [e.stream_type for e in store.read_stream(uuid.UUID(invoiced.shipment_id))] == [
        "shipping.Shipment", "shipping.Shipment"
    ]  # fmt: skip


STAFF_WRITES = {
    "payment at a shipment": ("/api/invoices/{id}/payments", "shipment", "invoicing.Invoice",
                              {"amount": "1.00", "reference": "bank-1"}),
    "dispatch of an invoice": ("/api/shipments/{id}/dispatch", "invoice", "shipping.Shipment",
                               {"carrier": "DHL", "trackingNumber": "JD1"}),
    "discontinuing an order": ("/api/products/{id}/discontinue", "order", "sales.Product", None),
}  # fmt: skip


@pytest.mark.parametrize("write", STAFF_WRITES)
def test_staff_writes_at_another_kinds_id_are_409(people: People, paid: Order, write: str) -> None:
    path, record, wanted, body = STAFF_WRITES[write]
    target = id_of(paid, record)

    with nothing_stored():
        response = people.staff.post(path.format(id=target), body)

    conflict(response, target, STREAM_TYPES[record], wanted)


def test_a_checkouts_order_id_is_never_a_cart(people: People, create_product: Any) -> None:
    teapot, cart = create_product("Teapot", "25.00"), str(uuid.uuid4())
    accepted(people.alice.post(f"/api/cart/{cart}", {"productId": teapot, "quantity": 1}))
    settle()
    order = accepted(people.alice.post(f"/api/cart/{cart}/checkout", {"shippingAddress": HOME}))

    with nothing_stored():
        before = cart_write(people, "add item", order["orderId"], teapot)
    settle()
    with nothing_stored():
        after = cart_write(people, "add item", order["orderId"], teapot)

    assert uuid.UUID(order["orderId"]).version == 5
    assert problem(before, 422)["errors"] == {"cartId": [DERIVED_ID]}
    conflict(after, order["orderId"], "sales.Order", "cart.Cart")
    assert not Command.objects.filter(stream_id=order["orderId"], service_name="cart").exists()
    assert people.alice.get(f"/api/order/{order['orderId']}").json()["status"] == "invoiced"
