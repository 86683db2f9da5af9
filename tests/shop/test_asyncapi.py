"""`/api/asyncapi.yaml`: the live order feed's AsyncAPI 3 document says what the feed
sends. The frames a real socket receives are checked against it, and the names it lists
against the code that makes them."""

from __future__ import annotations

import inspect

import tests.live.conftest  # noqa: F401  (before channels.testing: daphne's stand-in)

# isort: split
import jsonschema
import pytest
import yaml
from channels.db import database_sync_to_async as db
from channels.testing import WebsocketCommunicator
from django.test import Client

from contexts.sales.order_serializers import ORDER_STATUSES, OrderSummarySerializer
from contexts.sales.orders_baker import OrdersBaker
from eventstore import live
from shop import websocket_guard
from shop.customers import customer_id_for
from shop.devstack.servers import UVICORN_OPTIONS
from tests.contexts.sales.test_order_feed import (
    a_product,
    connected,
    order_and_bake,
    user_with_token,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def document() -> dict:
    response = Client().get("/api/asyncapi.yaml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml"
    return yaml.safe_load(response.content)


def messages(document: dict) -> dict[str, dict]:
    """The feed's messages by name, each with its payload schema resolved."""
    schemas = document["components"]["schemas"]
    found = {}
    for message in document["components"]["messages"].values():
        name = message["payload"]["$ref"].rpartition("/")[2]
        found[message["name"]] = schemas[name]
    return found


def validator(document: dict, name: str) -> jsonschema.Draft7Validator:
    [ref] = [
        message["payload"]["$ref"]
        for message in document["components"]["messages"].values()
        if message["name"] == name
    ]
    return jsonschema.Draft7Validator({"$ref": ref, "components": document["components"]})


def test_the_document_is_asyncapi_3_describing_the_feed(document: dict) -> None:
    assert str(document["asyncapi"]).startswith("3.")
    [channel] = document["channels"].values()
    assert channel["address"] == "/ws/order-events"
    [operation] = document["operations"].values()
    assert operation["action"] == "send"
    assert {m["$ref"].rpartition("/")[2] for m in operation["messages"]} == set(channel["messages"])
    for name, payload in messages(document).items():
        assert payload["properties"]["type"] == {"const": name}


def test_the_swagger_page_links_to_it() -> None:
    schema = yaml.safe_load(Client().get("/api/schema/").content)

    assert "(/api/asyncapi.yaml)" in schema["info"]["description"]


def test_other_methods_are_refused_as_problems() -> None:
    response = Client().post("/api/asyncapi.yaml")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "GET, HEAD"


def test_the_close_codes_are_those_the_feed_uses(document: dict) -> None:
    """Every close code in the feed's modules (and uvicorn's for an oversized frame)."""
    in_code = {
        value
        for module in (live, websocket_guard)
        for _, value in inspect.getmembers(module, lambda v: isinstance(v, int))
        if 1000 <= value <= 4999
    }
    if "--ws-max-size" in UVICORN_OPTIONS:
        in_code.add(1009)  # Message Too Big, from uvicorn

    [channel] = document["channels"].values()
    assert set(channel["x-close-codes"]) == in_code


def test_the_events_and_statuses_are_those_the_baker_writes(document: dict) -> None:
    order_event = messages(document)["order.event"]
    summary = document["components"]["schemas"]["OrderSummary"]

    assert set(order_event["properties"]["event"]["enum"]) == set(OrdersBaker.event_types)
    assert summary["properties"]["status"]["enum"] == ORDER_STATUSES


def test_the_order_summary_is_the_api_s_and_staff_s_copies_name_the_customer(
    document: dict,
) -> None:
    """The document's copy of the summary, field for field: the definition's, and
    `customerName`, which staff's copies add as they are sent."""
    summary = document["components"]["schemas"]["OrderSummary"]
    defined = list(OrderSummarySerializer().fields)

    assert list(summary["properties"]) == [*defined, "customerName"]
    assert summary["required"] == defined
    assert summary["additionalProperties"] is False


async def frames_until_each_type(socket: WebsocketCommunicator) -> list[dict]:
    """What the socket receives until it has had a frame of each type (50 at most)."""
    frames = [await socket.receive_json_from(timeout=5)]
    while len({frame["type"] for frame in frames}) < 2 and len(frames) < 50:
        frames.append(await socket.receive_json_from(timeout=5))
    await socket.disconnect()
    return frames


async def test_what_a_socket_receives_is_what_the_document_says(
    document: dict, committed_db: None, settings
) -> None:
    """A customer's frames and staff's, which also name the customer, both fit it."""
    settings.SHOP_WS_HEARTBEAT_SECONDS = 0.2
    (customer, token), (_, staff_token) = (
        await db(user_with_token)(),
        await db(user_with_token)(True),
    )
    product = await db(a_product)()
    socket, staff_socket = await connected(token), await connected(staff_token)

    await db(order_and_bake)(customer_id_for(customer), product)
    frames = await frames_until_each_type(socket)
    staff_frames = await frames_until_each_type(staff_socket)

    for received in (frames, staff_frames):
        assert {frame["type"] for frame in received} == set(messages(document))
        assert [f["type"] for f in received].count("order.event") == 1
        for frame in received:
            validator(document, frame["type"]).validate(frame)
    [order] = [f["order"] for f in frames if f["type"] == "order.event"]
    [staff_order] = [f["order"] for f in staff_frames if f["type"] == "order.event"]
    assert staff_order == {**order, "customerName": customer.username}
    assert order["currency"] == "EUR"
