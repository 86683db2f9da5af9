"""Read-your-writes on orders, invoices and shipments, with the real Celery worker."""

from __future__ import annotations

import uuid

import pytest

from contexts.shared.values import derived_id
from tests.api.conftest import People
from tests.api.flow import HOME
from tests.integration.processes import Celery, eventually

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(shared_worker: Celery) -> None:
    """A real worker, perhaps the one the test before used."""


def done(api, answer: dict) -> None:
    """Hold until the worker has run the command (it may still be starting up)."""
    assert api.get(f"/api/commands/{answer['commandId']}?wait=30").json()["status"] == "done"


def on_sale(api, product: dict) -> None:
    """Hold until a new product is in the catalog table, which orders are checked with."""
    path = f"/api/products/{product['productId']}?after={product['commandId']}"
    assert api.get(path).json()["active"] is True


def test_an_order_reads_its_own_writes(committed_people: People, worker: None) -> None:
    people = committed_people
    product = people.staff.post(
        "/api/products", {"vendorId": str(uuid.uuid4()), "name": "Kettle", "price": "30.00"}
    ).json()
    done(people.staff, product)
    on_sale(people.staff, product)

    body = {"lines": [{"productId": product["productId"], "quantity": 2}], "shippingAddress": HOME}
    placed = people.alice.post("/api/order", body).json()
    order = placed["orderId"]
    read = people.alice.get(f"/api/order/{order}?after={placed['commandId']}")

    assert read.status_code == 200, read.content
    assert (read.json()["total"], read.json()["itemCount"]) == ("60.00", 2)
    listed = people.alice.get(f"/api/order?after={placed['commandId']}").json()["results"]
    assert order in [row["orderId"] for row in listed]

    invoice = str(derived_id("invoice", uuid.UUID(order)))
    eventually(lambda: people.alice.get(f"/api/order/{order}").json()["status"] == "invoiced")
    payment = people.staff.post(
        f"/api/invoices/{invoice}/payments", {"amount": "60.00", "reference": "bank-1"}
    ).json()
    # `after` names a command of the reader's own: here staff's.
    paid = people.staff.get(f"/api/invoices/{invoice}?after={payment['commandId']}").json()
    assert (paid["status"], paid["paidAmount"]) == ("paid", "60.00")

    shipment = str(derived_id("shipment", uuid.UUID(order)))
    eventually(lambda: people.alice.get(f"/api/shipments/{shipment}").status_code == 200)
    sent = people.staff.post(
        f"/api/shipments/{shipment}/dispatch", {"carrier": "UPS", "trackingNumber": "1Z9"}
    ).json()
    shipped = people.staff.get(f"/api/shipments/{shipment}?after={sent['commandId']}").json()
    assert (shipped["status"], shipped["carrier"]) == ("dispatched", "UPS")
    detail = people.staff.get(f"/api/order/{order}?after={sent['commandId']}").json()
    assert detail["shipment"]["trackingNumber"] == "1Z9"


def test_a_cancellation_reads_its_own_write(committed_people: People, worker: None) -> None:
    people = committed_people
    product = people.staff.post(
        "/api/products", {"vendorId": str(uuid.uuid4()), "name": "Mug", "price": "8.00"}
    ).json()
    done(people.staff, product)
    on_sale(people.staff, product)
    body = {"lines": [{"productId": product["productId"], "quantity": 1}], "shippingAddress": HOME}
    placed = people.alice.post("/api/order", body).json()
    order = people.alice.get(f"/api/order/{placed['orderId']}?after={placed['commandId']}")
    etag = order["ETag"]

    cancel = people.alice.post(
        f"/api/order/{placed['orderId']}/cancel", {"reason": "no"}, headers={"If-Match": etag}
    )
    assert cancel.status_code == 202, cancel.content
    read = people.alice.get(f"/api/order/{placed['orderId']}?after={cancel.json()['commandId']}")

    assert read.json()["status"] == "cancelled"
    assert int(read["ETag"].strip('"')) > int(etag.strip('"'))
