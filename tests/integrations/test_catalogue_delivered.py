"""The whole catalogue reaches a receiver, signed: checkout, invoice, payment, shipment
and delivery of one order, and an unpaid order that goes overdue and is cancelled."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.utils import timezone

from contexts.cart import domain as cart
from contexts.integrations.models import WebhookEndpoint
from contexts.invoicing import domain as invoicing
from contexts.shared.values import derived_id
from contexts.shipping import domain as shipping
from eventstore.inbox import submit
from tests.integration.processes import wait_until_executed
from tests.integrations.conftest import (
    ADDRESS,
    STAFF,
    create_product,
    deliveries,
    place_orders,
    register,
)
from tests.integrations.receivers import verified, wait_for

DELIVERED_ORDER = [
    "order.placed", "item.purchased", "item.purchased", "invoice.issued", "order.paid",
    "shipment.dispatched", "order.shipped", "order.delivered",
]  # fmt: skip
OVERDUE_ORDER = ["order.placed", "item.purchased", "invoice.issued", "invoice.overdue",
                 "order.cancelled"]  # fmt: skip


def events_of(received: list, order_id: uuid.UUID) -> list[dict]:
    return [r.event for r in received if r.event["data"]["orderId"] == str(order_id)]


def test_checkout_to_delivery_and_an_overdue_order_reach_the_receiver_signed(
    relay, receivers
) -> None:
    relay()
    receiver = receivers()
    endpoint = register(receiver)
    kettle, kettle_vendor = create_product("Kettle", "30.00")
    cup, _ = create_product("Cup", "4.50")
    customer, cart_id, order_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    actor = f"customer:{customer}"

    submit(cart.AddItem(cart_id, customer, kettle, 2), actor=actor)
    submit(cart.AddItem(cart_id, customer, cup, 1), actor=actor)
    submit(cart.CheckOut(cart_id, customer, order_id, ADDRESS, timezone.now()), actor=actor)
    wait_for(lambda: "invoice.issued" in types_for(receiver, order_id), what="invoiced")
    invoice_id, shipment_id = derived_id("invoice", order_id), derived_id("shipment", order_id)
    pay = invoicing.RegisterPayment(invoice_id, Decimal("64.50"), "bank-1", timezone.now())
    wait_until_executed([submit(pay, actor=STAFF).command_id])
    wait_for(lambda: "order.paid" in types_for(receiver, order_id), what="paid")
    dispatch = shipping.DispatchShipment(shipment_id, "DHL", "JD0001", timezone.now())
    wait_until_executed([submit(dispatch, actor=STAFF).command_id])
    wait_for(lambda: "order.shipped" in types_for(receiver, order_id), what="shipped")
    deliver = shipping.ConfirmDelivery(shipment_id, timezone.now())
    wait_until_executed([submit(deliver, actor=STAFF).command_id])
    [unpaid] = place_orders(kettle, 1)
    wait_for(lambda: "invoice.issued" in types_for(receiver, unpaid), what="unpaid invoiced")
    expire = invoicing.ExpireInvoice(derived_id("invoice", unpaid), timezone.now())
    wait_until_executed([submit(expire, actor=STAFF).command_id])
    wait_for(lambda: len(types_for(receiver, unpaid)) == len(OVERDUE_ORDER), what="cancelled")
    wait_for(lambda: len(types_for(receiver, order_id)) == len(DELIVERED_ORDER), what="all")

    received = receiver.delivered()
    for request in received:
        assert verified(request, endpoint.secret) == request.event
    assert [e["type"] for e in events_of(received, order_id)] == DELIVERED_ORDER
    assert [e["type"] for e in events_of(received, unpaid)] == OVERDUE_ORDER
    assert {r.event["type"] for r in received} == {
        "order.placed", "item.purchased", "invoice.issued", "order.paid", "shipment.dispatched",
        "order.shipped", "order.delivered", "invoice.overdue", "order.cancelled",
    }  # fmt: skip
    placed, kettles, cups, issued, paid, dispatched, shipped, delivered = events_of(
        received, order_id
    )
    assert set(placed) == {"type", "timestamp", "data"}
    assert placed["timestamp"].endswith("Z")
    assert placed["data"] == {
        "orderId": str(order_id), "customerId": str(customer), "total": "64.50",
        "currency": "EUR", "itemCount": 3, "placedAt": placed["data"]["placedAt"],
    }  # fmt: skip
    assert kettles["data"] == {
        "orderId": str(order_id), "customerId": str(customer), "productId": str(kettle),
        "vendorId": str(kettle_vendor), "name": "Kettle", "quantity": 2, "unitPrice": "30.00",
        "currency": "EUR", "purchasedAt": placed["data"]["placedAt"],
    }  # fmt: skip
    assert (cups["data"]["name"], cups["data"]["unitPrice"]) == ("Cup", "4.50")
    assert (issued["data"]["invoiceId"], issued["data"]["amount"], issued["data"]["currency"]) == (
        str(invoice_id), "64.50", "EUR"
    )  # fmt: skip
    assert paid["data"]["invoiceId"] == str(invoice_id)
    assert (dispatched["data"]["carrier"], dispatched["data"]["trackingNumber"]) == (
        "DHL", "JD0001"
    )  # fmt: skip
    assert shipped["data"]["shipmentId"] == str(shipment_id)
    assert delivered["data"]["shipmentId"] == str(shipment_id)
    cancelled = events_of(received, unpaid)[-1]
    assert (cancelled["data"]["reason"], cancelled["data"]["cancelledBy"]) == (
        "payment deadline passed", "system"
    )  # fmt: skip
    ids = [r.message_id for r in received]
    assert len(set(ids)) == len(ids) == len(deliveries(endpoint))
    # the receiver has each request before the relay records its 2xx
    wait_for(lambda: statuses(endpoint) == {"delivered"}, what="all recorded delivered")


def types_for(receiver, order_id: uuid.UUID) -> list[str]:
    return [e["type"] for e in events_of(receiver.delivered(), order_id)]


def statuses(endpoint: WebhookEndpoint) -> set[str]:
    return {delivery.status for delivery in deliveries(endpoint)}
