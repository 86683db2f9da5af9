"""Placing, listing and reading orders, through every context's handlers, receptors and
bakers run in this process."""

# ruff: noqa: E501  (the parameter tables read best one case a line)

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib.auth.models import User

from contexts.sales import queries
from contexts.sales.domain import OrderPlaced
from eventstore.executor import Executor
from eventstore.models import Command
from eventstore.store import store
from eventstore.subscribers import Runner, registry
from shop.customers import customer_id_for
from tests.api.conftest import People, nothing_stored, problem
from tests.api.flow import (  # noqa: F401  (fixtures)
    HOME,
    Order,
    accepted,
    dispatch,
    invoiced_fixture,
    paid_fixture,
    place,
    settle,
)

pytestmark = pytest.mark.django_db


def test_a_customer_places_an_order_priced_by_the_catalog(people: People, create_product) -> None:
    teapot = create_product("Teapot", "25.00")
    body = {"lines": [{"productId": teapot, "quantity": 3}], "shippingAddress": HOME}

    answer = accepted(people.alice.post("/api/order", body))

    assert set(answer) == {"commandId", "status", "orderId"}
    assert answer["status"] == "pending"
    settle()
    assert Command.objects.get(pk=answer["commandId"]).status == "done"
    placed = store.read_stream(uuid.UUID(answer["orderId"]))[0]
    assert isinstance(placed.data, OrderPlaced)
    assert placed.data.customer_id == customer_id_for(people.alice.user)
    assert (placed.data.total, placed.data.lines[0].quantity) == (75, 3)
    assert placed.data.shipping_address.postal_code == "12345"
    assert placed.metadata.actor == f"customer:{people.alice.user.pk}"


@pytest.mark.parametrize("gone", ["unknown", "discontinued"])
def test_a_product_not_on_sale_is_422_and_stores_nothing(
    people: People, create_product, gone: str
) -> None:
    teapot = create_product("Teapot", "25.00")
    other = str(uuid.uuid4()) if gone == "unknown" else create_product("Cup", "4.50")
    if gone == "discontinued":
        accepted(people.staff.post(f"/api/products/{other}/discontinue"))
        settle()
    lines = [{"productId": teapot, "quantity": 1}, {"productId": other, "quantity": 1}]

    with nothing_stored():
        response = people.alice.post(
            "/api/order",
            {"lines": lines, "shippingAddress": HOME},
            headers={"Idempotency-Key": "k"},
        )

    reason = {
        "unknown": "No such product in the catalog.",
        "discontinued": "Discontinued: no longer for sale.",
    }
    assert problem(response, 422)["errors"] == {"lines.1.productId": [reason[gone]]}


def test_a_product_discontinued_after_the_order_was_accepted_is_rejected_by_the_domain(
    people: People, create_product
) -> None:
    teapot = create_product("Teapot", "25.00")
    accepted(people.staff.post(f"/api/products/{teapot}/discontinue"))  # not yet run
    body = {"lines": [{"productId": teapot, "quantity": 1}], "shippingAddress": HOME}

    answer = accepted(people.alice.post("/api/order", body))
    settle()

    command = people.alice.get(f"/api/commands/{answer['commandId']}").json()
    assert (command["status"], command["error"]["detail"]) == ("rejected", "Teapot is discontinued")
    assert store.read_stream(uuid.UUID(answer["orderId"])) == []


P = str(uuid.UUID(int=1))
Q = str(uuid.UUID(int=2))
LINE = {"productId": P, "quantity": 1}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"shippingAddress": HOME}, {"lines": ["This field is required."]}),
        ({"lines": [LINE]}, {"shippingAddress": ["This field is required."]}),
        ({"lines": [], "shippingAddress": HOME}, {"lines": ["Ensure this field has at least 1 elements."]}),
        ({"lines": [LINE] * 101, "shippingAddress": HOME}, {"lines": ["Ensure this field has no more than 100 elements."]}),
        ({"lines": [{"productId": "nope", "quantity": 1}], "shippingAddress": HOME}, {"lines.0.productId": ["Must be a valid UUID."]}),
        ({"lines": [{"productId": P, "quantity": 0}], "shippingAddress": HOME}, {"lines.0.quantity": ["Ensure this value is greater than or equal to 1."]}),
        ({"lines": [LINE, {"productId": Q, "quantity": 1001}], "shippingAddress": HOME}, {"lines.1.quantity": ["Ensure this value is less than or equal to 1000."]}),
        ({"lines": [{"productId": P, "quantity": "2"}], "shippingAddress": HOME}, {"lines.0.quantity": ["Must be an integer."]}),
        ({"lines": [{"productId": P}], "shippingAddress": HOME}, {"lines.0.quantity": ["This field is required."]}),
        ({"lines": [{**LINE, "price": "1.00"}], "shippingAddress": HOME}, {"lines.0.price": ["This field is not allowed."]}),
        ({"lines": [LINE, {"productId": Q, "quantity": 2}, {"productId": P, "quantity": 2}], "shippingAddress": HOME}, {"lines.2.productId": ["Already on an earlier line."]}),
        ({"lines": LINE, "shippingAddress": HOME}, {"lines": ["Must be a list."]}),
        ({"lines": [LINE], "shippingAddress": {**HOME, "country": "XX"}}, {"shippingAddress.country": ["Must be an ISO 3166-1 alpha-2 code such as US."]}),
        ({"lines": [LINE], "shippingAddress": HOME, "customerId": P}, {"customerId": ["This field is not allowed."]}),
    ],
)  # fmt: skip
def test_an_invalid_order_is_422_and_stores_nothing(
    people: People, body: dict, errors: dict
) -> None:
    with nothing_stored():
        response = people.alice.post("/api/order", body, headers={"Idempotency-Key": "k1"})

    assert problem(response, 422)["errors"] == errors


