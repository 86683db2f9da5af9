"""Shipping's reads: a customer's shipments by their order ids, staff's by status."""

from __future__ import annotations

import pytest

from contexts.shipping import queries
from contexts.shipping.domain import DispatchShipment
from eventstore.inbox import submit
from tests.contexts.shipping.orders import (
    PAID_AT,
    pay_invoice,
    place_order,
    run_shipping,
    shipment_of,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("upstream_events")]


def test_a_customer_sees_the_shipments_of_their_orders_newest_first_with_items() -> None:
    mine = [place_order(), place_order()]
    theirs = place_order()
    pay_invoice(mine[0], at=PAID_AT)
    pay_invoice(mine[1], at=PAID_AT.replace(hour=15))
    pay_invoice(theirs)
    run_shipping()

    found = list(queries.shipments(order_ids=mine))

    assert [s.order_id for s in found] == [mine[1], mine[0]]
    assert [[item.name for item in s.items.all()] for s in found] == [
        ["Desk lamp", "Mug"],
        ["Desk lamp", "Mug"],
    ]
    assert queries.shipment(shipment_of(theirs), order_ids=mine) is None
    assert queries.shipment(shipment_of(mine[0]), order_ids=mine).order_id == mine[0]


def test_staff_filter_by_status_and_find_an_orders_shipment() -> None:
    waiting, dispatched = place_order(), place_order()
    pay_invoice(waiting)
    pay_invoice(dispatched)
    run_shipping()
    submit(DispatchShipment(shipment_of(dispatched), "DHL", "JD9", PAID_AT), actor="staff")
    run_shipping()

    found = queries.shipments(status="dispatched", order_ids=[waiting, dispatched])

    assert [s.shipment_id for s in found] == [shipment_of(dispatched)]
    assert queries.shipment_of_order(waiting).status == "awaiting_dispatch"
    assert queries.shipment_of_order(place_order()) is None
