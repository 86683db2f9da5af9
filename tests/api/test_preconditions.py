"""If-Match on cart writes, against the version of the cart view."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import People, execute, nothing_stored, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart(people: People, create_product) -> tuple[str, str]:
    """Alice's cart at version 1, and the product in it."""
    teapot = create_product()
    cart = str(uuid.uuid4())
    people.alice.post(f"/api/cart/{cart}", {"productId": teapot, "quantity": 1})
    execute()
    assert people.alice.get(f"/api/cart/{cart}")["ETag"] == '"1"'
    return cart, teapot


@pytest.mark.parametrize("tag", ['"0"', '"2"', '"1x"', "1"])
def test_a_stale_version_is_412_and_stores_nothing(
    people: People, cart: tuple[str, str], tag: str
) -> None:
    cart_id, teapot = cart

    with nothing_stored():
        response = people.alice.patch(
            f"/api/cart/{cart_id}/productId/{teapot}", {"delta": 1}, headers={"If-Match": tag}
        )

    body = problem(response, 412)
    assert body["type"] == "/api/problems/stale-version"
    assert body["currentVersion"] == 1


@pytest.mark.parametrize("tag", ['"1"', 'W/"1"', "*", '"7", "1"'])
def test_the_current_version_is_accepted(people: People, cart: tuple[str, str], tag: str) -> None:
    cart_id, teapot = cart

    response = people.alice.delete(
        f"/api/cart/{cart_id}/productId/{teapot}", headers={"If-Match": tag}
    )

    assert response.status_code == 202


def test_every_cart_write_checks_it(people: People, cart: tuple[str, str]) -> None:
    cart_id, teapot = cart
    stale = {"If-Match": '"0"'}
    address = {"name": "A", "line1": "B", "city": "C", "postalCode": "D", "country": "FR"}

    with nothing_stored():
        add = people.alice.post(
            f"/api/cart/{cart_id}", {"productId": teapot, "quantity": 1}, headers=stale
        )
        checkout = people.alice.post(
            f"/api/cart/{cart_id}/checkout", {"shippingAddress": address}, headers=stale
        )

    problem(add, 412)
    problem(checkout, 412)


def test_a_cart_nobody_wrote_to_matches_no_version(people: People, create_product) -> None:
    teapot = create_product()
    with nothing_stored():
        response = people.alice.post(
            f"/api/cart/{uuid.uuid4()}",
            {"productId": teapot, "quantity": 1},
            headers={"If-Match": "*"},
        )

    problem(response, 412)


def test_someone_elses_cart_is_404_before_any_version(
    people: People, cart: tuple[str, str]
) -> None:
    cart_id, teapot = cart

    response = people.bob.delete(
        f"/api/cart/{cart_id}/productId/{teapot}", headers={"If-Match": '"0"'}
    )

    problem(response, 404)
