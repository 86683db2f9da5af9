"""A random workload of 500 orders through the real worker; every rebuilt table equals
the live one afterwards."""

from __future__ import annotations

import random
import uuid
from decimal import Decimal

from django.utils import timezone

from contexts.cart import domain as cart
from contexts.catalog import domain as catalog
from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from contexts.shared.values import Address, derived_id
from contexts.shipping import domain as shipping
from eventstore.inbox import submit
from eventstore.rebuild import verify
from eventstore.subscribers import registry
from tests.integration.processes import wait_until_executed, wait_until_quiet
from tests.integration.test_ordering_process import STAFF, status_of

ORDERS = 500


def test_500_random_orders_leave_every_rebuilt_table_equal_to_the_live_one(
    shared_worker_and_beat,
) -> None:
    rng = random.Random(20261123)
    products = [(uuid.uuid4(), uuid.uuid4(), f"item-{n}", Decimal(rng.randint(100, 99999)) / 100)
                for n in range(12)]  # fmt: skip
    wait_until_executed([
        submit(catalog.CreateProduct(*product), actor=STAFF).command_id for product in products
    ])  # fmt: skip
    orders = [place_an_order(rng, products, n) for n in range(ORDERS)]
    wait_until_quiet()

    act_on_orders(rng, [order for order, _ in orders])
    wait_until_quiet()

    statuses = {status_of(order) for order, _ in orders}
    assert {"paid", "shipped", "delivered", "cancelled", "invoiced"} <= statuses
    for baker in registry.bakers():
        diffs = verify(baker)
        assert all(diff.equal for diff in diffs), (baker.name, [d for d in diffs if not d.equal])


def place_an_order(rng: random.Random, products: list, n: int) -> tuple[uuid.UUID, uuid.UUID]:
    """Half the orders come through a cart checkout, half are placed directly."""
    customer, order_id = uuid.uuid4(), uuid.uuid4()
    actor = f"customer:{customer}"
    address = Address(f"Customer {n}", f"{n} High St", "Leeds", "LS1 1AA", "GB")
    chosen = rng.sample(products, rng.randint(1, 3))
    if n % 2:
        lines = tuple(sales.RequestedLine(p[0], rng.randint(1, 5)) for p in chosen)
        place = sales.PlaceOrder(order_id, customer, lines, address, timezone.now())
        return order_id, submit(place, actor=actor).command_id
    cart_id = uuid.uuid4()
    for product in chosen:
        submit(cart.AddItem(cart_id, customer, product[0], rng.randint(1, 5)), actor=actor)
    checkout = cart.CheckOut(cart_id, customer, order_id, address, timezone.now())
    return order_id, submit(checkout, actor=actor).command_id


def act_on_orders(rng: random.Random, orders: list[uuid.UUID]) -> None:
    """Pay, part-pay, cancel, dispatch and deliver at random; some of it is rightly refused."""
    now = timezone.now
    submitted = []
    for order in orders:
        invoice, shipment = derived_id("invoice", order), derived_id("shipment", order)
        roll = rng.random()
        if roll < 0.15:
            command = sales.CancelOrder(order, "changed my mind", "customer", now())
            submitted.append(submit(command, actor="customer").command_id)
            continue
        if roll < 0.25:
            continue  # left unpaid
        amount = Decimal("1.00") if roll < 0.3 else Decimal("999999.00")
        pay = invoicing.RegisterPayment(invoice, amount, f"ref-{order}", now())
        submitted.append(submit(pay, actor=STAFF).command_id)
    wait_until_quiet()
    later = []
    for order in orders:
        shipment = derived_id("shipment", order)
        roll = rng.random()
        if status_of(order) == "paid" and roll < 0.1:
            cancel = sales.CancelOrder(order, "out of stock", "staff", now())
            later.append(submit(cancel, actor=STAFF).command_id)
        elif status_of(order) == "paid" and roll < 0.7:
            dispatch = shipping.DispatchShipment(shipment, "UPS", f"1Z{order.hex[:10]}", now())
            later.append(submit(dispatch, actor=STAFF).command_id)
            if roll < 0.45:
                deliver = shipping.ConfirmDelivery(shipment, now())
                later.append(submit(deliver, actor=STAFF).command_id)
    wait_until_quiet()
