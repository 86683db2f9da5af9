"""Orders' decisions, pure: given events, when a command, then events or a rejection."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import replace
from decimal import Decimal
from functools import reduce

import pytest

from contexts.catalog.domain import CatalogEntry
from contexts.sales.domain import (
    CancelOrder,
    Order,
    OrderCancelled,
    OrderDelivered,
    OrderInvoiced,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderRejected,
    OrderShipped,
    OrderStatus,
    PlaceOrder,
    RecordDelivery,
    RecordInvoice,
    RecordPayment,
    RecordShipment,
    RequestedLine,
    SalesError,
)
from contexts.sales.domain.order import decide, evolve
from contexts.shared.values import Address

ORDER = uuid.UUID("00000000-0000-0000-0000-0000000000d1")
ALICE = uuid.UUID("00000000-0000-0000-0000-0000000a11ce")
CART = uuid.UUID("00000000-0000-0000-0000-00000000ca01")
VENDOR = uuid.UUID("00000000-0000-0000-0000-0000000000e1")
PC = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
MOUSE = uuid.UUID("00000000-0000-0000-0000-0000000000a2")
INVOICE = uuid.UUID("00000000-0000-0000-0000-00000000001a")
SHIPMENT = uuid.UUID("00000000-0000-0000-0000-00000000005a")
AT = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
DUE = AT + dt.timedelta(days=14)
HOME = Address("Alice", "1 Main St", "Springfield", "12345", "US")

CATALOG = (
    CatalogEntry(PC, VENDOR, "awesome-desktop-pc", Decimal("3200.00"), active=True),
    CatalogEntry(MOUSE, VENDOR, "wireless-mouse", Decimal("39.90"), active=True),
)
PC_LINE = OrderLine(PC, VENDOR, "awesome-desktop-pc", Decimal("3200.00"), 1, Decimal("3200.00"))
MICE_LINE = OrderLine(MOUSE, VENDOR, "wireless-mouse", Decimal("39.90"), 3, Decimal("119.70"))
PLACED = OrderPlaced(ORDER, ALICE, (PC_LINE,), Decimal("3200.00"), HOME, AT, CART)
INVOICED = OrderInvoiced(ORDER, INVOICE, Decimal("3200.00"), DUE, AT)
PAID = OrderPaid(ORDER, INVOICE, AT)
SHIPPED = OrderShipped(ORDER, SHIPMENT, "DHL", "JD0001", AT)
DELIVERED = OrderDelivered(ORDER, SHIPMENT, AT)
HISTORY = {
    "placed": (PLACED,),
    "invoiced": (PLACED, INVOICED),
    "paid": (PLACED, INVOICED, PAID),
    "shipped": (PLACED, INVOICED, PAID, SHIPPED),
    "delivered": (PLACED, INVOICED, PAID, SHIPPED, DELIVERED),
    "cancelled": (PLACED, OrderCancelled(ORDER, "changed my mind", "customer", AT)),
}


def rejected(reason: str) -> pytest.RaisesExc:
    """Expect a rejection with exactly this reason."""
    return pytest.raises(SalesError, match=f"^{re.escape(reason)}$")


def given(*events: object) -> Order:
    return reduce(evolve, events, Order())


def place(
    *lines: tuple[uuid.UUID, int], catalog: tuple = CATALOG, cart: uuid.UUID | None = None
) -> PlaceOrder:
    """An order placed directly; with `cart`, one born of that cart's checkout."""
    requested = tuple(RequestedLine(product, quantity) for product, quantity in lines)
    return PlaceOrder(ORDER, ALICE, requested, HOME, AT, cart, catalog)


def cancel(by: str, reason: str = "changed my mind") -> CancelOrder:
    return CancelOrder(ORDER, reason, by, AT)


