"""An order's wire shape has one definition, `contexts.sales.order_serializers`: the page
the baker stores, the feed's summary, the API's answers and the OpenAPI schema all come
from it, and the schema's objects have exactly the fields their documents carry.

No database: pages are unsaved rows.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from drf_spectacular.settings import spectacular_settings

from contexts.sales.feed import order_message
from contexts.sales.models import OrderDetail, OrderLine, OrderSummary, OrderTimelineEntry
from contexts.sales.order_serializers import render_detail, served, summary_data
from contexts.sales.queries import OrderPage
from eventstore.store import RecordedEvent

ORDER = uuid.UUID("8f1c2d3e-0000-4000-8000-000000000001")
PLACED = dt.datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
PLACED_DATA = {"order_id": str(ORDER), "lines": [{"unit_price": "9.99", "product_id": "x"}]}
ACTORS = ("customer:7", "staff:2", "receptor:sales.checkout", "system:seed", "staff")


def page(
    *,
    status: str = "placed",
    invoice: bool = False,
    shipment: str = "",
    names: tuple[str, ...] = ("Chair",),
    price: Decimal = Decimal("9.99"),
    when: dt.datetime = PLACED,
    data: dict | None = None,
) -> OrderPage:
    lines = [
        OrderLine(
            order_id=ORDER, number=n, product_id=uuid.uuid4(), vendor_id=uuid.uuid4(),
            name=name, unit_price=price, quantity=n, line_total=price * n,
        )
        for n, name in enumerate(names, start=1)
    ]  # fmt: skip
    summary = OrderSummary(
        order_id=ORDER, customer_id=uuid.uuid4(), status=status,
        total=sum((line.line_total for line in lines), Decimal("0.00")),
        item_count=sum(line.quantity for line in lines), placed_at=when,
        updated_at=when + dt.timedelta(seconds=5), version=3,
    )  # fmt: skip
    detail = OrderDetail(
        order_id=ORDER, cart_id=None, ship_to_name="Zoë Ünal", ship_to_line1="1 Main St",
        ship_to_line2="", ship_to_city="Utrecht", ship_to_postal_code="1234 AB",
        ship_to_country="NL",
    )  # fmt: skip
    if invoice:
        detail.invoice_id, detail.invoice_status = uuid.uuid4(), "paid"
        detail.invoice_amount, detail.invoice_paid_amount = summary.total, Decimal("5")
        detail.invoice_due_at = when + dt.timedelta(days=14)
    if shipment:
        detail.shipment_id, detail.shipment_status = uuid.uuid4(), shipment
        if shipment != "awaiting_dispatch":
            detail.carrier, detail.tracking_number = "DHL", "TRACK-1"
    timeline = [
        OrderTimelineEntry(
            position=10 + n, order_id=ORDER, type="sales.OrderPlaced", occurred_at=when,
            actor=actor, data=PLACED_DATA if data is None else data,
        )
        for n, actor in enumerate(ACTORS)
    ]  # fmt: skip
    return OrderPage(summary=summary, detail=detail, lines=lines, timeline=timeline)


@pytest.fixture(scope="module")
def schemas() -> dict[str, dict]:
    """The OpenAPI document's components, as drf-spectacular generates them."""
    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    return generator.get_schema(request=None, public=True)["components"]["schemas"]


def properties(schemas: dict[str, dict], name: str) -> list[str]:
    return list(schemas[name]["properties"])


def nullable(schemas: dict[str, dict], name: str) -> set[str]:
    return {key for key, field in schemas[name]["properties"].items() if field.get("nullable")}


def test_the_schema_s_order_is_the_served_page_field_for_field(schemas: dict) -> None:
    sent = served(render_detail(page(invoice=True, shipment="dispatched")))

    assert properties(schemas, "OrderDetail") == list(sent)
    assert properties(schemas, "OrderLine") == list(sent["lines"][0])
    assert properties(schemas, "Address") == list(sent["shippingAddress"])
    assert properties(schemas, "OrderInvoice") == list(sent["invoice"])
    assert properties(schemas, "OrderShipment") == list(sent["shipment"])
    assert properties(schemas, "TimelineEntry") == list(sent["timeline"][0])


