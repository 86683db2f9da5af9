"""The hot paths (`shop.api.hot`, `contexts.sales.hot`) answer exactly what Django would.

Each request goes both ways: to `HotPaths` over a recording Django app, and to Django's
ASGI app alone. When the hot path answers, Django must not have been reached and the
two answers must match (status, headers but Date/Server/Content-Length, the JSON body
with generated ids set aside) and so must the commands they stored. When it declines,
the request must have reached Django as it came, body included, and got Django's answer;
a refused write stores nothing. All against the real Postgres and Redis: the hot path
has connections of its own, so every row it reads is committed first.

The last tests check `plain_order` alone, with generated bodies: whatever it takes,
`OrderPlaceApi.Input` takes alike, to the same lines and address.
"""

# ruff: noqa: E501  (the parameter tables read best one case a line)

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import types
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from channels.db import database_sync_to_async as db
from django.contrib.auth.models import User
from django.core.asgi import get_asgi_application
from django.db import connections
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st
from rest_framework.exceptions import ValidationError

from contexts.sales import domain as sales
from contexts.sales.hot import plain_order
from contexts.sales.orders_api import OrderPlaceApi
from contexts.shared.api import address_from
from contexts.shared.values import Address
from eventstore.codec import encode
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import store
from eventstore.subscribers import Runner, registry
from shop.api import throttling
from shop.api.countries import COUNTRY_CODES
from shop.api.hot import HotPaths, hot_paths
from shop.api.models import IdempotencyRecord
from shop.api.serializers import validated
from shop.api.throttling import Allowance
from shop.customers import customer_id_of
from shop.tokens.keys import issue
from shop.tokens.models import ApiToken, key_digest
from tests.api.asgi import Answer, Recording, request
from tests.api.conftest import snapshot
from tests.api.flow import HOME
from tests.staff import join

HOT_ROUTES = ["contexts.sales.hot"]
UNCOMPARED = ("date", "server", "content-length")
"""Headers that may differ between two answers of the same request."""


# Accounts, products and orders, committed -------------------------------------------


@dataclass(frozen=True)
class Account:
    pk: int
    token: str

    @property
    def auth(self) -> tuple[str, str]:
        return ("Authorization", f"Token {self.token}")

    @property
    def actor(self) -> str:
        return f"customer:{self.pk}"


def new_account(staff: bool = False, active: bool = True, group: str = "support") -> Account:
    """A customer, or a member of staff in `group` (support reads every order)."""
    name = f"hot-{uuid.uuid4().hex[:12]}"
    user = User.objects.create_user(name, is_staff=staff, is_active=active)
    if staff and group:
        join(user, group)
    return Account(user.pk, issue(user).key)


@dataclass(frozen=True)
class People:
    alice: Account
    bob: Account
    staff: Account


@pytest.fixture
def people(committed_db: None) -> People:
    return People(new_account(), new_account(), new_account(staff=True))


@pytest.fixture
def catalog(committed_db: None) -> Iterator[list[str]]:
    """Two products, in the catalog (executed and baked), discontinued afterwards: the
    committed catalog outlives the test, and other tests list what is on sale."""
    products = [uuid.uuid4(), uuid.uuid4()]
    vendor = uuid.uuid4()
    for name, product in zip(("Teapot", "Cup"), products, strict=True):
        submit(sales.CreateProduct(product, vendor, name, Decimal("4.50")), actor="system:test")
    Executor().run()
    Runner(registry.named("sales.products")).catch_up()
    yield [str(product) for product in products]
    for product in products:
        submit(sales.DiscontinueProduct(product), actor="system:test")
    Executor().run()
    Runner(registry.named("sales.products")).catch_up()


@pytest.fixture
def alices_order(people: People, catalog: list[str]) -> str:
    """An order of Alice's, placed and baked (version 1)."""
    order_id = uuid.uuid4()
    lines = (sales.RequestedLine(uuid.UUID(catalog[0]), 2),)
    address = Address("Alice Doe", "1 Main St", "Springfield", "12345", "US")
    place = sales.PlaceOrder(
        order_id, customer_id_of(people.alice.pk), lines, address, timezone.now()
    )
    submit(place, actor=people.alice.actor)
    Executor().run()
    Runner(registry.named("sales.orders")).catch_up()
    return str(order_id)


