"""Shipments: customers read those of their orders, staff read all, dispatch and deliver.

The callers and their orders are made once for the module and committed; what a test
does to them is rolled back with its transaction.
"""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import People, nothing_stored, problem
from tests.api.flow import (  # noqa: F401  (fixtures)
    HOME,
    Order,
    accepted,
    dispatch,
    module_paid_fixture,
    module_people_fixture,
    pay,
    place,
    settle,
)

pytestmark = pytest.mark.django_db


def test_a_paid_orders_shipment_awaits_dispatch(people: People, paid: Order) -> None:
    response = people.alice.get(f"/api/shipments/{paid.shipment_id}")

    assert response.status_code == 200
    assert response.json() == {
        "shipmentId": paid.shipment_id,
        "orderId": paid.order_id,
        "status": "awaiting_dispatch",
        "address": {**HOME, "line2": ""},
        "items": [
            {"productId": paid.teapot, "name": "Teapot", "quantity": 2},
            {"productId": paid.cup, "name": "Cup", "quantity": 1},
        ],
        "carrier": None,
        "trackingNumber": None,
    }


def test_staff_dispatch_then_confirm_delivery(people: People, paid: Order) -> None:
    dispatch(people, paid)
    shipment = people.alice.get(f"/api/shipments/{paid.shipment_id}").json()
    assert (shipment["status"], shipment["carrier"], shipment["trackingNumber"]) == (
        "dispatched", "DHL", "JD0001"
    )  # fmt: skip

    accepted(people.staff.post(f"/api/shipments/{paid.shipment_id}/deliver"))
    settle()

    assert people.alice.get(f"/api/shipments/{paid.shipment_id}").json()["status"] == "delivered"
    order = people.alice.get(f"/api/order/{paid.order_id}").json()
    assert (order["status"], order["shipment"]["status"]) == ("delivered", "delivered")


def test_delivering_what_was_never_dispatched_is_rejected_by_the_domain(
    people: People, paid: Order
) -> None:
    answer = accepted(people.staff.post(f"/api/shipments/{paid.shipment_id}/deliver", {}))
    settle()

    command = people.staff.get(f"/api/commands/{answer['commandId']}").json()
    assert (command["status"], command["error"]["detail"]) == (
        "rejected", "a shipment awaiting dispatch cannot be delivered"
    )  # fmt: skip


def test_customers_list_the_shipments_of_their_orders_and_staff_all(
    people: People, create_product, paid: Order
) -> None:
    bobs = place(people, create_product, who="bob")
    pay(people, bobs)

    def listed(api, query: str = "") -> list[str]:
        response = api.get(f"/api/shipments?pageSize=200{query}")
        assert response.status_code == 200, response.content
        return [shipment["shipmentId"] for shipment in response.json()["results"]]

    assert listed(people.alice) == [paid.shipment_id]
    assert listed(people.bob) == [bobs.shipment_id]
    assert {paid.shipment_id, bobs.shipment_id} <= set(listed(people.staff))
    assert listed(people.staff, f"&orderId={paid.order_id}") == [paid.shipment_id]
    assert listed(people.alice, "&status=dispatched") == []


def test_someone_elses_shipment_is_404(people: People, paid: Order) -> None:
    problem(people.bob.get(f"/api/shipments/{paid.shipment_id}"), 404)
    problem(people.alice.get(f"/api/shipments/{uuid.uuid4()}"), 404)
    assert people.staff.get(f"/api/shipments/{paid.shipment_id}").status_code == 200


@pytest.mark.parametrize("query", ["status=lost", "orderId=nope", "cursor=bogus", "after=nope"])
def test_bad_list_parameters_are_422(people: People, query: str) -> None:
    response = people.alice.get(f"/api/shipments?{query}")

    assert list(problem(response, 422)["errors"]) == [query.split("=")[0]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trackingNumber": "JD1"}, "carrier"),
        ({"carrier": "DHL"}, "trackingNumber"),
        ({"carrier": " ", "trackingNumber": "JD1"}, "carrier"),
        ({"carrier": "DHL", "trackingNumber": 17}, "trackingNumber"),
        ({"carrier": "D" * 101, "trackingNumber": "JD1"}, "carrier"),
        ({"carrier": "DHL", "trackingNumber": "JD1", "eta": "soon"}, "eta"),
    ],
)
def test_an_invalid_dispatch_is_422_and_stores_nothing(
    people: People, paid: Order, body: dict, field: str
) -> None:
    with nothing_stored():
        response = people.staff.post(f"/api/shipments/{paid.shipment_id}/dispatch", body)

    assert list(problem(response, 422)["errors"]) == [field]


def test_a_delivery_takes_no_fields(people: People, paid: Order) -> None:
    with nothing_stored():
        response = people.staff.post(f"/api/shipments/{paid.shipment_id}/deliver", {"at": "now"})

    assert list(problem(response, 422)["errors"]) == ["at"]


def test_customers_neither_dispatch_nor_deliver(people: People, paid: Order) -> None:
    body = {"carrier": "DHL", "trackingNumber": "JD1"}
    with nothing_stored():
        dispatched = people.alice.post(f"/api/shipments/{paid.shipment_id}/dispatch", body)
        delivered = people.alice.post(f"/api/shipments/{paid.shipment_id}/deliver")

    problem(dispatched, 403)
    problem(delivered, 403)
