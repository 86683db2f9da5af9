"""The catalog's endpoints: anyone browses, staff create, reprice and discontinue."""

from __future__ import annotations

import uuid

import pytest

from eventstore.models import Command
from tests.api.conftest import People, execute, nothing_stored, problem

pytestmark = pytest.mark.django_db


def test_staff_create_a_product_that_anyone_then_reads(people: People) -> None:
    vendor = str(uuid.uuid4())

    response = people.staff.post(
        "/api/products", {"vendorId": vendor, "name": "Teapot", "price": "3200.00"}
    )

    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"commandId", "status", "productId"}
    assert body["status"] == "pending"
    assert response["Location"] == f"/api/commands/{body['commandId']}"
    execute()
    product = people.anonymous.get(f"/api/products/{body['productId']}")
    assert product.status_code == 200
    assert product.json() == {
        "productId": body["productId"],
        "vendorId": vendor,
        "name": "Teapot",
        "price": "3200.00",
        "currency": "EUR",
        "active": True,
    }


def test_the_product_list_pages_with_cursor_links(people: People, create_product) -> None:
    vendor = str(uuid.uuid4())
    ids = [create_product(f"Cup {n}", "2.50", vendor) for n in range(3)]

    first = people.alice.get(f"/api/products?vendorId={vendor}&pageSize=2")

    assert first.status_code == 200
    page = first.json()
    assert set(page) == {"results", "next", "previous"}
    assert [p["productId"] for p in page["results"]] == ids[:2]
    assert page["previous"] is None
    second = people.alice.get(page["next"])
    assert [p["productId"] for p in second.json()["results"]] == ids[2:]
    assert second.json()["next"] is None


def test_the_product_list_filters_by_activity_and_name(people: People, create_product) -> None:
    vendor = str(uuid.uuid4())
    kept = create_product("Green tea", "4.00", vendor)
    gone = create_product("Black tea", "4.00", vendor)
    people.staff.post(f"/api/products/{gone}/discontinue")
    execute()

    active = people.anonymous.get(f"/api/products?vendorId={vendor}&active=true&search=TEA")

    assert [p["productId"] for p in active.json()["results"]] == [kept]


def test_staff_change_a_price(people: People, create_product) -> None:
    product = create_product(price="10.00")

    response = people.staff.patch(f"/api/products/{product}", {"price": "12.50"})

    assert response.status_code == 202
    execute()
    assert people.anonymous.get(f"/api/products/{product}").json()["price"] == "12.50"


def test_staff_discontinue_a_product(people: People, create_product) -> None:
    product = create_product()

    response = people.staff.post(f"/api/products/{product}/discontinue")

    assert response.status_code == 202
    execute()
    assert people.anonymous.get(f"/api/products/{product}").json()["active"] is False


def test_changing_an_unknown_product_is_accepted_then_rejected(people: People) -> None:
    response = people.staff.patch(f"/api/products/{uuid.uuid4()}", {"price": "1.00"})

    assert response.status_code == 202
    execute()
    command = people.staff.get(response["Location"]).json()
    assert command["status"] == "rejected"
    assert command["error"]["detail"] == "no such product"
    assert command["error"]["type"] == "/api/problems/command-rejected"


def test_an_unknown_product_is_404(people: People) -> None:
    problem(people.anonymous.get(f"/api/products/{uuid.uuid4()}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"vendorId": "x", "name": "A", "price": "1.00"}, "vendorId"),
        ({"vendorId": None, "name": "A", "price": "1.00"}, "vendorId"),
        ({"name": "A", "price": "1.00"}, "vendorId"),
        ({"vendorId": str(uuid.UUID(int=1)), "name": "", "price": "1.00"}, "name"),
        ({"vendorId": str(uuid.UUID(int=1)), "name": 5, "price": "1.00"}, "name"),
        ({"vendorId": str(uuid.UUID(int=1)), "name": "A", "price": "0"}, "price"),
        ({"vendorId": str(uuid.UUID(int=1)), "name": "A", "price": "-3.00"}, "price"),
        ({"vendorId": str(uuid.UUID(int=1)), "name": "A", "price": 3}, "price"),
        ({"vendorId": str(uuid.UUID(int=1)), "name": "A", "price": "1.005"}, "price"),
        ({"vendorId": str(uuid.UUID(int=1)), "name": "A", "price": "NaN"}, "price"),
        ({"vendorId": str(uuid.UUID(int=1)), "name": "A", "price": "1.00", "x": 1}, "x"),
    ],
)
def test_an_invalid_product_is_422_and_stores_nothing(
    people: People, body: dict, field: str
) -> None:
    with nothing_stored():
        response = people.staff.post("/api/products", body)

    assert field in problem(response, 422)["errors"]


def test_an_invalid_price_change_is_422_and_stores_nothing(people: People) -> None:
    with nothing_stored():
        response = people.staff.patch(f"/api/products/{uuid.uuid4()}", {"price": "0.00"})

    assert problem(response, 422)["errors"] == {
        "price": ["Ensure this value is greater than or equal to 0.01."]
    }


def test_discontinue_takes_no_fields(people: People) -> None:
    with nothing_stored():
        response = people.staff.post(f"/api/products/{uuid.uuid4()}/discontinue", {"why": "x"})

    assert problem(response, 422)["errors"] == {"why": ["This field is not allowed."]}


def test_commands_of_staff_are_staff_actors(people: People) -> None:
    response = people.staff.post(
        "/api/products", {"vendorId": str(uuid.uuid4()), "name": "Mug", "price": "1.00"}
    )

    command = Command.objects.get(pk=response.json()["commandId"])
    assert command.actor == f"staff:{people.staff.user.pk}"