def test_staff_do_not_place_orders(people: People) -> None:
    with nothing_stored():
        response = people.staff.post("/api/order", {"lines": [LINE], "shippingAddress": HOME})

    problem(response, 403)


def test_an_order_reads_whole_once_paid_and_shipped(people: People, paid: Order) -> None:
    dispatch(people, paid)

    response = people.alice.get(f"/api/order/{paid.order_id}")

    assert response.status_code == 200
    assert response["ETag"] == '"4"'
    order = response.json()
    assert {k: order[k] for k in ("orderId", "customerId", "status", "total", "currency", "itemCount", "version")} == {
        "orderId": paid.order_id, "customerId": str(customer_id_for(people.alice.user)),
        "status": "shipped", "total": "54.50", "currency": "EUR", "itemCount": 3, "version": 4,
    }  # fmt: skip
    assert order["placedAt"].endswith("Z") and order["updatedAt"].endswith("Z")
    assert order["lines"] == [
        {"productId": paid.teapot, "vendorId": paid.vendor, "name": "Teapot", "unitPrice": "25.00", "quantity": 2, "lineTotal": "50.00"},
        {"productId": paid.cup, "vendorId": paid.vendor, "name": "Cup", "unitPrice": "4.50", "quantity": 1, "lineTotal": "4.50"},
    ]  # fmt: skip
    assert order["shippingAddress"] == {**HOME, "line2": ""}
    invoice = order["invoice"]
    assert (invoice["invoiceId"], invoice["status"], invoice["amount"], invoice["paidAmount"]) == (
        paid.invoice_id, "paid", "54.50", "54.50"
    )  # fmt: skip
    assert invoice["dueAt"].endswith("Z")
    assert order["shipment"] == {
        "shipmentId": paid.shipment_id, "status": "dispatched", "carrier": "DHL", "trackingNumber": "JD0001",
    }  # fmt: skip
    timeline = order["timeline"]
    assert [entry["type"] for entry in timeline] == [
        "sales.OrderPlaced", "invoicing.InvoiceIssued", "sales.OrderInvoiced",
        "invoicing.PaymentReceived", "invoicing.InvoicePaid", "sales.OrderPaid",
        "shipping.ShipmentCreated", "shipping.ShipmentDispatched", "sales.OrderShipped",
    ]  # fmt: skip
    assert [entry["position"] for entry in timeline] == sorted(e["position"] for e in timeline)
    assert [entry["actor"] for entry in timeline] == [
        "customer", "system", "system", "staff", "staff", "system", "system", "staff", "system",
    ]  # fmt: skip
    placed = timeline[0]
    assert placed["data"]["orderId"] == paid.order_id
    assert placed["data"]["shippingAddress"]["postalCode"] == "12345"
    assert placed["data"]["lines"][0]["unitPrice"] == "25.00"


def test_a_customer_reads_no_actor_ids_in_the_order_or_its_feed(
    people: People, paid: Order
) -> None:
    """Who did what is a role to the customer: no account or process behind it. (Staff
    read the actors in the back office.)"""
    dispatch(people, paid)
    customer = customer_id_for(people.alice.user)

    detail = people.alice.get(f"/api/order/{paid.order_id}").content.decode()
    feed = json.dumps(queries.feed_messages(0, 10_000, customer_id=customer))

    for text in (detail, feed):
        for actor in (f"customer:{people.alice.user.pk}", f"staff:{people.staff.user.pk}",
                      "receptor:", "staff:", "customer:"):  # fmt: skip
            assert actor not in text
    assert "actor" not in feed


