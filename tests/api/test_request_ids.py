"""A write's request id is its command's correlation id (shop/request_ids.py): the id a
client or proxy sent when it is a UUID, else the one the server made, else (an id that
is not a UUID) the command's own, and the request's lines name the command."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import pytest

from eventstore.models import Command
from tests.api.conftest import People
from tests.log_lines import LogLines, log_lines  # noqa: F401  the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_teapot(people: People, create_product: Callable[..., str]) -> Callable[..., object]:
    """Alice adds a teapot to a new cart, with these headers: the 202 answer."""
    teapot = create_product()

    def add(**headers: str) -> object:
        response = people.alice.post(
            f"/api/cart/{uuid.uuid4()}", {"productId": teapot, "quantity": 1}, headers=headers
        )
        assert response.status_code == 202, response.content
        return response

    return add


def test_a_request_id_that_is_a_uuid_is_its_commands_correlation_id(
    add_teapot: Callable[..., object],
    log_lines: LogLines,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "shop.access")  # SHOP_ACCESS_LOG=1
    request_id = str(uuid.uuid4())

    response = add_teapot(**{"X-Request-ID": request_id})

    command_id = response.json()["commandId"]
    command = Command.objects.get(pk=command_id)
    assert (response["X-Request-ID"], str(command.correlation_id)) == (request_id, request_id)
    [access] = log_lines.carrying(logger="shop.access", request_id=request_id)
    assert (access["correlation_id"], access["command_id"]) == (request_id, command_id)


def test_a_made_request_id_is_its_commands_correlation_id(
    add_teapot: Callable[..., object],
) -> None:
    response = add_teapot()

    command = Command.objects.get(pk=response.json()["commandId"])
    assert str(command.correlation_id) == response["X-Request-ID"]


def test_a_request_id_that_is_no_uuid_leaves_the_command_its_own_correlation_id(
    add_teapot: Callable[..., object],
    log_lines: LogLines,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "shop.access")

    response = add_teapot(**{"X-Request-ID": "checkout-42"})

    command_id = response.json()["commandId"]
    command = Command.objects.get(pk=command_id)
    assert (response["X-Request-ID"], str(command.correlation_id)) == ("checkout-42", command_id)
    [access] = log_lines.carrying(logger="shop.access", request_id="checkout-42")
    assert (access["command_id"], "correlation_id" in access) == (command_id, False)
