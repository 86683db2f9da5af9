"""Request ids (shop/request_ids.py): the answer returns the id a request came with, or
a new one for an implausible or missing id, and every line of the request, or of a
websocket, carries it."""

from __future__ import annotations

import logging
import uuid

import pytest

from shop.request_ids import WebsocketRequestId
from tests.log_lines import LogLines, log_lines  # noqa: F401  the fixture

NOT_FOUND = "/nowhere-at-all"


def test_a_request_with_an_x_request_id_gets_it_back_and_its_lines_carry_it(
    client,
    log_lines: LogLines,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "shop.access")  # SHOP_ACCESS_LOG=1

    response = client.get(NOT_FOUND, headers={"X-Request-ID": "checkout-42"})

    assert (response.status_code, response["X-Request-ID"]) == (404, "checkout-42")
    lines = log_lines.carrying(request_id="checkout-42")
    assert isinstance(lines[0].pop("duration_ms"), float)
    assert lines == [
        {"event": f"GET {NOT_FOUND} 404", "level": "info", "logger": "shop.access",
         "request_id": "checkout-42"},
        {"event": f"Not Found: {NOT_FOUND}", "level": "warning", "logger": "django.request",
         "request_id": "checkout-42", "status_code": 404},
    ]  # fmt: skip


def test_a_request_id_that_is_a_uuid_is_also_the_correlation_id(
    client,
    log_lines: LogLines,  # noqa: F811
) -> None:
    given = "0D4C1F3E-8F3B-4A38-9C1C-1B1F5B8A2A11"

    response = client.get(NOT_FOUND, headers={"X-Request-ID": given})

    assert response["X-Request-ID"] == given
    [line] = log_lines.carrying(request_id=given)
    assert line["correlation_id"] == given.lower()


@pytest.mark.parametrize(
    "given", ["", "has space", "x" * 129, "<script>", "a/b"],
    ids=["empty", "space", "too-long", "markup", "slash"],
)  # fmt: skip
def test_an_implausible_request_id_is_replaced_by_a_new_one(
    client,
    log_lines: LogLines,  # noqa: F811
    given: str,
) -> None:
    response = client.get(NOT_FOUND, headers={"X-Request-ID": given})

    made = response["X-Request-ID"]
    assert uuid.UUID(made).version == 4
    assert log_lines.carrying(request_id=given) == []
    assert [line["event"] for line in log_lines.carrying(request_id=made)] == [
        f"Not Found: {NOT_FOUND}"
    ]


def test_a_request_without_an_id_gets_a_new_one_each(client) -> None:
    first, second = client.get(NOT_FOUND), client.get(NOT_FOUND)

    assert uuid.UUID(first["X-Request-ID"]) != uuid.UUID(second["X-Request-ID"])


def test_a_requests_context_ends_with_it(client, log_lines: LogLines) -> None:  # noqa: F811
    client.get(NOT_FOUND, headers={"X-Request-ID": "first"})

    logging.getLogger("shop.test").warning("after the request")

    [after] = [line for line in log_lines.all() if line["event"] == "after the request"]
    assert after == {"event": "after the request", "level": "warning", "logger": "shop.test"}


async def test_a_websockets_lines_carry_its_request_id(log_lines: LogLines) -> None:  # noqa: F811
    async def consumer(scope: dict, receive: object, send: object) -> None:
        logging.getLogger("shop.test").warning("socket open")

    scope = {"type": "websocket", "headers": [(b"x-request-id", b"board-7")]}
    await WebsocketRequestId(consumer)(scope, None, None)

    assert log_lines.carrying(event="socket open") == [
        {"event": "socket open", "level": "warning", "logger": "shop.test", "request_id": "board-7"}
    ]
