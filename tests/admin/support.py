"""Helpers for the back-office tests: staff in each group, and orders driven through the
real command pipeline (executed and baked in this process, or by a real worker)."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from django.utils.html import strip_tags

from contexts.catalog import domain as catalog
from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from contexts.shared.values import Address, derived_id
from contexts.shipping import domain as shipping
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.subscribers import Runner, registry
from shop.customers import customer_id_for

ACTOR = "staff:test-setup"
HOME = Address("Ada Lovelace", "12 Analytical St", "London", "N1 9GU", "GB")
PASSWORD = "back-office-pass-1"


def make_user(group: str | None = None, *, staff: bool = True, superuser: bool = False) -> User:
    name = f"{group or ('root' if superuser else 'user')}-{uuid.uuid4().hex[:10]}"
    user = User.objects.create_user(
        name, f"{name}@example.com", PASSWORD, is_staff=staff, is_superuser=superuser
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def settle() -> None:
    """Run every ready command and every subscriber until nothing is left to do."""
    while True:
        executed = Executor().run()
        applied = sum(Runner(s).catch_up() for s in registry.all())
        if not executed and not applied:
            return


def commands_by(user: User) -> list[Command]:
    return list(Command.objects.filter(actor=f"staff:{user.pk}").order_by("seq"))


@dataclass(frozen=True)
class Placed:
    order_id: uuid.UUID
    product_id: uuid.UUID
    vendor_id: uuid.UUID
    customer: User
    product_name: str

    @property
    def invoice_id(self) -> uuid.UUID:
        return derived_id("invoice", self.order_id)

    @property
    def shipment_id(self) -> uuid.UUID:
        return derived_id("shipment", self.order_id)


def place_order(
    price: str = "25.00", quantity: int = 2, placed_at: dt.datetime | None = None
) -> Placed:
    """A customer's order of a fresh product, placed but not yet invoiced."""
    product, vendor = uuid.uuid4(), uuid.uuid4()
    name = f"widget-{product.hex[:8]}"
    submit(catalog.CreateProduct(product, vendor, name, Decimal(price)), actor=ACTOR)
    customer = make_user(staff=False)
    order = uuid.uuid4()
    line = sales.RequestedLine(product, quantity)
    at = placed_at or timezone.now()
    cid = customer_id_for(customer)
    submit(sales.PlaceOrder(order, cid, (line,), HOME, at), actor=f"customer:{customer.pk}")
    return Placed(order, product, vendor, customer, name)


def pay(placed: Placed, amount: str, reference: str = "bank-1") -> None:
    command = invoicing.RegisterPayment(
        placed.invoice_id, Decimal(amount), reference, timezone.now()
    )
    submit(command, actor=ACTOR)


def dispatch(placed: Placed, carrier: str = "DHL", tracking: str = "JD0001") -> None:
    command = shipping.DispatchShipment(placed.shipment_id, carrier, tracking, timezone.now())
    submit(command, actor=ACTOR)


def order_in(status: str, **options: object) -> Placed:
    """An order driven to `status` (invoiced, paid or shipped), every table baked."""
    placed = place_order(**options)
    settle()
    if status in ("paid", "shipped"):
        pay(placed, "50.00")
        settle()
    if status == "shipped":
        dispatch(placed)
        settle()
    return placed


def messages_of(response: object) -> list[str]:
    """The messages a followed response showed, as text."""
    return [html.unescape(strip_tags(str(m))) for m in response.context["messages"]]


def action_url(model: str, row_id: object, slug: str) -> str:
    app = {"ordersummary": "sales", "product": "sales", "invoice": "invoicing",
           "shipment": "shipping"}[model]  # fmt: skip
    return f"/admin/{app}/{model}/{row_id}/do/{slug}/"
