"""One simulated order, from a customer's basket to its fate, through the REST API.

Most orders come from carts (add, sometimes change or remove a line, check out), the
rest are placed directly. Then staff pay most invoices, dispatch most paid shipments
and confirm some deliveries; a few customers cancel, and a few never pay. Each step
reads the order with `?after=<commandId>`, which answers once the command and the
process it started (the invoice, the shipment) show, as a frontend would.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from random import Random

from shop.simulate.client import Api, ApiError
from shop.simulate.stats import Stats

CART_SHARE = 0.6
CANCEL_SHARE = 0.08
UNPAID_SHARE = 0.08
DISPATCH_SHARE = 0.85
DELIVER_SHARE = 0.6
CARRIERS = ("DHL", "UPS", "FedEx", "GLS", "DPD")
ADDRESSES = (
    {"name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
     "postalCode": "SW1Y 4JH", "country": "GB"},
    {"name": "Grace Hopper", "line1": "1 Navy Yard", "line2": "Suite 4", "city": "Arlington",
     "postalCode": "22202", "country": "US"},
    {"name": "Emmy Noether", "line1": "Bunsenstrasse 3", "city": "Göttingen",
     "postalCode": "37073", "country": "DE"},
    {"name": "Marie Curie", "line1": "11 rue Pierre et Marie Curie", "city": "Paris",
     "postalCode": "75005", "country": "FR"},
)  # fmt: skip
SETTLE_TIMEOUT = 30.0


@dataclass(frozen=True)
class Shop:
    """What every journey shares: the staff's client, the customers', the catalog."""

    staff: Api
    customers: tuple[Api, ...]
    products: tuple[dict, ...]


def journey(shop: Shop, rng: Random, stats: Stats) -> str | None:
    """Play one order through; its id, or None when a request went wrong (recorded)."""
    customer = rng.choice(shop.customers)
    try:
        if rng.random() < CART_SHARE:
            order_id, command_id = check_out_a_cart(customer, shop.products, rng)
            stats.count("carts checked out")
        else:
            order_id, command_id = place_an_order(customer, shop.products, rng)
            stats.count("direct orders")
        follow(shop, customer, order_id, command_id, rng, stats)
        return order_id
    except ApiError as error:
        stats.fail(str(error))
        return None


def check_out_a_cart(customer: Api, products: tuple[dict, ...], rng: Random) -> tuple[str, str]:
    """Fill a cart, perhaps change a line or remove one, and check it out: never emptied
    first, since a frontend knows an empty cart cannot check out."""
    cart = f"/api/cart/{uuid.uuid4()}"
    chosen = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
    quantities = {product["productId"]: rng.randint(1, 3) for product in chosen}
    for product_id, quantity in quantities.items():
        customer.call("add item", "POST", cart, {"productId": product_id, "quantity": quantity})
    if rng.random() < 0.3:
        first = next(iter(quantities))
        may_remove = quantities[first] > 1 or len(quantities) > 1
        delta = rng.choice((1, 2, -1) if may_remove else (1, 2))
        customer.call("change quantity", "PATCH", f"{cart}/productId/{first}", {"delta": delta})
        quantities[first] += delta
        if not quantities[first]:
            del quantities[first]
    if len(quantities) > 1 and rng.random() < 0.2:
        last = list(quantities)[-1]
        customer.call("remove item", "DELETE", f"{cart}/productId/{last}")
        del quantities[last]
    body = {"shippingAddress": rng.choice(ADDRESSES)}
    answer = customer.call("check out", "POST", f"{cart}/checkout", body)
    return answer["orderId"], answer["commandId"]


def place_an_order(customer: Api, products: tuple[dict, ...], rng: Random) -> tuple[str, str]:
    chosen = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
    lines = [{"productId": p["productId"], "quantity": rng.randint(1, 4)} for p in chosen]
    body = {"lines": lines, "shippingAddress": rng.choice(ADDRESSES)}
    answer = customer.call("place order", "POST", "/api/order", body)
    return answer["orderId"], answer["commandId"]


def follow(
    shop: Shop, customer: Api, order_id: str, command_id: str, rng: Random, stats: Stats
) -> None:
    """Pay, dispatch and deliver the order, or cancel it, or leave it unpaid."""
    order = settled(customer, order_id, command_id, lambda order: order["invoice"])
    fate = rng.random()
    if fate < CANCEL_SHARE:
        body = {"reason": "changed my mind"}
        customer.call("cancel", "POST", f"/api/order/{order_id}/cancel", body)
        stats.count("cancelled")
        return
    if fate < CANCEL_SHARE + UNPAID_SHARE:
        stats.count("left unpaid")
        return
    invoice = order["invoice"]
    body = {"amount": invoice["amount"], "reference": f"sim-{order_id}"}
    paid = shop.staff.call("pay", "POST", f"/api/invoices/{invoice['invoiceId']}/payments", body)
    stats.count("paid")
    if rng.random() >= DISPATCH_SHARE:
        return
    order = settled(shop.staff, order_id, paid["commandId"], lambda order: order["shipment"])
    shipment = f"/api/shipments/{order['shipment']['shipmentId']}"
    body = {"carrier": rng.choice(CARRIERS), "trackingNumber": f"SIM{rng.randrange(10**9):09d}"}
    shop.staff.call("dispatch", "POST", f"{shipment}/dispatch", body)
    stats.count("dispatched")
    if rng.random() < DELIVER_SHARE:
        shop.staff.call("deliver", "POST", f"{shipment}/deliver")
        stats.count("delivered")


def settled(api: Api, order_id: str, command_id: str, ready: Callable[[dict], object]) -> dict:
    """The order once `ready(order)`: read after the command, then polled if need be."""
    path = f"/api/order/{order_id}"
    order = api.call("read after write", "GET", f"{path}?after={command_id}")
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while not ready(order):
        if time.monotonic() > deadline:
            raise ApiError(f"GET {path}: not ready after {SETTLE_TIMEOUT:.0f}s: {order}")
        time.sleep(0.2)
        order = api.call("read order", "GET", path)
    return order