def test_placing_an_order_prices_its_lines_from_the_catalog() -> None:
    events = decide(given(), place((PC, 1), (MOUSE, 3), cart=CART))

    total = Decimal("3319.70")
    assert events == [OrderPlaced(ORDER, ALICE, (PC_LINE, MICE_LINE), total, HOME, AT, CART)]
    assert given(*events) == Order(OrderStatus.PLACED, ALICE, total)


def test_placing_an_existing_order_is_rejected() -> None:
    with rejected("the order already exists"):
        decide(given(PLACED), place((PC, 1)))


def test_placing_an_order_without_lines_is_rejected() -> None:
    with rejected("an order needs at least one line"):
        decide(given(), place())


def test_placing_an_order_of_an_unknown_product_is_rejected() -> None:
    with rejected(f"no product {MOUSE} in the catalog"):
        decide(given(), place((PC, 1), (MOUSE, 1), catalog=CATALOG[:1]))


def test_placing_an_order_of_a_discontinued_product_is_rejected() -> None:
    retired = CatalogEntry(PC, VENDOR, "awesome-desktop-pc", Decimal("3200.00"), active=False)

    with rejected("awesome-desktop-pc is discontinued"):
        decide(given(), place((PC, 1), catalog=(retired,)))


@pytest.mark.parametrize("quantity", [0, -1, 1001])
def test_placing_an_order_with_a_quantity_outside_1_to_1000_is_rejected(quantity: int) -> None:
    with rejected("the quantity of wireless-mouse must be between 1 and 1000"):
        decide(given(), place((MOUSE, quantity)))


RETIRED_PC = CatalogEntry(PC, VENDOR, "awesome-desktop-pc", Decimal("3200.00"), active=False)
REJECTED = OrderRejected(ORDER, ALICE, CART, "awesome-desktop-pc is discontinued", HOME, AT)


def test_a_checkouts_order_that_cannot_be_placed_is_rejected_with_an_event() -> None:
    """The ordering process must hear of it, to give the cart its lines back."""
    events = decide(given(), place((PC, 1), (MOUSE, 3), catalog=(RETIRED_PC,), cart=CART))

    assert events == [REJECTED]
    assert given(*events) == Order(OrderStatus.REJECTED, ALICE, Decimal("0.00"))


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        (((MOUSE, 1),), f"no product {MOUSE} in the catalog"),
        (((PC, 1001),), "the quantity of awesome-desktop-pc must be between 1 and 1000"),
        ((), "an order needs at least one line"),
    ],
)
def test_every_refusal_of_a_checkouts_order_is_an_event(lines: tuple, reason: str) -> None:
    events = decide(given(), place(*lines, catalog=CATALOG[:1], cart=CART))

    assert events == [OrderRejected(ORDER, ALICE, CART, reason, HOME, AT)]


def test_placing_a_checkouts_order_that_exists_is_refused_without_an_event() -> None:
    for history in ((PLACED,), (REJECTED,)):
        with rejected("the order already exists"):
            decide(given(*history), place((PC, 1), cart=CART))


@pytest.mark.parametrize(
    ("command", "becoming"),
    [
        (RecordInvoice(ORDER, INVOICE, Decimal("3200.00"), DUE, AT), "invoiced"),
        (RecordPayment(ORDER, INVOICE, AT), "paid"),
        (RecordShipment(ORDER, SHIPMENT, "DHL", "JD0001", AT), "shipped"),
        (RecordDelivery(ORDER, SHIPMENT, AT), "delivered"),
    ],
)
def test_a_rejected_order_goes_nowhere(command: object, becoming: str) -> None:
    with rejected(f"a rejected order cannot become {becoming}"):
        decide(given(REJECTED), command)


@pytest.mark.parametrize("by", ["customer", "staff", "system"])
def test_a_rejected_order_cannot_be_cancelled(by: str) -> None:
    with rejected(f"a rejected order cannot be cancelled by the {by}"):
        decide(given(REJECTED), cancel(by))


