"""Invoices: customers read their own, staff read all and register payments."""

# ruff: noqa: E501  (the parameter tables read best one case a line)

from __future__ import annotations

import uuid

import pytest

from eventstore.models import Command
from shop.customers import customer_id_for
from tests.api.conftest import People, nothing_stored, problem
from tests.api.flow import (  # noqa: F401  (fixtures)
    Order,
    accepted,
    invoiced_fixture,
    paid_fixture,
    place,
    settle,
)

pytestmark = pytest.mark.django_db


def test_an_invoice_reads_with_its_lines_and_payments(people: People, paid: Order) -> None:
    response = people.alice.get(f"/api/invoices/{paid.invoice_id}")

    assert response.status_code == 200
    invoice = response.json()
    [payment] = invoice.pop("payments")
    assert invoice.pop("dueAt").endswith("Z")
    assert invoice == {
        "invoiceId": paid.invoice_id, "orderId": paid.order_id,
        "customerId": str(customer_id_for(people.alice.user)), "status": "paid",
        "amount": "54.50", "currency": "EUR", "paidAmount": "54.50",
        "lines": [
            {"productId": paid.teapot, "vendorId": paid.vendor, "name": "Teapot", "unitPrice": "25.00", "quantity": 2, "lineTotal": "50.00"},
            {"productId": paid.cup, "vendorId": paid.vendor, "name": "Cup", "unitPrice": "4.50", "quantity": 1, "lineTotal": "4.50"},
        ],
    }  # fmt: skip
    assert (payment["amount"], payment["reference"][:5]) == ("54.50", "bank-")
    assert payment["receivedAt"].endswith("Z")


def test_customers_list_their_own_invoices_and_staff_all(
    people: People, create_product, invoiced: Order
) -> None:
    bobs = place(people, create_product, who="bob")

    def listed(api, query: str = "") -> list[str]:
        response = api.get(f"/api/invoices?pageSize=200{query}")
        assert response.status_code == 200, response.content
        assert set(response.json()) == {"results", "next", "previous"}
        return [invoice["invoiceId"] for invoice in response.json()["results"]]

    assert listed(people.alice) == [invoiced.invoice_id]
    assert listed(people.bob) == [bobs.invoice_id]
    assert {invoiced.invoice_id, bobs.invoice_id} <= set(listed(people.staff))
    assert listed(people.staff, f"&orderId={bobs.order_id}") == [bobs.invoice_id]
    assert listed(people.alice, "&status=paid") == []
    assert listed(people.alice, "&status=open") == [invoiced.invoice_id]


def test_someone_elses_invoice_is_404(people: People, invoiced: Order) -> None:
    problem(people.bob.get(f"/api/invoices/{invoiced.invoice_id}"), 404)
    problem(people.alice.get(f"/api/invoices/{uuid.uuid4()}"), 404)
    assert people.staff.get(f"/api/invoices/{invoiced.invoice_id}").status_code == 200


@pytest.mark.parametrize("query", ["status=lost", "orderId=nope", "cursor=bogus", "after=nope"])
def test_bad_list_parameters_are_422(people: People, query: str) -> None:
    assert list(problem(people.alice.get(f"/api/invoices?{query}"), 422)["errors"]) == [
        query.split("=")[0]
    ]


def test_staff_register_payments_until_the_invoice_is_paid(people: People, invoiced: Order) -> None:
    path = f"/api/invoices/{invoiced.invoice_id}/payments"
    first = accepted(people.staff.post(path, {"amount": "50.00", "reference": "bank-1"}))
    settle()
    assert people.alice.get(f"/api/invoices/{invoiced.invoice_id}").json()["status"] == "open"

    second = accepted(people.staff.post(path, {"amount": "10.00", "reference": "bank-2"}))
    settle()

    assert {Command.objects.get(pk=a["commandId"]).status for a in (first, second)} == {"done"}
    invoice = people.alice.get(f"/api/invoices/{invoiced.invoice_id}").json()
    assert (invoice["status"], invoice["paidAmount"]) == ("paid", "60.00")
    assert [p["reference"] for p in invoice["payments"]] == ["bank-1", "bank-2"]
    assert people.alice.get(f"/api/order/{invoiced.order_id}").json()["status"] == "paid"


def test_a_payment_the_invoice_cannot_take_is_rejected_by_the_domain(
    people: People, paid: Order
) -> None:
    answer = accepted(
        people.staff.post(
            f"/api/invoices/{paid.invoice_id}/payments", {"amount": "1.00", "reference": "late"}
        )
    )
    settle()

    command = people.staff.get(f"/api/commands/{answer['commandId']}").json()
    assert (command["status"], command["error"]["detail"]) == (
        "rejected",
        "the invoice is paid: it takes no payment",
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reference": "r"}, "amount"),
        ({"amount": "0.00", "reference": "r"}, "amount"),
        ({"amount": "-5.00", "reference": "r"}, "amount"),
        ({"amount": "1.001", "reference": "r"}, "amount"),
        ({"amount": 5, "reference": "r"}, "amount"),
        ({"amount": "1000000000000.01", "reference": "r"}, "amount"),
        ({"amount": "5.00"}, "reference"),
        ({"amount": "5.00", "reference": ""}, "reference"),
        ({"amount": "5.00", "reference": "r" * 201}, "reference"),
        ({"amount": "5.00", "reference": "r", "currency": "EUR"}, "currency"),
    ],
)
def test_an_invalid_payment_is_422_and_stores_nothing(
    people: People, invoiced: Order, body: dict, field: str
) -> None:
    with nothing_stored():
        response = people.staff.post(f"/api/invoices/{invoiced.invoice_id}/payments", body)

    assert list(problem(response, 422)["errors"]) == [field]


def test_customers_do_not_register_payments(people: People, invoiced: Order) -> None:
    with nothing_stored():
        response = people.alice.post(
            f"/api/invoices/{invoiced.invoice_id}/payments", {"amount": "54.50", "reference": "me"}
        )

    problem(response, 403)
