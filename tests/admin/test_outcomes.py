"""With a real Celery worker, an action's page reports what became of its command:
done (and the order page already shows it), or rejected with the domain's reason."""

from __future__ import annotations

import pytest

from tests.admin.support import (
    action_url,
    client_for,
    commands_by,
    make_user,
    messages_of,
    pay,
    place_order,
)
from tests.integration.processes import wait_until_quiet

pytestmark = pytest.mark.integration


@pytest.fixture
def pipeline(shared_worker_and_beat) -> None:
    """A real worker, and beat's sweeper to wake subscribers that no event woke."""


def test_a_dispatch_is_reported_done_and_the_timeline_shows_it(pipeline: None) -> None:
    placed = place_order()
    wait_until_quiet()
    pay(placed, "50.00")
    wait_until_quiet()
    warehouse = make_user("warehouse")

    response = client_for(warehouse).post(
        action_url("ordersummary", placed.order_id, "dispatch"),
        {"carrier": "DHL", "tracking_number": "JD-42"},
        follow=True,
    )

    [command] = commands_by(warehouse)
    [message] = messages_of(response)
    assert message == f"Submitted shipping.DispatchShipment ({str(command.id)[:8]}): done."
    assert response.redirect_chain[-1][0] == f"/admin/sales/ordersummary/{placed.order_id}/change/"
    html = response.content.decode()
    assert f'<a href="/admin/eventstore/command/{command.id}/change/">' in html
    assert 'data-type="shipping.ShipmentDispatched"' in html


def test_a_rejected_action_is_reported_with_its_reason(pipeline: None) -> None:
    placed = place_order()
    wait_until_quiet()
    warehouse = make_user("warehouse")

    response = client_for(warehouse).post(
        action_url("ordersummary", placed.order_id, "deliver"), {}, follow=True
    )

    [command] = commands_by(warehouse)
    assert command.status == "rejected"
    [message] = messages_of(response)
    assert message == (
        f"Submitted shipping.ConfirmDelivery ({str(command.id)[:8]}): rejected: no such shipment"
    )


def test_a_second_payment_with_the_same_reference_is_rejected(pipeline: None) -> None:
    placed = place_order(price="40.00", quantity=1)
    wait_until_quiet()
    finance = client_for(make_user("finance"))
    url = action_url("ordersummary", placed.order_id, "pay")

    first = finance.post(url, {"amount": "10.00", "reference": "bank-5"}, follow=True)
    second = finance.post(url, {"amount": "10.00", "reference": "bank-5"}, follow=True)

    assert messages_of(first)[0].endswith(": done.")
    assert messages_of(second)[0].endswith(": rejected: payment 'bank-5' is already registered")