@pytest.fixture(scope="module", autouse=True)
def on_sale(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The products the bodies below order (P, Q, R and the hundred of the longest
    order) on sale for this module, and one discontinued: an order of a product not on
    sale is the view's 422. Discontinued at the end, as `catalog` does."""
    products = [*(uuid.UUID(int=n + 1) for n in range(100)), uuid.UUID(R), uuid.UUID(GONE)]
    with django_db_blocker.unblock():
        set_catalog(
            [sales.CreateProduct(p, uuid.uuid4(), "Kettle", Decimal("3.00")) for p in products]
        )
        set_catalog([sales.DiscontinueProduct(uuid.UUID(GONE))])
        connections.close_all()
    yield
    with django_db_blocker.unblock():
        set_catalog([sales.DiscontinueProduct(p) for p in products[:-1]])
        connections.close_all()


def set_catalog(commands: list[Any]) -> None:
    for command in commands:
        submit(command, actor="system:test")
    Executor().run()
    Runner(registry.named("sales.products")).catch_up()


@pytest.fixture(scope="module", autouse=True)
def nothing_left_pending(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Run what these tests left pending (orders of products not in the catalog, all
    rejected), so that the rest of the suite does not run them again in every test."""
    yield
    with django_db_blocker.unblock():
        Executor().run()
        connections.close_all()


# The two apps ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def django_app() -> Any:
    return get_asgi_application()


@pytest.fixture
async def hot(committed_db: None, django_app: Any) -> AsyncIterator[HotPaths]:
    """HotPaths over a recording Django app, new for each test: its pool belongs to the
    test's event loop."""
    app = hot_paths(Recording(django_app), HOT_ROUTES)
    yield app
    await app.aclose()


def reached(hot: HotPaths) -> list[tuple[str, str]]:
    """The requests the hot paths handed on to Django."""
    return hot.django.calls


# Comparing answers and what they stored ---------------------------------------------


def is_uuid(value: Any) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (TypeError, ValueError, AttributeError):
        return False


def accepted(answer: Answer) -> tuple[dict, dict]:
    """A 202's body and headers, with the generated ids set aside after checking them."""
    assert answer.status == 202, answer.body
    body = answer.json()
    assert set(body) == {"commandId", "status", "orderId"}
    assert body["status"] == "pending"
    assert is_uuid(body["commandId"]) and is_uuid(body["orderId"]), body
    headers = answer.header_map(*UNCOMPARED)
    assert headers.pop("location") == [f"/api/commands/{body['commandId']}"]
    return {**body, "commandId": "<id>", "orderId": "<id>"}, headers


def comparable(answer: Answer) -> tuple[int, Any, dict]:
    """Status, JSON body and headers (but UNCOMPARED), a 202's generated ids set aside."""
    if answer.status == 202:
        return 202, *accepted(answer)
    return answer.status, answer.json(), answer.header_map(*UNCOMPARED)


def assert_same_answer(ours: Answer, django: Answer, *leaving_out: str) -> None:
    """The same status, body and headers (but `leaving_out`)."""
    status, body, headers = comparable(ours)
    their_status, their_body, their_headers = comparable(django)
    assert status == their_status, (ours.body, django.body)
    assert body == their_body
    for name in leaving_out:
        headers.pop(name, None), their_headers.pop(name, None)
    assert headers == their_headers


@db
def stored_command(answer: Answer, started: dt.datetime) -> dict:
    """The command a 202 stored, with its ids and time set aside after checking them."""
    body = answer.json()
    row = Command.objects.filter(pk=body["commandId"]).values().get()
    payload = row.pop("payload")
    assert payload.pop("order_id") == body["orderId"] == str(row.pop("stream_id"))
    placed_at = dt.datetime.fromisoformat(payload.pop("placed_at"))
    assert started <= placed_at <= timezone.now()
    assert row.pop("correlation_id") == row.pop("id") == uuid.UUID(body["commandId"])
    assert started <= row.pop("created_at") <= timezone.now()
    assert row.pop("not_before") <= timezone.now()
    row.pop("seq")
    return {**row, "payload": payload}


async def both_ways(
    hot: HotPaths, django_app: Any, method: str, path: str, **kwargs: Any
) -> tuple[Answer, Answer]:
    ours = await request(hot, method, path, **kwargs)
    theirs = await request(django_app, method, path, **kwargs)
    return ours, theirs


def body_of(*products: str, **address: str) -> dict:
    lines = [{"productId": product, "quantity": n + 1} for n, product in enumerate(products)]
    return {"lines": lines, "shippingAddress": {**HOME, **address}}


P, Q = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))
R = "abcdef01-2345-4789-abcd-ef0123456789"  # letters, for case
UNKNOWN = str(uuid.UUID(int=999))
GONE = "abcdef01-2345-4789-abcd-0000000000de"  # discontinued
PLAIN = body_of(P, Q)


# POST /api/order: what the hot path answers itself -----------------------------------


PLACED = {
    "one line": {"body": body_of(P)},
    "two lines, line2 and accents": {"body": body_of(P, Q, line2="Flat 2", name="Zoë Ångström")},
    "a hundred lines at the limits": {"body": {"lines": [{"productId": str(uuid.UUID(int=n + 1)), "quantity": 1000} for n in range(100)], "shippingAddress": {**HOME, "line2": "", "postalCode": "9" * 20}}},
    "upper-case product ids": {"body": body_of(R.upper(), Q)},
    "charset utf-8": {"body": PLAIN, "content_type": "application/json; charset=utf-8"},
    "upper-case media type": {"body": PLAIN, "content_type": "Application/JSON; charset=UTF-8"},
    "body in several messages": {"body": PLAIN, "chunk": 7},
    "spaced JSON, keys reordered": {"body": json.dumps({"shippingAddress": HOME, "lines": [{"quantity": 5, "productId": P}]}, indent=2)},
}  # fmt: skip


@pytest.mark.parametrize("case", PLACED.values(), ids=PLACED.keys())
async def test_a_plain_order_is_placed_by_the_hot_path_as_django_places_it(
    hot: HotPaths, django_app: Any, people: People, case: dict
) -> None:
    started = timezone.now()

    ours, theirs = await both_ways(
        hot, django_app, "POST", "/api/order", headers=[people.alice.auth], **case
    )

    assert reached(hot) == []
    assert_same_answer(ours, theirs)
    row = await stored_command(ours, started)
    assert row == await stored_command(theirs, started)
    assert (row["service_name"], row["operation"], row["status"]) == (
        "sales",
        "PlaceOrder",
        "pending",
    )
    assert row["actor"] == people.alice.actor
    assert row["payload"]["customer_id"] == str(customer_id_of(people.alice.pk))
    assert row["idempotency_key"] is None


