"""The public catalogue: each internal event becomes exactly these public events, and
the body and signature are what a Standard Webhooks receiver expects."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from contexts.integrations import catalogue, signing
from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from contexts.shared.values import Address
from contexts.shipping import domain as shipping
from eventstore.store import Metadata, RecordedEvent

AT = dt.datetime(2026, 3, 1, 10, 30, tzinfo=dt.UTC)
ORDER, CUSTOMER, INVOICE, SHIPMENT = (uuid.UUID(int=n) for n in (1, 2, 3, 4))
PRODUCT, VENDOR = uuid.UUID(int=5), uuid.UUID(int=6)
HOME = Address("Ada", "1 Main St", "London", "N1", "GB")


def recorded(type_: str, data: object, position: int = 7) -> RecordedEvent:
    return RecordedEvent(position, ORDER, "x", 1, type_, data, Metadata("test"), AT)


def public(type_: str, data: object) -> list[tuple[str, uuid.UUID, dict]]:
    event = recorded(type_, data)
    return [(p.type, p.ordering_key, json.loads(catalogue.body(p, event))["data"])
            for p in catalogue.translate(event)]  # fmt: skip


def test_an_order_placed_is_order_placed_then_one_item_purchased_per_line() -> None:
    line = sales.OrderLine(PRODUCT, VENDOR, "Kettle", Decimal("30.00"), 2, Decimal("60.00"))
    placed = sales.OrderPlaced(ORDER, CUSTOMER, (line,), Decimal("60.00"), HOME, AT)

    assert public("sales.OrderPlaced", placed) == [
        ("order.placed", ORDER, {
            "orderId": str(ORDER), "customerId": str(CUSTOMER), "total": "60.00",
            "currency": "EUR", "itemCount": 2, "placedAt": "2026-03-01T10:30:00Z",
        }),
        ("item.purchased", ORDER, {
            "orderId": str(ORDER), "customerId": str(CUSTOMER), "productId": str(PRODUCT),
            "vendorId": str(VENDOR), "name": "Kettle", "quantity": 2, "unitPrice": "30.00",
            "currency": "EUR", "purchasedAt": "2026-03-01T10:30:00Z",
        }),
    ]  # fmt: skip


def test_every_amount_goes_out_in_the_shop_s_currency(settings: Any) -> None:
    settings.SHOP_CURRENCY = "USD"
    line = sales.OrderLine(PRODUCT, VENDOR, "Kettle", Decimal("30.00"), 1, Decimal("30.00"))
    placed = sales.OrderPlaced(ORDER, CUSTOMER, (line,), Decimal("30.00"), HOME, AT)
    issued = invoicing.InvoiceIssued(INVOICE, ORDER, CUSTOMER, (), Decimal("30.00"), AT, AT)

    bodies = public("sales.OrderPlaced", placed) + public("invoicing.InvoiceIssued", issued)

    assert [(type_, data["currency"]) for type_, _, data in bodies] == [
        ("order.placed", "USD"), ("item.purchased", "USD"), ("invoice.issued", "USD")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("type_", "data", "expected"),
    [
        ("sales.OrderPaid", sales.OrderPaid(ORDER, INVOICE, AT),
         ("order.paid", {"orderId": str(ORDER), "invoiceId": str(INVOICE),
                         "paidAt": "2026-03-01T10:30:00Z"})),
        ("sales.OrderShipped", sales.OrderShipped(ORDER, SHIPMENT, "DHL", "JD1", AT),
         ("order.shipped", {"orderId": str(ORDER), "shipmentId": str(SHIPMENT), "carrier": "DHL",
                            "trackingNumber": "JD1", "shippedAt": "2026-03-01T10:30:00Z"})),
        ("sales.OrderDelivered", sales.OrderDelivered(ORDER, SHIPMENT, AT),
         ("order.delivered", {"orderId": str(ORDER), "shipmentId": str(SHIPMENT),
                              "deliveredAt": "2026-03-01T10:30:00Z"})),
        ("sales.OrderCancelled", sales.OrderCancelled(ORDER, "changed my mind", "customer", AT),
         ("order.cancelled", {"orderId": str(ORDER), "reason": "changed my mind",
                              "cancelledBy": "customer", "wasPaid": False,
                              "cancelledAt": "2026-03-01T10:30:00Z"})),
        ("invoicing.InvoiceIssued",
         invoicing.InvoiceIssued(INVOICE, ORDER, CUSTOMER, (), Decimal("9.50"), AT, AT),
         ("invoice.issued", {"invoiceId": str(INVOICE), "orderId": str(ORDER),
                             "customerId": str(CUSTOMER), "amount": "9.50",
                             "currency": "EUR", "issuedAt": "2026-03-01T10:30:00Z",
                             "dueAt": "2026-03-01T10:30:00Z"})),
        ("invoicing.InvoiceOverdue", invoicing.InvoiceOverdue(INVOICE, ORDER, AT),
         ("invoice.overdue", {"invoiceId": str(INVOICE), "orderId": str(ORDER),
                              "overdueAt": "2026-03-01T10:30:00Z"})),
        ("shipping.ShipmentDispatched",
         shipping.ShipmentDispatched(SHIPMENT, ORDER, "UPS", "1Z", AT),
         ("shipment.dispatched", {"shipmentId": str(SHIPMENT), "orderId": str(ORDER),
                                  "carrier": "UPS", "trackingNumber": "1Z",
                                  "dispatchedAt": "2026-03-01T10:30:00Z"})),
    ],
)  # fmt: skip
def test_each_internal_event_makes_its_public_event(type_: str, data: object, expected) -> None:
    assert public(type_, data) == [(expected[0], ORDER, expected[1])]


def test_internal_events_outside_the_catalogue_make_none() -> None:
    assert public("invoicing.PaymentReceived", object()) == []
    assert public("sales.OrderInvoiced", object()) == []


def test_the_catalogue_covers_every_public_type_and_nothing_else() -> None:
    line = sales.OrderLine(PRODUCT, VENDOR, "Kettle", Decimal("30.00"), 1, Decimal("30.00"))
    made = {
        "sales.OrderPlaced": sales.OrderPlaced(ORDER, CUSTOMER, (line,), Decimal("30"), HOME, AT),
        "sales.OrderPaid": sales.OrderPaid(ORDER, INVOICE, AT),
        "sales.OrderShipped": sales.OrderShipped(ORDER, SHIPMENT, "DHL", "1", AT),
        "sales.OrderDelivered": sales.OrderDelivered(ORDER, SHIPMENT, AT),
        "sales.OrderCancelled": sales.OrderCancelled(ORDER, "r", "staff", AT),
        "invoicing.InvoiceIssued": invoicing.InvoiceIssued(INVOICE, ORDER, CUSTOMER, (),
                                                           Decimal("1"), AT, AT),
        "invoicing.InvoiceOverdue": invoicing.InvoiceOverdue(INVOICE, ORDER, AT),
        "shipping.ShipmentDispatched": shipping.ShipmentDispatched(SHIPMENT, ORDER, "D", "1", AT),
    }  # fmt: skip
    assert set(made) == set(catalogue.TRANSLATIONS)
    types = {p.type for t, data in made.items() for p in catalogue.translate(recorded(t, data))}
    assert types == set(catalogue.PUBLIC_TYPES)


def test_the_body_is_type_timestamp_and_data_and_the_delivery_id_is_stable() -> None:
    event = recorded("sales.OrderPaid", sales.OrderPaid(ORDER, INVOICE, AT), position=41)
    [paid] = catalogue.translate(event)
    endpoint = uuid.uuid4()

    body = json.loads(catalogue.body(paid, event))

    assert list(body) == ["type", "timestamp", "data"]
    assert (body["type"], body["timestamp"]) == ("order.paid", "2026-03-01T10:30:00Z")
    assert catalogue.delivery_id(endpoint, 41, 0) == catalogue.delivery_id(endpoint, 41, 0)
    assert catalogue.delivery_id(endpoint, 41, 0) != catalogue.delivery_id(endpoint, 41, 1)
    assert catalogue.delivery_id(endpoint, 41, 0) != catalogue.delivery_id(uuid.uuid4(), 41, 0)


def test_signatures_verify_with_the_standardwebhooks_package_and_after_rotation() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"type":"order.paid"}'
    now = int(dt.datetime.now(dt.UTC).timestamp())

    current = signing.headers([new], "msg_1", now, body)
    rotated = signing.headers([new, old], "msg_1", now, body)

    assert Webhook(new).verify(body, current) == {"type": "order.paid"}
    assert Webhook(old).verify(body, rotated) == {"type": "order.paid"}
    assert Webhook(new).verify(body, rotated) == {"type": "order.paid"}
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, current)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", current)
    assert current["webhook-signature"].startswith("v1,")
