"""Any sequence of commands keeps the sales invariants: a product's price is always a
positive amount in cents, and an order moves only forward and never leaves a final state."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from contexts.catalog import domain as product
from contexts.catalog.domain import (
    CatalogEntry,
    CatalogError,
    ChangeProductPrice,
    CreateProduct,
    DiscontinueProduct,
    Product,
)
from contexts.sales.domain import (
    FINAL,
    CancelOrder,
    Order,
    OrderPlaced,
    OrderStatus,
    PlaceOrder,
    RecordDelivery,
    RecordInvoice,
    RecordPayment,
    RecordShipment,
    RequestedLine,
    SalesError,
    order,
)
from contexts.shared.values import Address

PRODUCT = uuid.uuid4()
VENDOR = uuid.uuid4()
ORDER = uuid.uuid4()
AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOME = Address("Alice", "1 Main St", "Springfield", "12345", "US")
CATALOG = (
    CatalogEntry(PRODUCT, VENDOR, "pc", Decimal("3200.00"), active=True),
    CatalogEntry(VENDOR, VENDOR, "retired", Decimal("1.00"), active=False),
)

prices = st.one_of(
    st.decimals(min_value=-10, max_value=10**10, allow_nan=False, places=3),
    st.sampled_from(
        [Decimal(x) for x in ("0.004", "0.005", "1000000000.00", "NaN", "Infinity", "-Infinity")]
    ),
)
product_commands = st.lists(
    st.one_of(
        st.builds(CreateProduct, st.just(PRODUCT), st.just(VENDOR), st.sampled_from(["pc", " "]),
                  prices),
        st.builds(ChangeProductPrice, st.just(PRODUCT), prices),
        st.builds(DiscontinueProduct, st.just(PRODUCT)),
    ),
    max_size=10,
)  # fmt: skip

requested = st.lists(
    st.builds(RequestedLine, st.sampled_from([PRODUCT, VENDOR, ORDER]), st.integers(-1, 1001)),
    max_size=3,
).map(tuple)
order_commands = st.lists(
    st.one_of(
        st.builds(PlaceOrder, st.just(ORDER), st.just(VENDOR), requested, st.just(HOME),
                  st.just(AT), st.none(), st.just(CATALOG)),
        st.builds(RecordInvoice, st.just(ORDER), st.just(ORDER), st.just(Decimal("1.00")),
                  st.just(AT), st.just(AT)),
        st.builds(RecordPayment, st.just(ORDER), st.just(ORDER), st.just(AT)),
        st.builds(RecordShipment, st.just(ORDER), st.just(ORDER), st.just("DHL"), st.just("1"),
                  st.just(AT)),
        st.builds(RecordDelivery, st.just(ORDER), st.just(ORDER), st.just(AT)),
        st.builds(CancelOrder, st.just(ORDER), st.sampled_from(["late", ""]),
                  st.sampled_from(["customer", "staff", "system", "vendor"]), st.just(AT)),
    ),
    max_size=12,
)  # fmt: skip

FORWARD = [
    OrderStatus.NEW, OrderStatus.PLACED, OrderStatus.INVOICED, OrderStatus.PAID,
    OrderStatus.SHIPPED, OrderStatus.DELIVERED,
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(script=product_commands)
def test_a_product_price_is_always_positive_in_cents(script: list[object]) -> None:
    state = Product()
    for command in script:
        try:
            events = product.decide(state, command)
        except CatalogError:
            continue
        for event in events:
            state = product.evolve(state, event)
            assert state.price > 0
            assert state.price.as_tuple().exponent == -2
            assert state.exists


@settings(max_examples=200, deadline=None)
@given(script=order_commands)
def test_an_order_moves_forward_and_never_leaves_a_final_state(script: list[object]) -> None:
    state = Order()
    for command in script:
        before = state
        try:
            events = order.decide(state, command)
        except SalesError:
            continue
        for event in events:
            state = order.evolve(state, event)
        assert before.status not in FINAL
        assert state.status is OrderStatus.CANCELLED or (
            FORWARD.index(state.status) == FORWARD.index(before.status) + 1
        )
        if isinstance(events[0], OrderPlaced):
            placed = events[0]
            assert placed.total == sum(line.line_total for line in placed.lines)
            assert all(line.unit_price == Decimal("3200.00") for line in placed.lines)