async def test_a_hot_order_runs_as_djangos_does(
    hot: HotPaths, django_app: Any, people: People, catalog: list[str]
) -> None:
    body = body_of(*catalog, name="Alice Doe")
    ours, theirs = await both_ways(
        hot, django_app, "POST", "/api/order", body=body, headers=[people.alice.auth]
    )
    assert reached(hot) == []

    await db(Executor().run)()

    @db
    def outcome(answer: Answer) -> tuple:
        body = answer.json()
        command = Command.objects.get(pk=body["commandId"])
        events = store.read_stream(uuid.UUID(body["orderId"]))
        data = [encode(event.data) for event in events]
        for item in data:
            item.pop("order_id"), item.pop("placed_at")
        return command.status, [e.type for e in events], data, [e.metadata.actor for e in events]

    mine = await outcome(ours)
    assert mine == await outcome(theirs)
    assert mine[:2] == ("done", ["sales.OrderPlaced"])
    assert mine[2][0]["total"] == "13.50"  # 1 + 2 at 4.50


# POST /api/order: what the hot path leaves to Django -------------------------------


REFUSED = {
    "wrong content type": (415, {"body": PLAIN, "content_type": "text/plain"}),
    "no content type": (415, {"body": PLAIN, "content_type": None}),
    "malformed JSON": (400, {"body": '{"lines": ['}),
    "NaN": (400, {"body": '{"lines": NaN, "shippingAddress": {}}'}),
    "not UTF-8": (400, {"body": b'{"lines": "\xff"}'}),
    "empty body": (422, {"body": ""}),
    "a list": (422, {"body": [PLAIN]}),
    "unknown field": (422, {"body": {**PLAIN, "customerId": P}}),
    "unknown line field": (422, {"body": {**PLAIN, "lines": [{"productId": P, "quantity": 1, "price": "1.00"}]}}),
    "missing address": (422, {"body": {"lines": PLAIN["lines"]}}),
    "no lines": (422, {"body": {**PLAIN, "lines": []}}),
    "101 lines": (422, {"body": {**PLAIN, "lines": [{"productId": str(uuid.UUID(int=n + 1)), "quantity": 1} for n in range(101)]}}),
    "quantity 0": (422, {"body": {**PLAIN, "lines": [{"productId": P, "quantity": 0}]}}),
    "quantity 1001": (422, {"body": {**PLAIN, "lines": [{"productId": P, "quantity": 1001}]}}),
    "quantity true": (422, {"body": {**PLAIN, "lines": [{"productId": P, "quantity": True}]}}),
    "quantity as a string": (422, {"body": {**PLAIN, "lines": [{"productId": P, "quantity": "2"}]}}),
    "quantity 1.0": (422, {"body": {**PLAIN, "lines": [{"productId": P, "quantity": 1.0}]}}),
    "duplicate product": (422, {"body": body_of(P, Q, P)}),
    "duplicate product, other case": (422, {"body": body_of(R, R.upper())}),
    "bad UUID": (422, {"body": body_of("not-a-uuid")}),
    "bad country": (422, {"body": body_of(P, country="XX")}),
    "lower-case country": (422, {"body": body_of(P, country="us")}),
    "blank name": (422, {"body": body_of(P, name="")}),
    "overlong name": (422, {"body": body_of(P, name="x" * 201)}),
    "NUL in the city": (422, {"body": body_of(P, city="Spring\x00field")}),
    "null line2": (422, {"body": body_of(P, line2=None)}),
    "an unknown product": (422, {"body": body_of(P, UNKNOWN)}),
    "a discontinued product": (422, {"body": body_of(GONE, Q)}),
    "a discontinued product, upper case": (422, {"body": body_of(GONE.upper())}),
    "nested 2000 deep": (400, {"body": "[" * 2000 + "]" * 2000}),
    "lines nested 33 deep": (400, {"body": '{"lines": ' + "[" * 33 + "]" * 33 + ', "shippingAddress": {}}'}),
    "no Authorization": (401, {"body": PLAIN, "auth": None}),
    "unknown token": (401, {"body": PLAIN, "auth": ("Authorization", "Token " + "0" * 40)}),
    "token of another form": (401, {"body": PLAIN, "auth": ("Authorization", "Token abc")}),
    "Bearer": (401, {"body": PLAIN, "auth": ("Authorization", "Bearer " + "0" * 40)}),
    "inactive user": (401, {"body": PLAIN, "auth": "inactive"}),
    "expired token": (401, {"body": PLAIN, "auth": "expired"}),
    "staff": (403, {"body": PLAIN, "auth": "staff"}),
    "body over 64 KiB": (413, {"body": {**PLAIN, "pad": "x" * 65536}}),
    "body over 64 KiB, no length": (413, {"body": {**PLAIN, "pad": "x" * 65536}, "content_length": False, "chunk": 8192}),
}  # fmt: skip


def with_auth(case: dict, people: People) -> dict:
    """The request's keywords, its `auth` (the default: Alice) turned into headers."""
    case = dict(case)
    auth = case.pop("auth", people.alice.auth)
    if auth == "staff":
        auth = people.staff.auth
    elif auth == "inactive":
        auth = new_account(active=False).auth
    elif auth == "expired":
        account = new_account()
        ApiToken.objects.filter(digest=key_digest(account.token)).update(expires=timezone.now())
        auth = account.auth
    return {**case, "headers": [*case.get("headers", []), *([auth] if auth else [])]}


