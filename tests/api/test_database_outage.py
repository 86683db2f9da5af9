"""A database that cannot be reached, or a connection lost mid-request, is a 503 problem
with Retry-After, never a 500, and a write says whether it may have been stored.

Against the real Postgres: the outage is a port that refuses connections
(tests/database_outage.py); a lost connection is the request's own backend ended by
`pg_terminate_backend`, as a restart ends it, at the step named.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from django.db import close_old_connections, connection

from eventstore.models import Command
from shop.api import idempotency, views
from shop.api.models import IdempotencyRecord
from tests.api.conftest import People, nothing_stored, problem, snapshot
from tests.api.flow import HOME, accepted, settle
from tests.database_outage import database_unreachable

pytestmark = pytest.mark.integration

NOTHING_STORED = "The database cannot be reached right now; nothing was stored."
OUTCOME_UNKNOWN = (
    "The database was lost while storing your request: it may or may not have been"
    " stored. Retry with the same Idempotency-Key to find out."
)


@pytest.fixture
def order(committed_people: People) -> dict:
    """A product, and an order of Alice's for it, stored, executed and baked."""
    product = {"vendorId": str(uuid.uuid4()), "name": "Kettle", "price": "30.00"}
    product_id = accepted(committed_people.staff.post("/api/products", product))["productId"]
    settle()
    body = {"lines": [{"productId": product_id, "quantity": 1}], "shippingAddress": HOME}
    placed = accepted(committed_people.alice.post("/api/order", body))
    settle()
    return {"orderId": placed["orderId"], "commandId": placed["commandId"], "body": body}


def unavailable(response: Any) -> str:
    """The 503 problem's detail, after checking its type and Retry-After."""
    body = problem(response, 503)
    assert body["type"] == "/api/problems/database-unavailable"
    assert body["title"] == "The database is unavailable"
    assert response["Retry-After"] == "5"
    return body["detail"]


def test_the_problem_type_tells_a_client_what_to_do(committed_people: People) -> None:
    described = committed_people.anonymous.get("/api/problems/database-unavailable").json()

    assert described["title"] == "The database is unavailable"
    assert "same Idempotency-Key" in described["description"]


@pytest.mark.parametrize("key", [None, "outage-key"])
def test_placing_an_order_while_the_database_is_down_is_503_and_stores_nothing(
    committed_people: People, order: dict, key: str | None
) -> None:
    headers = {"Idempotency-Key": key} if key else {}
    before = snapshot()

    with database_unreachable():
        response = committed_people.alice.post("/api/order", order["body"], headers=headers)

    assert unavailable(response) == NOTHING_STORED
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/api/order/{orderId}", "/api/order", "/api/commands/{id}"])
def test_reading_while_the_database_is_down_is_503(
    committed_people: People, order: dict, path: str
) -> None:
    path = path.format(orderId=order["orderId"], id=order["commandId"])

    with database_unreachable():
        response = committed_people.alice.get(path)

    assert unavailable(response) == NOTHING_STORED


def test_once_the_database_is_back_the_same_requests_succeed(
    committed_people: People, order: dict
) -> None:
    with database_unreachable():
        unavailable(committed_people.alice.get(f"/api/order/{order['orderId']}"))

    assert committed_people.alice.get(f"/api/order/{order['orderId']}").status_code == 200
    accepted(committed_people.alice.post("/api/order", order["body"]))


@pytest.fixture
def lose_connection(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Make `owner.name` end the request's backend from another session, before it runs
    or, with `after`, once it has.

    Django's test client keeps the thread's connection from one request to the next,
    where a server closes a broken one as the request ends (`close_old_connections`):
    call `request_ended()` after the request, as the server would.
    """

    def at(owner: Any, name: str, after: bool = False) -> None:
        original = getattr(owner, name)

        def lost(*args: Any, **kwargs: Any) -> Any:
            if not after:
                terminate(connection.connection.info.backend_pid)
            result = original(*args, **kwargs)
            if after:
                terminate(connection.connection.info.backend_pid)
            return result

        monkeypatch.setattr(owner, name, lost)

    yield at
    close_old_connections()


def request_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    """The request is over: the connection it broke is closed, the fault undone."""
    close_old_connections()
    monkeypatch.undo()


def terminate(pid: int) -> None:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=db["USER"],
        password=db["PASSWORD"], autocommit=True,
    ) as other:  # fmt: skip
        assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone() == (True,)


def test_a_connection_lost_before_the_insert_without_a_key_may_have_stored_it(
    committed_people: People, order: dict, lose_connection: Callable, monkeypatch: Any
) -> None:
    """Without a key the INSERT commits by itself: once it is sent, only Postgres knows."""
    lose_connection(views, "submit")

    with nothing_stored():
        response = committed_people.alice.post("/api/order", order["body"])
        request_ended(monkeypatch)

    assert unavailable(response) == OUTCOME_UNKNOWN


def test_a_connection_lost_inside_the_keyed_transaction_stored_nothing(
    committed_people: People, order: dict, lose_connection: Callable, monkeypatch: Any
) -> None:
    """The transaction is rolled back, and the claim released on a new connection, so a
    retry with the same key places the order, once."""
    lose_connection(views, "submit")
    headers = {"Idempotency-Key": f"lost-{uuid.uuid4()}"}
    commands = Command.objects.count()

    response = committed_people.alice.post("/api/order", order["body"], headers=headers)
    request_ended(monkeypatch)

    assert unavailable(response) == NOTHING_STORED
    assert Command.objects.count() == commands
    retry = accepted(committed_people.alice.post("/api/order", order["body"], headers=headers))
    assert Command.objects.count() == commands + 1
    assert Command.objects.filter(pk=retry["commandId"]).exists()


def test_a_connection_lost_before_the_commit_may_have_stored_it(
    committed_people: People, order: dict, lose_connection: Callable, monkeypatch: Any
) -> None:
    lose_connection(idempotency, "complete", after=True)
    headers = {"Idempotency-Key": f"lost-{uuid.uuid4()}"}
    commands = Command.objects.count()

    response = committed_people.alice.post("/api/order", order["body"], headers=headers)
    request_ended(monkeypatch)

    assert unavailable(response) == OUTCOME_UNKNOWN
    assert Command.objects.count() == commands  # here the COMMIT never reached Postgres
    claim = IdempotencyRecord.objects.get(key=headers["Idempotency-Key"])
    assert claim.response_status is None
