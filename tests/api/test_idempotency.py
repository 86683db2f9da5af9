"""Idempotency-Key: replays, misuse, requests in flight, leases and retention."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from eventstore.models import Command
from shop.api import idempotency, views
from shop.api.auth import actor_for
from shop.api.models import IdempotencyRecord
from shop.api.tasks import purge_idempotency_keys
from tests.api.conftest import People, execute, nothing_stored, problem, snapshot

KEY = {"Idempotency-Key": "order-7f3a"}


def new_product() -> dict:
    return {"vendorId": str(uuid.uuid4()), "name": "Kettle", "price": "30.00"}


@pytest.mark.django_db
def test_a_retry_gets_the_first_answer_and_no_second_command(people: People) -> None:
    body = new_product()
    first = people.staff.post("/api/products", body, headers=KEY)
    commands = Command.objects.count()

    retry = people.staff.post("/api/products", body, headers=KEY)

    assert (retry.status_code, retry.json()) == (202, first.json())
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Command.objects.count() == commands


@pytest.mark.django_db
def test_the_replay_is_the_first_answer_even_after_the_command_ran(people: People) -> None:
    body = new_product()
    first = people.staff.post("/api/products", body, headers=KEY)
    execute()

    retry = people.staff.post("/api/products", body, headers=KEY)

    assert retry.json() == first.json()
    assert retry.json()["status"] == "pending"


@pytest.mark.django_db
def test_the_same_data_formatted_differently_is_the_same_request(people: People) -> None:
    body = new_product()
    first = people.staff.post("/api/products", body, headers=KEY)

    retry = people.staff.post(
        "/api/products",
        raw="{\n" + ", ".join(f'"{k}": "{v}"' for k, v in reversed(body.items())) + "}",
        headers=KEY,
    )

    assert retry.json() == first.json()


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["body", "path"])
def test_the_same_key_for_another_request_is_422(people: People, change: str) -> None:
    product = uuid.uuid4()
    people.staff.patch(f"/api/products/{product}", {"price": "1.00"}, headers=KEY)
    path = f"/api/products/{uuid.uuid4() if change == 'path' else product}"

    with nothing_stored():
        response = people.staff.patch(
            path, {"price": "2.00" if change == "body" else "1.00"}, headers=KEY
        )

    refused = problem(response, 422)
    assert refused["type"] == "/api/problems/idempotency-key-reused"
    assert refused["errors"] == {
        "Idempotency-Key": ["This Idempotency-Key was first used with a different request."]
    }


@pytest.mark.django_db
def test_keys_belong_to_one_user(people: People, create_product) -> None:
    teapot = create_product()
    cart_a, cart_b = uuid.uuid4(), uuid.uuid4()

    first = people.alice.post(
        f"/api/cart/{cart_a}", {"productId": teapot, "quantity": 1}, headers=KEY
    )
    second = people.bob.post(
        f"/api/cart/{cart_b}", {"productId": teapot, "quantity": 1}, headers=KEY
    )

    assert first.status_code == second.status_code == 202
    assert first.json()["commandId"] != second.json()["commandId"]


@pytest.mark.django_db
def test_a_refused_request_leaves_its_key_free(people: People) -> None:
    with nothing_stored():
        refused = people.staff.post("/api/products", {**new_product(), "price": "0"}, headers=KEY)

    accepted = people.staff.post("/api/products", new_product(), headers=KEY)

    problem(refused, 422)
    assert accepted.status_code == 202


@pytest.mark.django_db
def test_a_duplicate_of_a_request_in_flight_is_409(people: People) -> None:
    body = new_product()
    raw = idempotency_body(body)
    idempotency.claim(
        actor_for(people.staff.user), KEY["Idempotency-Key"], "POST", "/api/products", raw
    )

    with nothing_stored():
        response = people.staff.post("/api/products", body, headers=KEY)

    assert problem(response, 409)["type"] == "/api/problems/request-in-flight"


@pytest.mark.django_db
def test_a_claim_whose_lease_ran_out_is_taken_over(people: People) -> None:
    body = new_product()
    actor = actor_for(people.staff.user)
    idempotency.claim(
        actor, KEY["Idempotency-Key"], "POST", "/api/products", idempotency_body(body)
    )
    IdempotencyRecord.objects.filter(actor=actor).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )

    response = people.staff.post("/api/products", body, headers=KEY)

    assert response.status_code == 202
    record = IdempotencyRecord.objects.get(actor=actor)
    assert (record.response_status, record.response_body) == (202, response.json())


def test_a_duplicate_arriving_while_the_first_is_running_is_409(
    committed_people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two real requests on two connections: the first is held inside its submit."""
    people = committed_people
    entered, release = threading.Event(), threading.Event()
    real_submit = views.submit

    def held_submit(*args, **kwargs):
        entered.set()
        assert release.wait(20)
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(views, "submit", held_submit)
    body, key = new_product(), {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    answers = {}

    def send_first() -> None:
        try:
            answers["first"] = people.staff.post("/api/products", body, headers=key)
        finally:
            connection.close()  # this thread's own connection

    first = threading.Thread(target=send_first)
    first.start()
    try:
        assert entered.wait(20)
        during = people.staff.post("/api/products", body, headers=key)
    finally:
        release.set()
        first.join(20)
    after = people.staff.post("/api/products", body, headers=key)

    problem(during, 409)
    assert answers["first"].status_code == 202
    assert after.json() == answers["first"].json()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["x" * 256, "", "naïve"])
def test_a_malformed_key_is_422(people: People, key: str) -> None:
    with nothing_stored():
        response = people.staff.post(
            "/api/products", new_product(), headers={"Idempotency-Key": key}
        )

    assert problem(response, 422)["errors"] == {
        "Idempotency-Key": ["Must be 1 to 255 printable ASCII characters."]
    }


@pytest.mark.django_db
def test_keys_are_kept_24_hours_then_purged(people: People) -> None:
    people.staff.post("/api/products", new_product(), headers={"Idempotency-Key": "old"})
    people.staff.post("/api/products", new_product(), headers={"Idempotency-Key": "new"})
    actor = actor_for(people.staff.user)
    day = dt.timedelta(hours=24)
    IdempotencyRecord.objects.filter(actor=actor, key="old").update(
        created_at=timezone.now() - day - dt.timedelta(minutes=1)
    )
    IdempotencyRecord.objects.filter(actor=actor, key="new").update(
        created_at=timezone.now() - day + dt.timedelta(minutes=1)
    )

    purge_idempotency_keys()

    assert list(IdempotencyRecord.objects.filter(actor=actor).values_list("key", flat=True)) == [
        "new"
    ]


@pytest.mark.django_db
def test_a_replay_comes_before_checks_that_may_have_changed(people: People, create_product) -> None:
    """The retry of an accepted write gets its 202 again, though If-Match is stale now."""
    teapot = create_product()
    cart = uuid.uuid4()
    people.alice.post(f"/api/cart/{cart}", {"productId": teapot, "quantity": 1})
    execute()
    headers = {**KEY, "If-Match": '"1"'}
    first = people.alice.patch(
        f"/api/cart/{cart}/productId/{teapot}", {"delta": 1}, headers=headers
    )
    execute()
    before = snapshot()

    retry = people.alice.patch(
        f"/api/cart/{cart}/productId/{teapot}", {"delta": 1}, headers=headers
    )

    assert (retry.status_code, retry.json()) == (202, first.json())
    assert snapshot() == before


def idempotency_body(body: dict) -> bytes:
    return json.dumps(body).encode()