@pytest.mark.parametrize(("status", "case"), REFUSED.values(), ids=REFUSED.keys())
async def test_a_refused_order_is_djangos_answer_and_stores_nothing(
    hot: HotPaths, django_app: Any, people: People, status: int, case: dict
) -> None:
    case = await db(with_auth)(case, people)
    before = await db(snapshot)()

    ours, theirs = await both_ways(hot, django_app, "POST", "/api/order", **case)

    assert reached(hot) == [("POST", "/api/order")]
    assert ours.status == status, ours.body
    assert ours.header("content-type") == "application/problem+json"
    assert_same_answer(ours, theirs)
    assert await db(snapshot)() == before, "a refused request stored something"


ACCEPTED_BY_DJANGO = {
    "Idempotency-Key": {"body": PLAIN, "headers": [("Idempotency-Key", "<key>")]},
    "If-Match": {"body": PLAIN, "headers": [("If-Match", '"1"')]},
    "a query string": {"body": PLAIN, "query": "after=" + P},
    "charset without a space": {"body": PLAIN, "content_type": "application/json;charset=utf-8"},
    "lower-case token keyword": {"body": PLAIN, "headers": [("Authorization", "token <token>")]},
    "name with a leading space": {"body": body_of(P, name=" Alice Doe")},
    "city with a trailing newline": {"body": body_of(P, city="Springfield\n")},
    "product id without dashes": {"body": body_of(P.replace("-", ""))},
}  # fmt: skip


@pytest.mark.parametrize("case", ACCEPTED_BY_DJANGO.values(), ids=ACCEPTED_BY_DJANGO.keys())
async def test_an_order_the_hot_path_declines_is_placed_by_django(
    hot: HotPaths, django_app: Any, people: People, case: dict
) -> None:
    keys = [uuid.uuid4().hex, uuid.uuid4().hex]  # one each: the same key would replay

    def keywords(key: str) -> dict:
        headers = [
            (name, value.replace("<key>", key).replace("<token>", people.alice.token))
            for name, value in case.get("headers", [])
        ]
        if not any(name == "Authorization" for name, _ in headers):
            headers.append(people.alice.auth)
        return {**case, "headers": headers}

    started = timezone.now()
    ours = await request(hot, "POST", "/api/order", **keywords(keys[0]))
    theirs = await request(django_app, "POST", "/api/order", **keywords(keys[1]))

    assert reached(hot) == [("POST", "/api/order")]
    assert_same_answer(ours, theirs)
    row = await stored_command(ours, started)
    other = await stored_command(theirs, started)
    assert row == other
    remembered = await db(
        lambda: list(
            IdempotencyRecord.objects.filter(actor=people.alice.actor, key__in=keys)
            .order_by("key")
            .values_list("key", "response_status")
        )
    )()
    if "Idempotency-Key" in dict(case.get("headers", [])):
        assert remembered == sorted((key, 202) for key in keys)
    else:
        assert remembered == []
    assert row["actor"] == people.alice.actor


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ("delete the token", 401), ("expire the token", 401), ("change the password", 401),
        ("deactivate the user", 401), ("make the user staff", 403),
    ],
)  # fmt: skip
async def test_a_remembered_token_that_no_longer_checks_out_is_djangos_to_answer(
    hot: HotPaths, django_app: Any, people: People, change: str, status: int
) -> None:
    first = await request(hot, "POST", "/api/order", body=PLAIN, headers=[people.alice.auth])
    assert first.status == 202 and reached(hot) == []

    @db
    def apply() -> None:
        users = User.objects.filter(pk=people.alice.pk)
        tokens = ApiToken.objects.filter(digest=key_digest(people.alice.token))
        if change == "delete the token":
            tokens.delete()
        elif change == "expire the token":
            tokens.update(expires=timezone.now())
        elif change == "change the password":
            user = users.get()
            user.set_password("a new password")
            user.save()
        elif change == "deactivate the user":
            users.update(is_active=False)
        else:
            users.update(is_staff=True)

    await apply()
    before = await db(snapshot)()

    again, theirs = await both_ways(
        hot, django_app, "POST", "/api/order", body=PLAIN, headers=[people.alice.auth]
    )
    once_more = await request(hot, "POST", "/api/order", body=PLAIN, headers=[people.alice.auth])

    assert again.status == status, again.body
    assert reached(hot) == [("POST", "/api/order")] * 2
    assert_same_answer(again, theirs)
    assert_same_answer(once_more, theirs)
    assert await db(snapshot)() == before, "a refused request stored something"


# GET /api/order/{orderId} ------------------------------------------------------------


async def test_an_order_is_read_by_the_hot_path_as_django_reads_it(
    hot: HotPaths, django_app: Any, people: People, alices_order: str
) -> None:
    path = f"/api/order/{alices_order}"

    ours, theirs = await both_ways(hot, django_app, "GET", path, headers=[people.alice.auth])

    assert reached(hot) == []
    assert ours.status == 200, ours.body
    assert ours.header("etag") == '"1"'
    assert ours.header("content-type") == "application/json"
    order = ours.json()
    assert (order["orderId"], order["status"], order["version"]) == (alices_order, "placed", 1)
    assert order["customerId"] == str(customer_id_of(people.alice.pk))
    assert_same_answer(ours, theirs)


async def test_an_order_read_twice_is_the_same_answer(
    hot: HotPaths, people: People, alices_order: str
) -> None:
    path = f"/api/order/{alices_order}"
    first = await request(hot, "GET", path, headers=[people.alice.auth])
    second = await request(hot, "GET", path, headers=[people.alice.auth])

    assert reached(hot) == []
    assert (first.status, first.headers, first.body) == (second.status, second.headers, second.body)


