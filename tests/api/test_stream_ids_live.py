"""A customer aims carts at their own order's records, with the real Celery worker
running the ordering process: every attempt is refused, and the order still ships."""

from __future__ import annotations

import uuid

import pytest

from contexts.cart.domain import AddItem
from contexts.shared.values import derived_id
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import store
from shop.api.auth import actor_for
from shop.customers import customer_id_for
from tests.api.conftest import People, problem
from tests.api.flow import HOME
from tests.integration.processes import Celery, eventually, wait_until_executed

pytestmark = pytest.mark.integration


def done(api, answer: dict) -> None:
    assert api.get(f"/api/commands/{answer['commandId']}?wait=30").json()["status"] == "done"


def test_carts_at_alices_own_order_records_are_refused_and_the_order_ships(
    committed_people: People, shared_worker: Celery
) -> None:
    people = committed_people
    product = people.staff.post(
        "/api/products", {"vendorId": str(uuid.uuid4()), "name": "Kettle", "price": "30.00"}
    ).json()
    done(people.staff, product)
    people.staff.get(f"/api/products?after={product['commandId']}")  # on sale once baked
    teapot = product["productId"]
    body = {"lines": [{"productId": teapot, "quantity": 1}], "shippingAddress": HOME}
    order = people.alice.post("/api/order", body).json()["orderId"]
    invoice = str(derived_id("invoice", uuid.UUID(order)))
    shipment = str(derived_id("shipment", uuid.UUID(order)))
    status = lambda: people.alice.get(f"/api/order/{order}").json().get("status")  # noqa: E731
    eventually(lambda: status() == "invoiced")

    def add_to_cart(cart: str) -> object:
        return people.alice.post(f"/api/cart/{cart}", {"productId": teapot, "quantity": 1})

    at_order, at_invoice, at_future_shipment = (add_to_cart(x) for x in (order, invoice, shipment))
    paid = people.staff.post(
        f"/api/invoices/{invoice}/payments", {"amount": "30.00", "reference": "bank-1"}
    ).json()
    done(people.staff, paid)
    eventually(lambda: people.alice.get(f"/api/shipments/{shipment}").status_code == 200)
    at_shipment = add_to_cart(shipment)
    adjusted = people.alice.patch(f"/api/cart/{shipment}/productId/{teapot}", {"delta": 1})
    # A cart command that reached the inbox however (from before this rule, say):
    raced = submit(
        AddItem(uuid.UUID(shipment), customer_id_for(people.alice.user), uuid.UUID(teapot), 1),
        actor=actor_for(people.alice.user),
    )
    wait_until_executed([raced.command_id])
    sent = people.staff.post(
        f"/api/shipments/{shipment}/dispatch", {"carrier": "DHL", "trackingNumber": "JD1"}
    ).json()
    done(people.staff, sent)
    eventually(lambda: status() == "shipped")

    assert problem(at_order, 409)["streamType"] == "sales.Order"
    assert problem(at_invoice, 409)["streamType"] == "invoicing.Invoice"
    assert list(problem(at_future_shipment, 422)["errors"]) == ["cartId"]
    assert problem(at_shipment, 409)["streamType"] == "shipping.Shipment"
    assert problem(adjusted, 409)["streamType"] == "shipping.Shipment"
    rejected = Command.objects.get(id=raced.command_id)
    assert (rejected.status, rejected.error["type"]) == ("rejected", "StreamTypeError")
    carts = Command.objects.filter(stream_id__in=[order, invoice, shipment], service_name="cart")
    assert list(carts.values_list("id", flat=True)) == [raced.command_id]
    assert [e.type for e in store.read_stream(uuid.UUID(shipment))] == [
        "shipping.ShipmentCreated", "shipping.ShipmentDispatched"
    ]  # fmt: skip
