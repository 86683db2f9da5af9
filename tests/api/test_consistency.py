"""Read-your-writes (`?after=<commandId>`) and `?wait`, with a real Celery worker."""

from __future__ import annotations

import time
import uuid

import pytest

from shop.api import consistency
from tests.api.conftest import People, execute, problem
from tests.integration.processes import Celery

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(shared_worker: Celery) -> None:
    """A real worker, perhaps the one the test before used."""


def test_writes_then_reads_see_each_other(committed_people: People, worker: None) -> None:
    people = committed_people
    created = people.staff.post(
        "/api/products", {"vendorId": str(uuid.uuid4()), "name": "Teapot", "price": "20.00"}
    ).json()

    # ?wait holds the answer until the worker has run the command (the worker may still
    # be starting up).
    command = people.staff.get(f"/api/commands/{created['commandId']}?wait=30").json()
    assert command["status"] == "done"

    product = created["productId"]
    repriced = people.staff.patch(f"/api/products/{product}", {"price": "22.00"}).json()
    read = people.staff.get(f"/api/products/{product}?after={repriced['commandId']}")
    assert read.status_code == 200
    assert read.json()["price"] == "22.00"

    cart = str(uuid.uuid4())
    added = people.alice.post(f"/api/cart/{cart}", {"productId": product, "quantity": 3}).json()
    view = people.alice.get(f"/api/cart/{cart}?after={added['commandId']}")
    assert view.status_code == 200
    assert view["ETag"] == '"1"'
    assert view.json()["lines"][0]["lineTotal"] == "66.00"

    more = people.alice.patch(f"/api/cart/{cart}/productId/{product}", {"delta": -1}).json()
    listed = people.alice.get(f"/api/cart/{cart}?after={more['commandId']}")
    assert listed.json()["lines"][0]["quantity"] == 2


def test_a_rejected_command_is_waited_for_no_longer(committed_people: People, worker: None) -> None:
    people = committed_people
    rejected = people.staff.patch(f"/api/products/{uuid.uuid4()}", {"price": "1.00"}).json()
    assert (
        people.staff.get(f"/api/commands/{rejected['commandId']}?wait=30").json()["status"]
        == "rejected"
    )
    started = time.monotonic()

    response = people.staff.get(f"/api/products?after={rejected['commandId']}")

    assert response.status_code == 200
    assert time.monotonic() - started < 1


@pytest.mark.django_db
def test_a_view_that_has_not_caught_up_in_time_is_503(
    people: People, create_product, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consistency, "AFTER_TIMEOUT", 0.2)
    pending = people.alice.post(
        f"/api/cart/{uuid.uuid4()}", {"productId": create_product(), "quantity": 1}
    ).json()

    response = people.alice.get(f"/api/products?after={pending['commandId']}")

    assert problem(response, 503)["type"] == "/api/problems/not-yet-consistent"
    assert response["Retry-After"] == "1"


@pytest.mark.django_db
def test_bakers_that_want_none_of_the_events_are_not_waited_for(
    people: People, create_product, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cart write has nothing for the products baker, whose checkpoint may lag."""
    monkeypatch.setattr(consistency, "AFTER_TIMEOUT", 0.2)
    product = create_product()
    added = people.alice.post(f"/api/cart/{uuid.uuid4()}", {"productId": product, "quantity": 1})
    execute()

    response = people.alice.get(f"/api/products?after={added.json()['commandId']}")

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "after"),
    [
        ("alice", "not-a-uuid"),
        ("alice", str(uuid.uuid4())),
        ("bob", "ALICES"),
        ("anonymous", "ALICES"),
    ],
)
def test_after_must_name_a_command_of_yours(
    people: People, create_product, role: str, after: str
) -> None:
    alices = people.alice.post(
        f"/api/cart/{uuid.uuid4()}", {"productId": create_product(), "quantity": 1}
    ).json()["commandId"]

    response = people.as_(role).get(f"/api/products?after={after.replace('ALICES', alices)}")

    assert list(problem(response, 422)["errors"]) == ["after"]


@pytest.mark.django_db
def test_staff_may_wait_for_anyones_command(people: People, create_product) -> None:
    alices = people.alice.post(
        f"/api/cart/{uuid.uuid4()}", {"productId": create_product(), "quantity": 1}
    ).json()["commandId"]
    execute()

    assert people.staff.get(f"/api/products?after={alices}").status_code == 200