READ_BY_DJANGO = {
    "someone else's order": (404, {"auth": "bob"}),
    "staff who may read every order": (200, {"auth": "staff"}),
    "staff of no group": (403, {"auth": "bare staff"}),
    "an unknown order": (404, {"order": "unknown"}),
    "an upper-case id": (404, {"order": "upper"}),
    "a query string": (422, {"query": "after=" + P}),
    "If-None-Match": (200, {"headers": [("If-None-Match", '"1"')]}),
    "a body": (200, {"body": "{}"}),
    "no Authorization": (401, {"auth": None}),
    "unknown token": (401, {"auth": ("Authorization", "Token " + "f" * 40)}),
    "inactive user": (401, {"auth": "inactive"}),
    "expired token": (401, {"auth": "expired"}),
}  # fmt: skip


@pytest.mark.parametrize(("status", "case"), READ_BY_DJANGO.values(), ids=READ_BY_DJANGO.keys())
async def test_an_order_read_the_hot_path_declines_is_djangos_answer(
    hot: HotPaths, django_app: Any, people: People, alices_order: str, status: int, case: dict
) -> None:
    case = dict(case)
    order = {"unknown": str(uuid.uuid4()), "upper": alices_order.upper(), None: alices_order}[
        case.pop("order", None)
    ]
    if case.get("auth") == "bob":
        case["auth"] = people.bob.auth
    elif case.get("auth") == "bare staff":
        case["auth"] = (await db(new_account)(staff=True, group="")).auth
    case = await db(with_auth)(case, people)
    if "body" not in case:
        case["content_type"] = None
    path = f"/api/order/{order}"

    ours, theirs = await both_ways(hot, django_app, "GET", path, **case)

    assert reached(hot) == [("GET", path)]
    assert ours.status == status, ours.body
    assert_same_answer(ours, theirs)


async def test_a_read_with_a_token_deleted_since_is_djangos_401(
    hot: HotPaths, django_app: Any, people: People, alices_order: str
) -> None:
    path = f"/api/order/{alices_order}"
    assert (await request(hot, "GET", path, headers=[people.alice.auth])).status == 200
    await db(ApiToken.objects.filter(digest=key_digest(people.alice.token)).delete)()

    again, theirs = await both_ways(hot, django_app, "GET", path, headers=[people.alice.auth])

    assert reached(hot) == [("GET", path)]
    assert again.status == 401
    assert_same_answer(again, theirs)


# Throttling: one allowance for both paths --------------------------------------------


@pytest.fixture
def three_a_minute(settings: Any, people: People) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute", "anon": "3/minute"},
    }
    for person in (people.alice, people.bob):  # ids restart with the database, Redis does not
        Allowance.named("user").forget(str(person.pk))


def throttled(answer: Answer) -> None:
    assert answer.status == 429, answer.body
    assert answer.header("content-type") == "application/problem+json"
    assert answer.json()["status"] == 429
    assert 1 <= int(answer.header("retry-after")) <= 60


async def test_the_hot_paths_refuse_past_the_rate_with_djangos_429(
    hot: HotPaths, django_app: Any, people: People, alices_order: str, three_a_minute: None
) -> None:
    auth = [people.alice.auth]
    for _ in range(2):
        assert (await request(hot, "POST", "/api/order", body=PLAIN, headers=auth)).status == 202
    assert (await request(hot, "GET", f"/api/order/{alices_order}", headers=auth)).status == 200
    assert reached(hot) == []
    before = await db(snapshot)()

    fourth = await request(hot, "POST", "/api/order", body=PLAIN, headers=auth)
    fifth = await request(hot, "GET", f"/api/order/{alices_order}", headers=auth)
    by_django = await request(django_app, "GET", "/api/products", headers=auth)

    throttled(fourth)
    throttled(fifth)
    throttled(by_django)  # Django counted the hot path's requests too
    assert reached(hot) == [("POST", "/api/order"), ("GET", f"/api/order/{alices_order}")]
    assert await db(snapshot)() == before, "a throttled request stored something"
    bob = await request(hot, "POST", "/api/order", body=PLAIN, headers=[people.bob.auth])
    assert bob.status == 202  # each user has their own allowance


async def test_django_requests_count_against_the_hot_paths(
    hot: HotPaths, django_app: Any, people: People, alices_order: str, three_a_minute: None
) -> None:
    auth = [people.alice.auth]
    for _ in range(3):
        assert (await request(django_app, "GET", "/api/products", headers=auth)).status == 200
    before = await db(snapshot)()

    read = await request(hot, "GET", f"/api/order/{alices_order}", headers=auth)
    placed = await request(hot, "POST", "/api/order", body=PLAIN, headers=auth)

    throttled(read)
    throttled(placed)
    assert len(reached(hot)) == 2
    assert await db(snapshot)() == before, "a throttled request stored something"


@pytest.fixture
def still_clock(monkeypatch: pytest.MonkeyPatch, people: People) -> None:
    """The throttles' clock stands still (mid-minute): the requests of a test all come
    within one instant, as a quick client's do. Real time still passes for the rest."""
    now = time.time()
    still = now - now % 60 + 30
    monkeypatch.setattr(throttling, "time", types.SimpleNamespace(time=lambda: still))
    for person in (people.alice, people.bob):
        Allowance.named("user").forget(str(person.pk))


