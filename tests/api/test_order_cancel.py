"""Cancelling an order: its customer before payment, staff before shipment; If-Match.

The callers and their orders are made once for the module and committed; what a test
does to them is rolled back with its transaction.
"""

from __future__ import annotations

import uuid

import pytest

from contexts.sales.models import OrderDetail
from tests.api.conftest import People, nothing_stored, problem
from tests.api.flow import (  # noqa: F401  (fixtures)
    Order,
    accepted,
    dispatch,
    module_invoiced_fixture,
    module_paid_fixture,
    module_people_fixture,
    settle,
)

pytestmark = pytest.mark.django_db


def outcome(api, answer: dict) -> dict:
    settle()
    return api.get(f"/api/commands/{answer['commandId']}").json()


def test_the_customer_cancels_before_payment(people: People, invoiced: Order) -> None:
    answer = accepted(
        people.alice.post(f"/api/order/{invoiced.order_id}/cancel", {"reason": "changed my mind"})
    )

    assert outcome(people.alice, answer)["status"] == "done"
    order = people.alice.get(f"/api/order/{invoiced.order_id}").json()
    assert (order["status"], order["invoice"]["status"]) == ("cancelled", "voided")
    assert order["timeline"][-2]["data"] == {
        "orderId": invoiced.order_id, "reason": "changed my mind", "by": "customer",
        "at": order["timeline"][-2]["data"]["at"], "wasPaid": False,
    }  # fmt: skip


def test_the_customer_cannot_cancel_once_paid(people: People, paid: Order) -> None:
    answer = accepted(people.alice.post(f"/api/order/{paid.order_id}/cancel", {"reason": "late"}))

    command = outcome(people.alice, answer)
    assert command["status"] == "rejected"
    assert command["error"]["detail"] == "a paid order cannot be cancelled by the customer"
    assert people.alice.get(f"/api/order/{paid.order_id}").json()["status"] == "paid"


def test_staff_cancel_a_paid_order_and_the_payment_is_refunded(people: People, paid: Order) -> None:
    answer = accepted(people.staff.post(f"/api/order/{paid.order_id}/cancel", {"reason": "stock"}))

    assert outcome(people.staff, answer)["status"] == "done"
    order = people.alice.get(f"/api/order/{paid.order_id}").json()
    assert (order["status"], order["invoice"]["status"]) == ("cancelled", "refunded")
    assert OrderDetail.objects.get(pk=paid.order_id).cancelled_by == "staff"


def test_staff_cannot_cancel_a_dispatched_order(people: People, paid: Order) -> None:
    dispatch(people, paid)

    answer = accepted(people.staff.post(f"/api/order/{paid.order_id}/cancel", {"reason": "oops"}))

    assert outcome(people.staff, answer)["status"] == "rejected"


def test_someone_elses_or_an_unknown_order_is_404(people: People, invoiced: Order) -> None:
    with nothing_stored():
        theirs = people.bob.post(f"/api/order/{invoiced.order_id}/cancel", {"reason": "mine?"})
        unknown = people.staff.post(f"/api/order/{uuid.uuid4()}/cancel", {"reason": "who?"})

    problem(theirs, 404)
    problem(unknown, 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "x" * 501}, "reason"),
     ({"reason": 5}, "reason"), ({"reason": "r", "by": "staff"}, "by")],
)  # fmt: skip
def test_an_invalid_cancellation_is_422(
    people: People, invoiced: Order, body: dict, field: str
) -> None:
    with nothing_stored():
        response = people.alice.post(f"/api/order/{invoiced.order_id}/cancel", body)

    assert list(problem(response, 422)["errors"]) == [field]


@pytest.mark.parametrize("tag", ['"1"', '"3"', 'W/"1"', "nonsense"])
def test_a_stale_version_is_412_and_stores_nothing(
    people: People, invoiced: Order, tag: str
) -> None:
    assert people.alice.get(f"/api/order/{invoiced.order_id}")["ETag"] == '"2"'

    with nothing_stored():
        response = people.alice.post(
            f"/api/order/{invoiced.order_id}/cancel", {"reason": "r"}, headers={"If-Match": tag}
        )

    body = problem(response, 412)
    assert (body["type"], body["currentVersion"]) == ("/api/problems/stale-version", 2)


@pytest.mark.parametrize("tag", ['"2"', 'W/"2"', "*"])
def test_the_current_version_is_accepted(people: People, invoiced: Order, tag: str) -> None:
    response = people.staff.post(
        f"/api/order/{invoiced.order_id}/cancel", {"reason": "r"}, headers={"If-Match": tag}
    )

    accepted(response)