def test_recording_the_invoice_of_a_placed_order() -> None:
    command = RecordInvoice(ORDER, INVOICE, Decimal("3200.00"), DUE, AT)

    assert decide(given(PLACED), command) == [INVOICED]
    assert given(PLACED, INVOICED).status is OrderStatus.INVOICED


def test_recording_an_invoice_twice_is_rejected() -> None:
    command = RecordInvoice(ORDER, INVOICE, Decimal("3200.00"), DUE, AT)

    with rejected("an invoiced order cannot become invoiced"):
        decide(given(*HISTORY["invoiced"]), command)


def test_commands_for_an_order_never_placed_are_rejected() -> None:
    with rejected("no such order"):
        decide(given(), RecordPayment(ORDER, INVOICE, AT))


def test_recording_the_payment_of_an_invoiced_order() -> None:
    assert decide(given(*HISTORY["invoiced"]), RecordPayment(ORDER, INVOICE, AT)) == [PAID]


def test_recording_a_payment_before_the_invoice_is_rejected() -> None:
    with rejected("a placed order cannot become paid"):
        decide(given(PLACED), RecordPayment(ORDER, INVOICE, AT))


def test_recording_the_shipment_of_a_paid_order() -> None:
    command = RecordShipment(ORDER, SHIPMENT, "DHL", "JD0001", AT)

    assert decide(given(*HISTORY["paid"]), command) == [SHIPPED]


def test_recording_the_shipment_of_an_unpaid_order_is_rejected() -> None:
    with rejected("an invoiced order cannot become shipped"):
        decide(given(*HISTORY["invoiced"]), RecordShipment(ORDER, SHIPMENT, "D", "1", AT))


def test_recording_the_delivery_of_a_shipped_order() -> None:
    command = RecordDelivery(ORDER, SHIPMENT, AT)

    assert decide(given(*HISTORY["shipped"]), command) == [DELIVERED]
    assert given(*HISTORY["delivered"]).status is OrderStatus.DELIVERED


def test_recording_the_delivery_of_an_order_not_shipped_is_rejected() -> None:
    with rejected("a paid order cannot become delivered"):
        decide(given(*HISTORY["paid"]), RecordDelivery(ORDER, SHIPMENT, AT))


@pytest.mark.parametrize(
    ("status", "by", "was_paid"),
    [
        ("placed", "customer", False),
        ("invoiced", "customer", False),
        ("placed", "system", False),
        ("invoiced", "system", False),
        ("invoiced", "staff", False),
        ("paid", "staff", True),
    ],
)
def test_cancelling_an_order_says_whether_it_was_paid(status: str, by: str, was_paid: bool) -> None:
    events = decide(given(*HISTORY[status]), cancel(by, "  changed my mind "))

    assert events == [OrderCancelled(ORDER, "changed my mind", by, AT, was_paid)]
    assert given(*HISTORY[status], *events).status is OrderStatus.CANCELLED


@pytest.mark.parametrize(
    ("status", "by"),
    [
        ("paid", "customer"),
        ("paid", "system"),
        ("shipped", "staff"),
        ("delivered", "staff"),
        ("cancelled", "staff"),
        ("cancelled", "customer"),
    ],
)
def test_cancelling_too_late_is_rejected(status: str, by: str) -> None:
    with rejected(f"a {status} order cannot be cancelled by the {by}"):
        decide(given(*HISTORY[status]), cancel(by))


def test_cancelling_by_an_unknown_canceller_is_rejected() -> None:
    with rejected("unknown canceller 'vendor'"):
        decide(given(PLACED), cancel("vendor"))


def test_cancelling_without_a_reason_is_rejected() -> None:
    with rejected("a cancellation needs a reason"):
        decide(given(PLACED), cancel("customer", reason="  "))


def test_cancelling_a_paid_order_whose_shipment_has_left_is_rejected() -> None:
    dispatched = replace(cancel("staff"), shipment_dispatched=True)

    with rejected("the shipment is already dispatched"):
        decide(given(*HISTORY["paid"]), dispatched)