def test_the_schema_s_order_summary_is_the_feed_s_and_the_page_s_first_fields(
    schemas: dict,
) -> None:
    order = page(status="paid", invoice=True)
    event = RecordedEvent(12, ORDER, "sales.Order", 3, "sales.OrderPaid", None, {}, PLACED)
    stored = json.loads(render_detail(order))

    fed = order_message(event, order.summary)["order"]

    assert fed == summary_data(order.summary)
    assert fed == {key: stored[key] for key in fed}
    assert list(fed) == list(stored)[: len(fed)]
    assert properties(schemas, "OrderSummary") == list(served(fed))
    assert properties(schemas, "OrderDetail")[: len(served(fed))] == list(served(fed))


def test_what_the_schema_says_may_be_null_is_null_until_reported_and_nothing_else(
    schemas: dict,
) -> None:
    new = json.loads(render_detail(page()))
    awaiting = json.loads(render_detail(page(invoice=True, shipment="awaiting_dispatch")))

    assert nullable(schemas, "OrderDetail") == {"invoice", "shipment"}
    assert {key for key, value in new.items() if value is None} == {"invoice", "shipment"}
    assert nullable(schemas, "OrderShipment") == {"carrier", "trackingNumber"}
    assert awaiting["shipment"] == {
        "shipmentId": awaiting["shipment"]["shipmentId"], "status": "awaiting_dispatch",
        "carrier": None, "trackingNumber": None,
    }  # fmt: skip
    assert None not in awaiting["invoice"].values()
    assert nullable(schemas, "OrderSummary") == nullable(schemas, "OrderInvoice") == set()


def test_the_stored_page_holds_no_currency_and_is_served_with_the_setting_s(
    settings: Any,
) -> None:
    stored = render_detail(page(invoice=True))
    settings.SHOP_CURRENCY = "USD"

    sent = served(stored)

    assert "currency" not in json.loads(stored)
    assert list(sent)[3:6] == ["total", "currency", "itemCount"]
    assert (sent["total"], sent["currency"]) == ("9.99", "USD")
    assert sent["invoice"] == json.loads(stored)["invoice"]


def test_a_page_reads_as_its_customer_may_read_it() -> None:
    order = page(data={"order_id": "x", "shipping_address": {"postal_code": "1234 AB"}})

    stored = json.loads(render_detail(order))

    assert stored["shippingAddress"] == {
        "name": "Zoë Ünal", "line1": "1 Main St", "line2": "", "city": "Utrecht",
        "postalCode": "1234 AB", "country": "NL",
    }  # fmt: skip
    assert [entry["actor"] for entry in stored["timeline"]] == [
        "customer", "staff", "system", "system", "staff"
    ]  # fmt: skip
    assert stored["timeline"][0]["data"] == {
        "orderId": "x", "shippingAddress": {"postalCode": "1234 AB"}
    }  # fmt: skip


def test_times_are_in_utc_and_amounts_have_two_places() -> None:
    elsewhere = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

    stored = json.loads(render_detail(page(when=elsewhere, price=Decimal("12"), invoice=True)))

    assert stored["placedAt"] == "2026-07-02T04:30:00Z"
    assert stored["updatedAt"] == "2026-07-02T04:30:05Z"
    assert (stored["total"], stored["lines"][0]["unitPrice"]) == ("12.00", "12.00")
    assert stored["invoice"]["dueAt"] == "2026-07-16T04:30:00Z"
    assert stored["timeline"][0]["occurredAt"] == "2026-07-02T04:30:00Z"


def test_a_page_rendered_on_top_of_its_stored_page_equals_one_rendered_whole() -> None:
    whole = page(status="invoiced", invoice=True, names=("A", "B"))
    first = OrderPage(
        summary=whole.summary, detail=whole.detail, lines=whole.lines, timeline=whole.timeline[:2]
    )
    later = OrderPage(
        summary=whole.summary, detail=whole.detail, lines=[], timeline=whole.timeline[2:]
    )

    spliced = render_detail(later, before=render_detail(first))

    assert spliced == render_detail(whole)
    assert len(json.loads(spliced)["timeline"]) == 5


def test_line_and_paragraph_separators_are_escaped_as_the_api_s_renderer_does() -> None:
    stored = render_detail(page(names=("\u2028", "a\u2029b")))

    assert "\\u2028" in stored and "\\u2029" in stored
    assert "\u2028" not in stored and "\u2029" not in stored
    assert [line["name"] for line in json.loads(stored)["lines"]] == ["\u2028", "a\u2029b"]
