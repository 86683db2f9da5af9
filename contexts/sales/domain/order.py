"""An order (stream type `sales.Order`): its commands, events, state, a `decide` that
raises `SalesError` to reject, and an `evolve` that never fails.

It prices its lines from the catalog's `CatalogEntry`s, which the handler reads from the
products' streams (contexts.catalog.entries), never from the product aggregate itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from contexts.catalog.domain import CatalogEntry
from contexts.sales.domain.errors import SalesError
from contexts.shared.values import MAX_QUANTITY, Address, money

ORDER_STREAM = "sales.Order"


class OrderStatus(StrEnum):
    NEW = "new"
    PLACED = "placed"
    INVOICED = "invoiced"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


FINAL = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED, OrderStatus.REJECTED})
CANCELLABLE_BY = {
    "customer": frozenset({OrderStatus.PLACED, OrderStatus.INVOICED}),
    "system": frozenset({OrderStatus.PLACED, OrderStatus.INVOICED}),
    "staff": frozenset({OrderStatus.PLACED, OrderStatus.INVOICED, OrderStatus.PAID}),
}


@dataclass(frozen=True)
class RequestedLine:
    product_id: UUID
    quantity: int


@dataclass(frozen=True)
class OrderLine:
    product_id: UUID
    vendor_id: UUID
    name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal


@dataclass(frozen=True)
class PlaceOrder:
    """`catalog` is filled in by the handler from the products' events, never by a client."""

    order_id: UUID
    customer_id: UUID
    lines: tuple[RequestedLine, ...]
    shipping_address: Address
    placed_at: dt.datetime
    cart_id: UUID | None = None
    catalog: tuple[CatalogEntry, ...] = ()


@dataclass(frozen=True)
class RecordInvoice:
    order_id: UUID
    invoice_id: UUID
    amount: Decimal
    due_at: dt.datetime
    at: dt.datetime


@dataclass(frozen=True)
class RecordPayment:
    order_id: UUID
    invoice_id: UUID
    at: dt.datetime


@dataclass(frozen=True)
class RecordShipment:
    order_id: UUID
    shipment_id: UUID
    carrier: str
    tracking_number: str
    at: dt.datetime


@dataclass(frozen=True)
class RecordDelivery:
    order_id: UUID
    shipment_id: UUID
    at: dt.datetime


@dataclass(frozen=True)
class CancelOrder:
    """`shipment_dispatched` is filled in by the handler from the shipment's events: the
    order hears of a dispatch only later, and a dispatched order must not be cancelled."""

    order_id: UUID
    reason: str
    by: str  # "customer", "staff" or "system"
    at: dt.datetime
    shipment_dispatched: bool = False


@dataclass(frozen=True)
class OrderPlaced:
    order_id: UUID
    customer_id: UUID
    lines: tuple[OrderLine, ...]
    total: Decimal
    shipping_address: Address
    placed_at: dt.datetime
    cart_id: UUID | None = None


@dataclass(frozen=True)
class OrderRejected:
    """A checkout's order that could not be placed, and why: its cart takes its lines back.

    Only an order born of a checkout is rejected with an event, so that the ordering
    process hears of it; an order placed directly is refused like any other command.
    """

    order_id: UUID
    customer_id: UUID
    cart_id: UUID
    reason: str
    shipping_address: Address
    at: dt.datetime


@dataclass(frozen=True)
class OrderInvoiced:
    order_id: UUID
    invoice_id: UUID
    amount: Decimal
    due_at: dt.datetime
    at: dt.datetime


@dataclass(frozen=True)
class OrderPaid:
    order_id: UUID
    invoice_id: UUID
    at: dt.datetime


@dataclass(frozen=True)
class OrderShipped:
    order_id: UUID
    shipment_id: UUID
    carrier: str
    tracking_number: str
    at: dt.datetime


@dataclass(frozen=True)
class OrderDelivered:
    order_id: UUID
    shipment_id: UUID
    at: dt.datetime


@dataclass(frozen=True)
class OrderCancelled:
    """`was_paid` tells whoever settles the cancellation whether money must go back."""

    order_id: UUID
    reason: str
    by: str
    at: dt.datetime
    was_paid: bool = False


@dataclass(frozen=True)
class Order:
    status: OrderStatus = OrderStatus.NEW
    customer_id: UUID | None = None
    total: Decimal = Decimal("0.00")


_STATUS_AFTER = {
    OrderInvoiced: OrderStatus.INVOICED,
    OrderPaid: OrderStatus.PAID,
    OrderShipped: OrderStatus.SHIPPED,
    OrderDelivered: OrderStatus.DELIVERED,
    OrderCancelled: OrderStatus.CANCELLED,
}