def test_a_new_order_has_no_invoice_or_shipment_yet(people: People, create_product) -> None:
    teapot = create_product()
    body = {"lines": [{"productId": teapot, "quantity": 1}], "shippingAddress": HOME}
    order = accepted(people.alice.post("/api/order", body))["orderId"]
    Executor().run()
    Runner(registry.named("sales.orders")).catch_up()  # and no receptor: nothing invoiced

    detail = people.alice.get(f"/api/order/{order}").json()

    assert (detail["status"], detail["invoice"], detail["shipment"], detail["version"]) == (
        "placed", None, None, 1
    )  # fmt: skip


def test_someone_elses_order_is_404_and_staff_see_every_order(
    people: People, invoiced: Order
) -> None:
    problem(people.bob.get(f"/api/order/{invoiced.order_id}"), 404)
    problem(people.alice.get(f"/api/order/{uuid.uuid4()}"), 404)
    assert people.staff.get(f"/api/order/{invoiced.order_id}").status_code == 200


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [order["orderId"] for order in response.json()["results"]]


def test_a_customer_lists_their_own_orders_newest_first(people: People, create_product) -> None:
    first = place(people, create_product)
    second = place(people, create_product)
    bobs = place(people, create_product, who="bob")

    listed = people.alice.get("/api/order")

    assert ids(listed) == [second.order_id, first.order_id]
    assert listed.json()["results"][0] == {
        "orderId": second.order_id, "customerId": str(customer_id_for(people.alice.user)),
        "status": "invoiced", "total": "54.50", "currency": "EUR", "itemCount": 3,
        "placedAt": listed.json()["results"][0]["placedAt"], "updatedAt": listed.json()["results"][0]["updatedAt"],
    }  # fmt: skip
    assert ids(people.bob.get("/api/order")) == [bobs.order_id]
    assert {first.order_id, second.order_id, bobs.order_id} <= set(
        ids(people.staff.get("/api/order?pageSize=200"))
    )


def test_orders_are_filtered_by_status_and_placing_time(
    people: People, create_product, paid: Order
) -> None:
    other = place(people, create_product)
    placed_at = people.alice.get(f"/api/order/{other.order_id}").json()["placedAt"]

    assert ids(people.alice.get("/api/order?status=paid")) == [paid.order_id]
    assert ids(people.alice.get("/api/order?status=invoiced")) == [other.order_id]
    assert ids(people.alice.get(f"/api/order?placedAfter={placed_at}")) == [other.order_id]
    assert ids(people.alice.get(f"/api/order?placedBefore={placed_at}")) == [paid.order_id]


def test_lists_are_cursor_pages(people: People, create_product) -> None:
    orders = [place(people, create_product).order_id for _ in range(3)]

    first = people.alice.get("/api/order?pageSize=2").json()
    second = people.alice.get(first["next"]).json()

    assert [o["orderId"] for o in first["results"] + second["results"]] == orders[::-1]
    assert first["previous"] is None and second["next"] is None


def test_staff_filter_by_customer_id_username_or_email(people: People, invoiced: Order) -> None:
    alice = people.alice.user
    alice.email = f"{alice.username}@example.com"
    alice.save()

    for customer in (str(customer_id_for(alice)), alice.username, alice.email.upper()):
        assert ids(people.staff.get(f"/api/order?customer={customer}")) == [invoiced.order_id]
    assert ids(people.staff.get("/api/order?customer=nobody-by-that-name")) == []


def test_staff_search_by_order_id_product_name_and_customer(
    people: People, create_product, invoiced: Order
) -> None:
    bob = place(people, create_product, who="bob")
    User.objects.filter(pk=people.bob.user.pk).update(email="robert@shop.example")

    assert ids(people.staff.get(f"/api/order?search={invoiced.order_id[:8]}")) == [
        invoiced.order_id
    ]
    assert bob.order_id in ids(people.staff.get("/api/order?search=teapo&pageSize=200"))
    assert ids(people.staff.get("/api/order?search=robert@shop")) == [bob.order_id]
    assert ids(people.staff.get(f"/api/order?search={people.alice.user.username}")) == [
        invoiced.order_id
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=lost", "status"), ("placedAfter=yesterday", "placedAfter"), ("placedBefore=2026-13-01T00:00:00Z", "placedBefore"),
     ("cursor=bogus", "cursor"), ("after=nope", "after")],
)  # fmt: skip
def test_bad_list_parameters_are_422(people: People, query: str, field: str) -> None:
    assert list(problem(people.alice.get(f"/api/order?{query}"), 422)["errors"]) == [field]


@pytest.mark.parametrize("query", ["customer=someone", "search=teapot"])
def test_customers_may_not_use_the_staff_filters(people: People, query: str) -> None:
    assert list(problem(people.alice.get(f"/api/order?{query}"), 422)["errors"]) == [
        query.split("=")[0]
    ]