async def test_hot_and_django_requests_share_one_allowance(
    hot: HotPaths, django_app: Any, people: People, three_a_minute: None, still_clock: None
) -> None:
    """2 hot POSTs, a Django GET, then the next hot POST is Django's 429."""
    auth = [people.alice.auth]
    before = await db(snapshot)()
    for _ in range(2):
        assert (await request(hot, "POST", "/api/order", body=PLAIN, headers=auth)).status == 202
    await asyncio.sleep(0.5)  # the client pauses: whatever the hot path batches, it has sent
    assert (await request(django_app, "GET", "/api/products", headers=auth)).status == 200

    fourth = await request(hot, "POST", "/api/order", body=PLAIN, headers=auth)

    throttled(fourth)
    assert reached(hot) == [("POST", "/api/order")]
    after = await db(snapshot)()
    assert after[0] == (before[0] or 0) + 2, "a throttled request stored something"


# Headers: what Django makes of them, the hot paths make of them too --------------


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_hot_answer_carries_djangos_headers(
    hot: HotPaths, django_app: Any, people: People, alices_order: str, method: str
) -> None:
    path, body = ("/api/order", PLAIN) if method == "POST" else (f"/api/order/{alices_order}", None)
    ours, theirs = await both_ways(
        hot, django_app, method, path, body=body, headers=[people.alice.auth]
    )

    assert reached(hot) == []
    assert_same_answer(ours, theirs)


@pytest.mark.parametrize(
    ("headers", "content_type", "status"),
    [
        pytest.param([("Host", "evil.example")], "application/json", 400, id="a host not allowed"),
        pytest.param([("Authorization", "Token " + "0" * 40)], "application/json", 401, id="two Authorization headers"),
        pytest.param([("Content-Type", "application/json")], "text/plain", 415, id="two Content-Types"),
    ],
)  # fmt: skip
async def test_a_request_django_refuses_by_its_headers_is_refused(
    hot: HotPaths, django_app: Any, people: People, headers: list, content_type: str, status: int
) -> None:
    """The header under test comes first: the hot path sees only the last of a name."""
    before = await db(snapshot)()
    ours, theirs = await both_ways(
        hot, django_app, "POST", "/api/order", body=PLAIN, content_type=content_type,
        headers=[*headers, people.alice.auth],
    )  # fmt: skip

    assert theirs.status == status, theirs.body
    assert_same_answer(ours, theirs)
    assert await db(snapshot)() == before, "a refused request stored something"


@pytest.fixture
async def behind_tls(settings: Any, committed_db: None) -> AsyncIterator[tuple[HotPaths, Any]]:
    """The settings SHOP_HTTPS=1 gives, and the two apps built under them (Django's
    middleware reads its settings when it is built)."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = 31_536_000, True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    django_app = get_asgi_application()
    app = hot_paths(Recording(django_app), HOT_ROUTES)
    yield app, django_app
    await app.aclose()


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_behind_tls_a_hot_answer_over_https_carries_hsts_as_djangos_does(
    people: People, alices_order: str, behind_tls: tuple[HotPaths, Any], method: str
) -> None:
    hot, django_app = behind_tls
    path, body = ("/api/order", PLAIN) if method == "POST" else (f"/api/order/{alices_order}", None)
    headers = [people.alice.auth, ("X-Forwarded-Proto", "https")]

    ours, theirs = await both_ways(hot, django_app, method, path, body=body, headers=headers)

    assert reached(hot) == []
    assert ours.header("strict-transport-security") == "max-age=31536000; includeSubDomains"
    assert_same_answer(ours, theirs)


@pytest.mark.parametrize("proto", [None, "http", "http, https"])
async def test_behind_tls_plain_http_is_djangos_redirect(
    people: People, behind_tls: tuple[HotPaths, Any], proto: str | None
) -> None:
    hot, django_app = behind_tls
    headers = [people.alice.auth, *([("X-Forwarded-Proto", proto)] if proto else [])]
    before = await db(snapshot)()

    ours, theirs = await both_ways(
        hot, django_app, "POST", "/api/order", body=PLAIN, headers=headers
    )

    assert reached(hot) == [("POST", "/api/order")]
    assert (ours.status, ours.header("location")) == (301, "https://testserver/api/order")
    assert (theirs.status, theirs.header("location")) == (301, "https://testserver/api/order")
    assert await db(snapshot)() == before, "a redirected request stored something"


# plain_order: whatever it takes, the view takes alike ----------------------------------


def view_reading(body: Any) -> tuple | None:
    """The lines and address `OrderPlaceApi` reads from `body`; None when it refuses it."""
    try:
        data = validated(OrderPlaceApi.Input, body)
    except ValidationError:
        return None
    lines = tuple(
        sales.RequestedLine(line["productId"], line["quantity"]) for line in data["lines"]
    )
    return lines, address_from(data["shippingAddress"])


LIMITS = {"name": 200, "line1": 200, "line2": 200, "city": 100, "postalCode": 20}
printable = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=30
)
plain_text = printable.filter(lambda s: s == s.strip() and s.isprintable())


def uuids() -> st.SearchStrategy[str]:
    return st.uuids().map(str)


@st.composite
def valid_bodies(draw: st.DrawFn) -> dict:
    products = draw(st.lists(uuids(), min_size=1, max_size=5, unique=True))
    lines = [{"productId": p, "quantity": draw(st.integers(1, 1000))} for p in products]
    address = {name: draw(plain_text) for name in ("name", "line1", "city")}
    address["postalCode"] = draw(plain_text.filter(lambda s: len(s) <= 20))
    address["country"] = draw(st.sampled_from(sorted(COUNTRY_CODES)))
    if draw(st.booleans()):
        address["line2"] = draw(st.one_of(st.just(""), plain_text))
    return {"lines": lines, "shippingAddress": address}


def now_and_then(
    usual: st.SearchStrategy, odd: st.SearchStrategy, one_in: int = 6
) -> st.SearchStrategy:
    """Mostly `usual`, about one time in `one_in` `odd`: most bodies stay close to valid,
    so that the odd part is often the only thing plain_order has to notice. (The odd
    choice is the middle number: Hypothesis favours the ends of a range.)"""
    return st.integers(0, one_in - 1).flatmap(lambda n: odd if n == one_in // 2 else usual)


ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 1002), st.sampled_from([10**30, -(10**30)]),
    st.floats(allow_nan=False), st.text(max_size=5), st.just([]), st.just({}), st.just([1]),
)  # fmt: skip
ODD_TEXT = st.one_of(
    st.sampled_from(["", " ", " x", "x ", "\tx", "x\n", "\x00", "a\x00b", "\u200b", "\xa0x",
                     "\ud800", "x\ud83d", "\x1f", "\u2028", "x\u3000", "\x85x"]),
    st.text(max_size=4),
    ODD_VALUES,
)  # fmt: skip
ODD_UUIDS = st.one_of(
    uuids().map(str.upper),
    uuids().map(str.swapcase),
    uuids().map(lambda u: u.replace("-", "")),
    uuids().map(lambda u: "{" + u + "}"),
    uuids().map(lambda u: "urn:uuid:" + u),
    uuids().map(lambda u: u[:-1]),
    uuids().map(lambda u: u + "0"),
    uuids().map(lambda u: " " + u),
    uuids().map(lambda u: u[:8] + u[9:13] + "-" + u[8:9] + u[13:]),
    st.just(str(uuid.UUID(int=0))),
    st.just("0" * 8 + "-0000-0000-0000-" + "0" * 11 + "g"),
    ODD_VALUES,
)
ODD_COUNTRIES = st.sampled_from(
    ["us", "de", "gb", "nl", "zw", "Us", "dE", "XX", "ZZ", "UK", "USA", "U", " US", "GB ", "",
     "\uff35\uff33", "U\u0053\u0301", None, 1, [], {}]
)  # fmt: skip
ODD_QUANTITIES = st.one_of(
    st.sampled_from([0, -1, 1001, 10**30, True, False, 1.0, 2.5, "5", None]), ODD_VALUES
)


def at_the_limit(name: str) -> st.SearchStrategy[str]:
    """A string one short of, at, or one past the field's limit, of one character."""
    return st.tuples(st.sampled_from(["x", "é", "\U0001f600", "漢"]), st.integers(-1, 1)).map(
        lambda drawn: drawn[0] * (LIMITS[name] + drawn[1])
    )


