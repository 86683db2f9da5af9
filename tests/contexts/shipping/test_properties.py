"""Any sequence of shipment commands moves the status only forward, and never out of a
final state: awaiting_dispatch -> dispatched -> delivered, or awaiting_dispatch -> cancelled."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from contexts.shared.values import Address
from contexts.shipping.domain import (
    CancelShipment,
    ConfirmDelivery,
    CreateShipment,
    DispatchShipment,
    Shipment,
    ShipmentItem,
    ShippingError,
    decide,
    evolve,
)

SHIPMENT = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
ADDRESS = Address("Grace Hopper", "1 Navy Way", "Arlington", "22202", "US")
AT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)

MOVES = {
    ("new", "awaiting_dispatch"),
    ("awaiting_dispatch", "dispatched"),
    ("awaiting_dispatch", "cancelled"),
    ("dispatched", "delivered"),
}
FINAL = {"delivered", "cancelled"}

items = st.lists(
    st.builds(ShipmentItem, st.uuids(), st.text(max_size=5), st.integers(1, 1000)), max_size=2
).map(tuple)
blank_or_not = st.sampled_from(["", " ", "DHL", "JD0001"])
commands = st.one_of(
    st.builds(CreateShipment, st.just(SHIPMENT), st.uuids(), st.just(ADDRESS), items, st.just(AT)),
    st.builds(DispatchShipment, st.just(SHIPMENT), blank_or_not, blank_or_not, st.just(AT)),
    st.builds(ConfirmDelivery, st.just(SHIPMENT), st.just(AT)),
    st.builds(CancelShipment, st.just(SHIPMENT), st.text(max_size=5), st.just(AT)),
)


@settings(max_examples=200)
@given(st.lists(commands, max_size=12))
def test_the_status_only_moves_forward_and_never_leaves_a_final_state(
    sequence: list[object],
) -> None:
    state = Shipment()
    for command in sequence:
        before = state
        try:
            events = decide(state, command)
        except ShippingError:
            events = []
        for event in events:
            state = evolve(state, event)
            assert event.order_id == state.order_id  # every event names the shipment's order
        assert len(events) <= 1
        if state.status != before.status:
            assert (before.status, state.status) in MOVES
        if before.status in FINAL:
            assert events == [] and state == before
        if before.status != "new":
            assert state.order_id == before.order_id  # the order never changes
