"""The order page's actions: each submits one command as the staff user, and the page
reports the command and its outcome. A form with missing input submits nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.sales.models import OrderDetail, OrderSummary
from tests.admin.support import (
    action_url,
    client_for,
    commands_by,
    make_user,
    messages_of,
    order_in,
    settle,
)

pytestmark = pytest.mark.django_db


def act(user: object, placed: object, slug: str, data: dict) -> object:
    return client_for(user).post(
        action_url("ordersummary", placed.order_id, slug), data, follow=True
    )


def test_support_cancels_an_order_with_a_reason(quick_outcomes: None) -> None:
    placed = order_in("invoiced")
    support = make_user("support")

    response = act(support, placed, "cancel", {"reason": "customer called"})

    [command] = commands_by(support)
    assert (command.service_name, command.operation, command.stream_id) == (
        "sales", "CancelOrder", placed.order_id
    )  # fmt: skip
    assert (command.payload["reason"], command.payload["by"]) == ("customer called", "staff")
    [message] = messages_of(response)
    assert message.startswith("Submitted sales.CancelOrder") and "still pending" in message
    settle()
    assert OrderSummary.objects.get(pk=placed.order_id).status == "cancelled"
    detail = OrderDetail.objects.get(pk=placed.order_id)
    assert (detail.cancelled_by, detail.cancel_reason) == ("staff", "customer called")


def test_finance_registers_a_payment_against_the_orders_invoice(quick_outcomes: None) -> None:
    placed = order_in("invoiced")
    finance = make_user("finance")

    act(finance, placed, "pay", {"amount": "50.00", "reference": "bank-77"})

    [command] = commands_by(finance)
    assert (command.service_name, command.operation, command.stream_id) == (
        "invoicing", "RegisterPayment", placed.invoice_id
    )  # fmt: skip
    assert (command.payload["amount"], command.payload["reference"]) == ("50.00", "bank-77")
    settle()
    assert OrderSummary.objects.get(pk=placed.order_id).status == "paid"


def test_warehouse_dispatches_then_confirms_delivery(quick_outcomes: None) -> None:
    placed = order_in("paid")
    warehouse = make_user("warehouse")

    act(warehouse, placed, "dispatch", {"carrier": "UPS", "tracking_number": "1Z999"})
    settle()
    act(warehouse, placed, "deliver", {})
    settle()

    dispatch, deliver = commands_by(warehouse)
    assert (dispatch.operation, dispatch.stream_id, dispatch.payload["carrier"]) == (
        "DispatchShipment", placed.shipment_id, "UPS"
    )  # fmt: skip
    assert (deliver.operation, deliver.stream_id) == ("ConfirmDelivery", placed.shipment_id)
    assert OrderSummary.objects.get(pk=placed.order_id).status == "delivered"
    assert OrderDetail.objects.get(pk=placed.order_id).tracking_number == "1Z999"


def test_a_superuser_does_every_action(quick_outcomes: None) -> None:
    placed = order_in("invoiced")
    root = make_user(superuser=True)

    act(root, placed, "pay", {"amount": "50.00", "reference": "r-1"})
    settle()
    act(root, placed, "dispatch", {"carrier": "DHL", "tracking_number": "T"})
    settle()
    act(root, placed, "deliver", {})
    other = order_in("invoiced")
    act(root, other, "cancel", {"reason": "duplicate"})
    settle()

    assert [c.operation for c in commands_by(root)] == [
        "RegisterPayment", "DispatchShipment", "ConfirmDelivery", "CancelOrder"
    ]  # fmt: skip
    assert all(c.status == "done" for c in commands_by(root))
    statuses = OrderSummary.objects.filter(pk__in=[placed.order_id, other.order_id])
    assert dict(statuses.values_list("pk", "status")) == {
        placed.order_id: "delivered", other.order_id: "cancelled"
    }  # fmt: skip


def test_the_action_page_shows_its_form() -> None:
    placed = order_in("paid")

    page = client_for(make_user("warehouse")).get(
        action_url("ordersummary", placed.order_id, "dispatch")
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="carrier"' in html and 'name="tracking_number"' in html
    assert 'value="Dispatch shipment"' in html


def test_a_form_missing_input_submits_nothing() -> None:
    placed = order_in("paid")
    warehouse = make_user("warehouse")

    response = act(warehouse, placed, "dispatch", {"carrier": "DHL", "tracking_number": ""})

    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert commands_by(warehouse) == []


def test_a_payment_amount_that_is_not_a_number_submits_nothing() -> None:
    placed = order_in("invoiced")
    finance = make_user("finance")

    act(finance, placed, "pay", {"amount": "lots", "reference": "x"})

    assert commands_by(finance) == []
    assert OrderDetail.objects.get(pk=placed.order_id).invoice_paid_amount == Decimal("0.00")