@st.composite
def near_bodies(draw: st.DrawFn) -> Any:
    """Bodies close to the valid shape: each part is now and then changed or odd."""

    def line() -> Any:
        entry = {
            "productId": draw(now_and_then(uuids(), ODD_UUIDS)),
            "quantity": draw(now_and_then(st.sampled_from([1, 2, 999, 1000]), ODD_QUANTITIES)),
        }
        if draw(now_and_then(st.just(False), st.just(True), 20)):
            entry.pop(draw(st.sampled_from(sorted(entry))))
        if draw(now_and_then(st.just(False), st.just(True), 20)):
            entry[draw(st.sampled_from(["price", "ProductId", "quantity "]))] = draw(ODD_VALUES)
        return draw(now_and_then(st.just(entry), ODD_VALUES, 30))

    count = draw(now_and_then(st.integers(1, 4), st.sampled_from([0, 100, 101]), 12))
    lines = [line() for _ in range(count)] if count < 99 else [
        {"productId": str(uuid.UUID(int=n + 1)), "quantity": 1} for n in range(count)
    ]  # fmt: skip
    if lines and draw(now_and_then(st.just(False), st.just(True), 10)):  # a product twice
        again = dict(lines[0]) if isinstance(lines[0], dict) else lines[0]
        if isinstance(again, dict) and isinstance(again.get("productId"), str):
            again["productId"] = draw(st.sampled_from([str, str.upper, str.swapcase]))(
                again["productId"]
            )
        lines.insert(draw(st.integers(0, len(lines))), again)

    address: dict[str, Any] = {}
    for name in ("name", "line1", "line2", "city", "postalCode"):
        usual = plain_text.filter(lambda s, name=name: len(s) <= LIMITS[name])
        address[name] = draw(now_and_then(usual, st.one_of(at_the_limit(name), ODD_TEXT)))
    address["country"] = draw(now_and_then(st.sampled_from(sorted(COUNTRY_CODES)), ODD_COUNTRIES))
    if draw(st.booleans()):
        address["line2"] = draw(st.sampled_from(["", address["line2"]]))
    else:
        del address["line2"]
    if draw(now_and_then(st.just(False), st.just(True), 15)):
        address.pop(draw(st.sampled_from(sorted(address))), None)
    if draw(now_and_then(st.just(False), st.just(True), 15)):
        address[draw(st.sampled_from(["postal_code", "Name", "zip", "line3"]))] = "x"

    body: dict[str, Any] = {"lines": draw(now_and_then(st.just(lines), ODD_VALUES, 20))}
    body["shippingAddress"] = draw(now_and_then(st.just(address), ODD_VALUES, 20))
    if draw(now_and_then(st.just(False), st.just(True), 15)):
        body.pop(draw(st.sampled_from(sorted(body))))
    if draw(now_and_then(st.just(False), st.just(True), 15)):
        body[draw(st.sampled_from(["customerId", "Lines", "lines ", "x"]))] = draw(ODD_VALUES)
    if draw(st.booleans()):
        body = dict(reversed(list(body.items())))
    return draw(now_and_then(st.just(body), st.one_of(st.just([body]), ODD_VALUES), 30))


