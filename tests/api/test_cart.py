"""The cart's endpoints, through the real executor and cart baker in this process."""

# ruff: noqa: E501  (the parameter tables read best one case a line)

from __future__ import annotations

import uuid

import pytest

from contexts.cart.domain import CartCheckedOut
from eventstore.models import Command
from eventstore.store import store
from shop.customers import customer_id_for
from tests.api.conftest import People, execute, nothing_stored, problem

pytestmark = pytest.mark.django_db

HOME = {
    "name": "Alice Doe",
    "line1": "1 Main St",
    "city": "Springfield",
    "postalCode": "12345",
    "country": "US",
}


@pytest.fixture
def teapot(create_product) -> str:
    return create_product("Teapot", "25.00")


@pytest.fixture
def alices_cart(people: People, teapot: str) -> str:
    """A cart Alice owns, with 2 teapots."""
    cart = str(uuid.uuid4())
    assert (
        people.alice.post(f"/api/cart/{cart}", {"productId": teapot, "quantity": 2}).status_code
        == 202
    )
    execute()
    return cart


def test_a_customer_adds_an_item_priced_by_the_catalog(people: People, create_product) -> None:
    vendor = str(uuid.uuid4())
    teapot = create_product("Teapot", "25.00", vendor)
    cart = str(uuid.uuid4())

    response = people.alice.post(
        f"/api/cart/{cart}",
        {"productId": teapot, "quantity": 2, "vendorId": vendor, "name": "Teapot", "price": "25"},
    )

    assert response.status_code == 202
    assert set(response.json()) == {"commandId", "status"}
    execute()
    view = people.alice.get(f"/api/cart/{cart}")
    assert view.status_code == 200
    assert view["ETag"] == '"1"'
    assert view.json() == {
        "cartId": cart,
        "lines": [
            {
                "productId": teapot,
                "vendorId": vendor,
                "name": "Teapot",
                "unitPrice": "25.00",
                "quantity": 2,
                "lineTotal": "50.00",
            }
        ],
        "total": "50.00",
        "currency": "EUR",
        "version": 1,
        "checkoutRefused": None,
    }


def test_a_customer_adjusts_a_quantity(people: People, alices_cart: str, teapot: str) -> None:
    response = people.alice.patch(f"/api/cart/{alices_cart}/productId/{teapot}", {"delta": 3})

    assert response.status_code == 202
    execute()
    line = people.alice.get(f"/api/cart/{alices_cart}").json()["lines"][0]
    assert (line["quantity"], line["lineTotal"]) == (5, "125.00")


def test_a_customer_removes_an_item(people: People, alices_cart: str, teapot: str) -> None:
    response = people.alice.delete(f"/api/cart/{alices_cart}/productId/{teapot}")

    assert response.status_code == 202
    execute()
    view = people.alice.get(f"/api/cart/{alices_cart}").json()
    assert (view["lines"], view["total"], view["version"]) == ([], "0.00", 2)


def test_a_customer_checks_out_into_a_new_order(people: People, alices_cart: str) -> None:
    response = people.alice.post(
        f"/api/cart/{alices_cart}/checkout", {"shippingAddress": {**HOME, "line2": "Flat 2"}}
    )

    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"commandId", "status", "orderId"}
    execute()
    command = Command.objects.get(pk=body["commandId"])
    assert command.status == "done"
    [event] = [e for e in store.read_stream(uuid.UUID(alices_cart)) if e.version == 2]
    assert isinstance(event.data, CartCheckedOut)
    assert str(event.data.order_id) == body["orderId"]
    assert event.data.customer_id == customer_id_for(people.alice.user)
    assert event.data.shipping_address.line2 == "Flat 2"
    assert event.data.total == 50


def test_a_cart_nobody_wrote_to_is_404(people: People) -> None:
    problem(people.alice.get(f"/api/cart/{uuid.uuid4()}"), 404)


def test_another_customers_cart_is_404_to_read_and_write(
    people: People, alices_cart: str, teapot: str
) -> None:
    problem(people.bob.get(f"/api/cart/{alices_cart}"), 404)
    with nothing_stored():
        problem(
            people.bob.post(f"/api/cart/{alices_cart}", {"productId": teapot, "quantity": 1}), 404
        )
        problem(people.bob.delete(f"/api/cart/{alices_cart}/productId/{teapot}"), 404)
        problem(people.bob.patch(f"/api/cart/{alices_cart}/productId/{teapot}", {"delta": 1}), 404)
        problem(
            people.bob.post(f"/api/cart/{alices_cart}/checkout", {"shippingAddress": HOME}), 404
        )


