"""`GET /api/commands/{id}`: a write's fate, to its actor and to staff only."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest

from eventstore.models import Command
from tests.api.conftest import People, execute, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_item(people: People, create_product: Callable[..., str]) -> Callable[[], str]:
    """Alice adds a teapot to a new cart: the id of the pending command."""
    teapot = create_product()

    def add() -> str:
        response = people.alice.post(
            f"/api/cart/{uuid.uuid4()}", {"productId": teapot, "quantity": 1}
        )
        assert response.status_code == 202, response.content
        return response.json()["commandId"]

    return add


def test_a_pending_command(people: People, add_item: Callable[[], str]) -> None:
    command_id = add_item()

    response = people.alice.get(f"/api/commands/{command_id}")

    assert response.status_code == 200
    body = response.json()
    created = Command.objects.get(pk=command_id).created_at
    assert body == {
        "id": command_id,
        "status": "pending",
        "operation": "cart.AddItem",
        "createdAt": created.isoformat().replace("+00:00", "Z"),
        "executedAt": None,
        "position": None,
        "error": None,
    }


def test_a_done_command_names_the_position_of_its_last_event(
    people: People, create_product
) -> None:
    response = people.staff.post(
        "/api/products", {"vendorId": str(uuid.uuid4()), "name": "Jug", "price": "9.00"}
    )
    execute()

    body = people.staff.get(response["Location"]).json()

    command = Command.objects.get(pk=body["id"])
    assert body["status"] == "done"
    assert body["position"] == command.positions[-1]
    assert body["executedAt"].endswith("Z")
    assert body["error"] is None


def test_a_rejection_is_a_problem_with_the_domain_reason(people: People, create_product) -> None:
    """The teapot is discontinued after Alice's add was accepted, before it ran."""
    teapot = create_product()
    people.staff.post(f"/api/products/{teapot}/discontinue")
    command_id = people.alice.post(
        f"/api/cart/{uuid.uuid4()}", {"productId": teapot, "quantity": 1}
    ).json()["commandId"]
    execute()

    error = people.alice.get(f"/api/commands/{command_id}").json()["error"]

    assert error["type"] == "/api/problems/command-rejected"
    assert error["status"] == 422
    assert error["detail"] == "Teapot is discontinued"
    assert error["reason"] == "CartError"


def test_a_failure_hides_its_traceback(people: People, add_item: Callable[[], str]) -> None:
    command_id = add_item()
    Command.objects.filter(pk=command_id).update(
        status="failed", error={"type": "KeyError", "detail": "x", "traceback": "secret"}
    )

    error = people.staff.get(f"/api/commands/{command_id}").json()["error"]

    assert error == {
        "type": "/api/problems/command-failed",
        "title": "The command failed",
        "status": 500,
        "detail": "The command could not be executed.",
    }


@pytest.mark.parametrize(
    ("role", "status"), [("alice", 200), ("staff", 200), ("bob", 404), ("anonymous", 401)]
)
def test_only_the_actor_and_staff_see_a_command(
    people: People, add_item: Callable[[], str], role: str, status: int
) -> None:
    command_id = add_item()

    response = people.as_(role).get(f"/api/commands/{command_id}")

    assert response.status_code == status


def test_an_unknown_command_is_404(people: People) -> None:
    problem(people.alice.get(f"/api/commands/{uuid.uuid4()}"), 404)


@pytest.mark.parametrize("wait", ["31", "-1", "soon"])
def test_wait_is_at_most_30_seconds(people: People, add_item: Callable[[], str], wait: str) -> None:
    command_id = add_item()

    response = people.alice.get(f"/api/commands/{command_id}?wait={wait}")

    assert list(problem(response, 422)["errors"]) == ["wait"]


def test_wait_gives_up_while_the_command_is_still_pending(
    people: People, add_item: Callable[[], str]
) -> None:
    command_id = add_item()  # no worker runs here
    started = time.monotonic()

    response = people.alice.get(f"/api/commands/{command_id}?wait=1")

    assert 1 <= time.monotonic() - started < 3
    assert response.json()["status"] == "pending"


def test_wait_answers_at_once_when_the_command_has_run(
    people: People, add_item: Callable[[], str]
) -> None:
    command_id = add_item()
    execute()
    started = time.monotonic()

    response = people.alice.get(f"/api/commands/{command_id}?wait=30")

    assert time.monotonic() - started < 1
    assert response.json()["status"] == "done"