def test_whatever_plain_order_takes_the_view_takes_alike() -> None:
    taken: list[Any] = []

    @examples(max_examples=200, deadline=None, database=None)
    @given(near_bodies())
    def check(body: Any) -> None:
        plain = plain_order(body)
        if plain is not None:
            taken.append(body)
            assert view_reading(body) == plain, body

    check()
    # Not vacuous: a fair share of the bodies are plain (some with an upper-case id, a
    # string at its limit, 100 lines), and so were compared.
    assert len(taken) >= 10


@examples(max_examples=100, deadline=None)
@given(valid_bodies())
def test_plain_order_takes_the_ordinary_valid_bodies(body: dict) -> None:
    plain = plain_order(body)

    assert plain is not None, body
    assert view_reading(body) == plain
    lines, address = plain
    assert [str(line.product_id) for line in lines] == [line["productId"] for line in body["lines"]]
    assert address.line2 == body["shippingAddress"].get("line2", "")


@pytest.mark.parametrize(
    "body",
    [
        PLAIN,
        body_of(R.upper()),
        body_of(P, line2=""),
        body_of(P, name="x" * 200, city="y" * 100, postalCode="z" * 20),
        body_of(*[str(uuid.UUID(int=n + 1)) for n in range(100)]),
    ],
)
def test_plain_order_takes_bodies_at_the_limits(body: dict) -> None:
    assert plain_order(body) is not None
    assert view_reading(body) == plain_order(body)


def test_plain_order_declines_what_the_view_would_trim_or_refuse() -> None:
    for body in (
        body_of(R, R.upper()), body_of(P, country="us"), body_of(P, name=" x"),
        {**PLAIN, "lines": [{"productId": P, "quantity": True}]}, body_of(P, city="\x00"),
        body_of(P.replace("-", "")), [PLAIN], {**PLAIN, "x": 1},
    ):  # fmt: skip
        assert plain_order(body) is None, body


ODD_WORDS = ["", " ", " x", "x ", "\tx", "x\n", "\x00", "a\x00b", "\u200b", "\xa0x", "\ud800",
             "x\ud83d", "\x1f", "\u2028", "x\u3000", "\x85x", "é", "\U0001f600", None, 1, 1.5,
             True, [], {}, ["x"]]  # fmt: skip


def single_faults() -> list[tuple[str, Any]]:
    """PLAIN with one thing changed, for every part and every odd value of it."""
    faults: list[tuple[str, Any]] = []
    for name, limit in LIMITS.items():
        for value in [*ODD_WORDS, "x" * (limit - 1), "x" * limit, "x" * (limit + 1),
                      "\U0001f600" * limit, "\U0001f600" * (limit + 1)]:  # fmt: skip
            faults.append((f"{name}={value!r}", body_of(P, **{name: value})))
    for value in [*ODD_WORDS, "us", "Us", "XX", "USA", "U", " US", "US ", "\uff35\uff33"]:
        faults.append((f"country={value!r}", body_of(P, country=value)))
    for name in [*LIMITS, "country"]:
        address = {**HOME, "line2": "x"}
        del address[name]
        faults.append((f"no {name}", {**PLAIN, "shippingAddress": address}))
        faults.append(
            (f"{name} renamed", {**PLAIN, "shippingAddress": {**address, name.upper(): "x"}})
        )
    for value in [0, -1, 1, 1000, 1001, 10**30, True, False, 1.0, "1", None, [1]]:
        faults.append(
            (f"quantity={value!r}", {**PLAIN, "lines": [{"productId": P, "quantity": value}]})
        )
    for value in [R.upper(), R.swapcase(), R.replace("-", ""), "{" + R + "}", "urn:uuid:" + R,
                  R[:-1], R + "0", " " + R, R + " ", R.replace("-", "_"), 1, None, []]:  # fmt: skip
        faults.append((f"productId={value!r}", body_of(value)))
    for copy in (R, R.upper(), R.swapcase()):
        faults.append((f"{R} then {copy}", body_of(R, copy)))
    for count in (0, 1, 99, 100, 101):
        lines = [{"productId": str(uuid.UUID(int=n + 1)), "quantity": 1} for n in range(count)]
        faults.append((f"{count} lines", {**PLAIN, "lines": lines}))
    for extra in ("customerId", "Lines", "lines ", ""):
        faults.append((f"extra {extra!r}", {**PLAIN, extra: P}))
    faults += [
        (
            "a line with a price",
            {**PLAIN, "lines": [{"productId": P, "quantity": 1, "price": "1"}]},
        ),
        ("a line without quantity", {**PLAIN, "lines": [{"productId": P}]}),
        ("lines an object", {**PLAIN, "lines": {"productId": P, "quantity": 1}}),
        ("lines a line", {**PLAIN, "lines": [[P, 1]]}),
        ("no lines key", {"shippingAddress": HOME}),
        ("address a list", {**PLAIN, "shippingAddress": [HOME]}),
        ("a list", [PLAIN]),
        ("null", None),
    ]
    return faults


def test_plain_order_agrees_with_the_view_on_every_single_fault() -> None:
    taken = []
    for name, body in single_faults():
        plain = plain_order(body)
        if plain is not None:
            taken.append(name)
            assert view_reading(body) == plain, name
    # It takes the plain ones among them, and declines the rest.
    assert len(taken) >= 20, taken
    assert "country='us'" not in taken and "quantity=True" not in taken