def test_an_id_of_another_kind_of_stream_is_no_cart(people: People, teapot: str) -> None:
    with nothing_stored():
        response = people.alice.post(f"/api/cart/{teapot}", {"productId": teapot, "quantity": 1})

    body = problem(response, 409)
    assert (body["type"], body["streamId"], body["streamType"]) == (
        "/api/problems/stream-type-conflict", teapot, "sales.Product"
    )  # fmt: skip
    assert body["detail"] == (
        f"{teapot} is already the id of a sales.Product, so it cannot be a cart.Cart. Use a new id."
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"quantity": 1}, {"productId": ["This field is required."]}),
        ({"productId": "nope", "quantity": 1}, {"productId": ["Must be a valid UUID."]}),
        ({"productId": 7, "quantity": 1}, {"productId": ["Must be a string holding a UUID."]}),
        ({"productId": "P", "quantity": 0}, {"quantity": ["Ensure this value is greater than or equal to 1."]}),
        ({"productId": "P", "quantity": 1001}, {"quantity": ["Ensure this value is less than or equal to 1000."]}),
        ({"productId": "P", "quantity": "2"}, {"quantity": ["Must be an integer."]}),
        ({"productId": "P", "quantity": 1.5}, {"quantity": ["Must be an integer."]}),
        ({"productId": "P", "quantity": True}, {"quantity": ["Must be an integer."]}),
        ({"productId": "P", "quantity": 1, "colour": "red"}, {"colour": ["This field is not allowed."]}),
        ({"productId": "P", "quantity": 1, "price": "0.00"}, {"price": ["Ensure this value is greater than or equal to 0.01."]}),
        ({"productId": "P", "quantity": 1, "price": "24.99"}, {"price": ["Does not match the catalog, which says 25.00."]}),
        ({"productId": "P", "quantity": 1, "name": "Kettle"}, {"name": ["Does not match the catalog, which says Teapot."]}),
    ],
)  # fmt: skip
def test_an_invalid_item_is_422_and_stores_nothing(
    people: People, teapot: str, body: dict, errors: dict
) -> None:
    body = {key: teapot if value == "P" else value for key, value in body.items()}

    with nothing_stored():
        response = people.alice.post(f"/api/cart/{uuid.uuid4()}", body)

    assert problem(response, 422)["errors"] == errors


def test_a_vendor_that_is_not_the_catalogs_is_422(people: People, teapot: str) -> None:
    with nothing_stored():
        response = people.alice.post(
            f"/api/cart/{uuid.uuid4()}",
            {"productId": teapot, "quantity": 1, "vendorId": str(uuid.uuid4())},
        )

    assert list(problem(response, 422)["errors"]) == ["vendorId"]


@pytest.mark.parametrize("extra", [{}, {"name": "X"}], ids=["plain", "with a name"])
def test_an_unknown_product_is_422_and_stores_nothing(people: People, extra: dict) -> None:
    with nothing_stored():
        response = people.alice.post(
            f"/api/cart/{uuid.uuid4()}", {"productId": str(uuid.uuid4()), "quantity": 1, **extra}
        )

    assert problem(response, 422)["errors"] == {"productId": ["No such product in the catalog."]}


def test_a_discontinued_product_is_422_and_stores_nothing(
    people: People, alices_cart: str, create_product
) -> None:
    gone = create_product("Cup", "4.50")
    people.staff.post(f"/api/products/{gone}/discontinue")
    execute()

    with nothing_stored():
        response = people.alice.post(f"/api/cart/{alices_cart}", {"productId": gone, "quantity": 1})

    assert problem(response, 422)["errors"] == {"productId": ["Discontinued: no longer for sale."]}


@pytest.mark.parametrize("delta", [0, 1001, -1001, "1", None])
def test_an_invalid_delta_is_422_and_stores_nothing(
    people: People, alices_cart: str, teapot: str, delta: object
) -> None:
    with nothing_stored():
        response = people.alice.patch(
            f"/api/cart/{alices_cart}/productId/{teapot}", {"delta": delta}
        )

    assert list(problem(response, 422)["errors"]) == ["delta"]


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ({**HOME, "country": "XX"}, "shippingAddress.country"),
        ({**HOME, "country": "us"}, "shippingAddress.country"),
        ({**HOME, "country": "USA"}, "shippingAddress.country"),
        ({key: value for key, value in HOME.items() if key != "city"}, "shippingAddress.city"),
        ({**HOME, "postal_code": "1"}, "shippingAddress.postal_code"),
        ({**HOME, "name": ""}, "shippingAddress.name"),
        ("1 Main St", "shippingAddress"),
    ],
)
def test_an_invalid_address_is_422_and_stores_nothing(
    people: People, alices_cart: str, address: object, field: str
) -> None:
    with nothing_stored():
        response = people.alice.post(
            f"/api/cart/{alices_cart}/checkout", {"shippingAddress": address}
        )

    assert field in problem(response, 422)["errors"]


def test_checking_out_an_empty_cart_is_accepted_then_rejected(people: People) -> None:
    response = people.alice.post(f"/api/cart/{uuid.uuid4()}/checkout", {"shippingAddress": HOME})

    assert response.status_code == 202
    execute()
    command = people.alice.get(response["Location"]).json()
    assert command["status"] == "rejected"
    assert command["error"]["detail"] == "an empty cart cannot check out"
    assert command["error"]["reason"] == "CartError"
