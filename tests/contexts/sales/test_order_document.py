"""The order page the baker stores is the text the serializer and DRF's renderer make,
once the API has added the shop's currency as it serves it.

`render_detail` builds it directly; `OrderDetailSerializer` defines it. No database:
pages are unsaved rows.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from contexts.sales.models import OrderDetail, OrderLine, OrderSummary, OrderTimelineEntry
from contexts.sales.order_serializers import detail_data, render_detail, served
from contexts.sales.queries import OrderPage

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


def by_serializer(order: OrderPage) -> str:
    return JSONRenderer().render(detail_data(order)).decode()


def as_served(document: str) -> str:
    """A stored page as the API sends it."""
    return JSONRenderer().render(served(document)).decode()


def test_a_placed_order_renders_as_the_serializer_does() -> None:
    order = page()

    assert as_served(render_detail(order)) == by_serializer(order)
    assert json.loads(render_detail(order))["invoice"] is None


def test_the_stored_page_holds_no_currency_and_is_served_with_the_setting_s(
    settings: Any,
) -> None:
    order = page(invoice=True)
    stored = render_detail(order)
    settings.SHOP_CURRENCY = "USD"

    sent = served(stored)

    assert "currency" not in json.loads(stored)
    assert list(sent)[3:6] == ["total", "currency", "itemCount"]
    assert (sent["total"], sent["currency"]) == ("9.99", "USD")
    assert as_served(stored) == by_serializer(order)


def test_a_timeline_names_roles_never_actor_ids() -> None:
    order = page()

    timeline = json.loads(render_detail(order))["timeline"]

    assert [entry["actor"] for entry in timeline] == [
        "customer", "staff", "system", "system", "staff"
    ]  # fmt: skip
    assert as_served(render_detail(order)) == by_serializer(order)


def test_an_invoiced_shipped_order_renders_as_the_serializer_does() -> None:
    for shipment in ("awaiting_dispatch", "dispatched", "delivered", "cancelled"):
        order = page(status="shipped", invoice=True, shipment=shipment, names=("A", "B", "C"))

        assert as_served(render_detail(order)) == by_serializer(order)


def test_times_in_another_zone_and_whole_amounts_render_as_the_serializer_does() -> None:
    elsewhere = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    order = page(when=elsewhere, price=Decimal("12"), invoice=True)

    rendered = render_detail(order)

    assert as_served(rendered) == by_serializer(order)
    assert json.loads(rendered)["placedAt"] == "2026-07-02T04:30:00Z"
    assert json.loads(rendered)["total"] == "12.00"


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4).map(tuple),
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=2),
    seconds=st.integers(min_value=0, max_value=10**9),
    micros=st.integers(min_value=0, max_value=999_999),
    data=st.dictionaries(
        st.from_regex(r"[a-z]+(_[a-z]+)*", fullmatch=True),
        st.one_of(st.text(max_size=10), st.integers(), st.booleans(), st.none()),
        max_size=5,
    ),
    invoice=st.booleans(),
    shipment=st.sampled_from(["", "awaiting_dispatch", "dispatched"]),
)
def test_any_page_renders_as_the_serializer_does(
    names: tuple[str, ...], price: Decimal, seconds: int, micros: int, data: dict,
    invoice: bool, shipment: str,
) -> None:  # fmt: skip
    when = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(microsecond=micros)
    order = page(names=names, price=price, when=when, data=data, invoice=invoice,
                 shipment=shipment)  # fmt: skip

    assert as_served(render_detail(order)) == by_serializer(order)


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
    assert as_served(spliced) == by_serializer(whole)


def test_line_and_paragraph_separators_are_escaped_as_the_renderer_does() -> None:
    order = page(names=("\u2028", "a\u2029b"))

    assert as_served(render_detail(order)) == by_serializer(order)
    assert "\\u2028" in render_detail(order) and "\u2028" not in render_detail(order)
