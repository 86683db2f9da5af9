"""Read-your-writes follows what a command caused: a checkout's order is readable at once."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import People
from tests.integration.processes import Celery

pytestmark = pytest.mark.integration

ADDRESS = {
    "name": "Ada",
    "line1": "1 Loop Rd",
    "city": "Leeds",
    "postalCode": "LS1",
    "country": "GB",
}


def test_the_order_a_checkout_places_is_readable_right_after_the_202(
    committed_people: People, shared_worker: Celery
) -> None:
    people = committed_people
    created = people.staff.post(
        "/api/products", {"vendorId": str(uuid.uuid4()), "name": "Kettle", "price": "30.00"}
    ).json()
    assert (
        people.staff.get(f"/api/commands/{created['commandId']}?wait=30").json()["status"] == "done"
    )
    product = people.staff.get(f"/api/products/{created['productId']}?after={created['commandId']}")
    assert product.json()["active"] is True  # in the catalog table, which a cart write checks
    cart = str(uuid.uuid4())
    added = people.alice.post(
        f"/api/cart/{cart}", {"productId": created["productId"], "quantity": 2}
    )
    assert (
        people.alice.get(f"/api/commands/{added.json()['commandId']}?wait=30").json()["status"]
        == "done"
    )

    checkout = people.alice.post(f"/api/cart/{cart}/checkout", {"shippingAddress": ADDRESS}).json()
    order = people.alice.get(f"/api/order/{checkout['orderId']}?after={checkout['commandId']}")

    assert order.status_code == 200
    body = order.json()
    assert (body["orderId"], body["total"], body["itemCount"]) == (checkout["orderId"], "60.00", 2)
    assert body["invoice"] is not None  # the invoice the order caused is there too