def evolve(state: Order, event: object) -> Order:
    if isinstance(event, OrderPlaced):
        return Order(OrderStatus.PLACED, event.customer_id, event.total)
    if isinstance(event, OrderRejected):
        return Order(OrderStatus.REJECTED, event.customer_id)
    status = _STATUS_AFTER.get(type(event))
    return replace(state, status=status) if status else state


def decide(state: Order, command: object) -> list[object]:
    if isinstance(command, PlaceOrder):
        return [_place_or_reject(state, command)]
    if state.status is OrderStatus.NEW:
        raise SalesError("no such order")
    match command:
        case RecordInvoice(order_id=order_id, invoice_id=invoice_id, amount=amount, due_at=due_at):
            _require(state, OrderStatus.PLACED, "invoiced")
            return [OrderInvoiced(order_id, invoice_id, amount, due_at, command.at)]
        case RecordPayment(order_id=order_id, invoice_id=invoice_id, at=at):
            _require(state, OrderStatus.INVOICED, "paid")
            return [OrderPaid(order_id, invoice_id, at)]
        case RecordShipment():
            _require(state, OrderStatus.PAID, "shipped")
            return [OrderShipped(**vars(command))]
        case RecordDelivery(order_id=order_id, shipment_id=shipment_id, at=at):
            _require(state, OrderStatus.SHIPPED, "delivered")
            return [OrderDelivered(order_id, shipment_id, at)]
        case CancelOrder(order_id=order_id, reason=reason, by=by, at=at):
            if command.shipment_dispatched:
                raise SalesError("the shipment is already dispatched")
            return [_cancel(state, order_id, reason, by, at)]
    raise SalesError(f"orders do not take {type(command).__name__}")


def _place_or_reject(state: Order, command: PlaceOrder) -> OrderPlaced | OrderRejected:
    """A checkout's order that cannot be placed is rejected with an event (see
    `OrderRejected`); any other refusal raises."""
    try:
        return _place(state, command)
    except SalesError as refusal:
        if command.cart_id is None or state.status is not OrderStatus.NEW:
            raise
        return OrderRejected(
            command.order_id, command.customer_id, command.cart_id, str(refusal),
            command.shipping_address, command.placed_at,
        )  # fmt: skip


def _place(state: Order, command: PlaceOrder) -> OrderPlaced:
    if state.status is not OrderStatus.NEW:
        raise SalesError("the order already exists")
    if not command.lines:
        raise SalesError("an order needs at least one line")
    catalog = {entry.product_id: entry for entry in command.catalog}
    lines = tuple(_priced(line, catalog.get(line.product_id)) for line in command.lines)
    total = money(sum((line.line_total for line in lines), Decimal(0)))
    return OrderPlaced(
        command.order_id, command.customer_id, lines, total,
        command.shipping_address, command.placed_at, command.cart_id,
    )  # fmt: skip


def _priced(line: RequestedLine, entry: CatalogEntry | None) -> OrderLine:
    if entry is None:
        raise SalesError(f"no product {line.product_id} in the catalog")
    if not entry.active:
        raise SalesError(f"{entry.name} is discontinued")
    if not 1 <= line.quantity <= MAX_QUANTITY:
        raise SalesError(f"the quantity of {entry.name} must be between 1 and {MAX_QUANTITY}")
    total = money(entry.price * line.quantity)
    return OrderLine(
        entry.product_id, entry.vendor_id, entry.name, entry.price, line.quantity, total
    )


def _require(state: Order, status: OrderStatus, becoming: str) -> None:
    if state.status is not status:
        raise SalesError(f"{_a(state.status)} order cannot become {becoming}")


def _cancel(state: Order, order_id: UUID, reason: str, by: str, at: dt.datetime) -> OrderCancelled:
    allowed = CANCELLABLE_BY.get(by)
    if allowed is None:
        raise SalesError(f"unknown canceller {by!r}")
    if state.status not in allowed:
        raise SalesError(f"{_a(state.status)} order cannot be cancelled by the {by}")
    if not reason.strip():
        raise SalesError("a cancellation needs a reason")
    return OrderCancelled(order_id, reason.strip(), by, at, state.status is OrderStatus.PAID)


def _a(status: OrderStatus) -> str:
    """The status with its article, as a reason reads it: "an invoiced", "a paid"."""
    return f"{'an' if status.value[0] in 'aeiou' else 'a'} {status.value}"
