"""Staff rights in the API: every staff endpoint, as each back-office group, a superuser
and a member of staff in no group.

Being staff grants nothing by itself (`shop.rights`): a write needs the permission of
the command it submits, the one the back-office button needs; reading everyone's rows
needs the table's view permission. A refusal is a 403 problem and stores nothing.
"""

# ruff: noqa: E501  (the matrix reads best one endpoint a line)

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.urls import URLResolver, get_resolver
from rest_framework.permissions import IsAuthenticated

from contexts.catalog import domain as catalog
from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from contexts.shipping import domain as shipping
from eventstore.commands import commands
from eventstore.models import Command
from shop.api.auth import MayReadAll, MaySubmit, OwnOrMayReadAll, OwnOrMaySubmit
from shop.api.routing import Operations
from shop.rights import view_permission
from tests.api.conftest import Api, People, make_user, problem, snapshot
from tests.api.flow import Order, pay, place, product_maker
from tests.staff import GROUPS, join

pytestmark = pytest.mark.django_db

ROLES = ("support", "finance", "warehouse", "superuser", "no group")
PRODUCT = {"vendorId": str(uuid.UUID(int=5)), "name": "Kettle", "price": "30.00"}
PAYMENT = {"amount": "1.00", "reference": "bank-rights"}
DISPATCH = {"carrier": "DHL", "trackingNumber": "JD-RIGHTS"}

ENDPOINTS = {
    # name: (method, path, body, status for support, finance, warehouse, superuser, no group)
    "create product": ("POST", "/api/products", PRODUCT, (403, 403, 403, 202, 403)),
    "change price": ("PATCH", "/api/products/{product}", {"price": "26.00"}, (403, 403, 403, 202, 403)),
    "discontinue": ("POST", "/api/products/{product}/discontinue", None, (403, 403, 403, 202, 403)),
    "order list": ("GET", "/api/order", None, (200, 200, 200, 200, 403)),
    "order list by customer": ("GET", "/api/order?customer={customer}", None, (200, 200, 200, 200, 403)),
    "order": ("GET", "/api/order/{order}", None, (200, 200, 200, 200, 403)),
    "cancel order": ("POST", "/api/order/{order}/cancel", {"reason": "asked"}, (202, 403, 403, 202, 403)),
    "invoice list": ("GET", "/api/invoices", None, (200, 200, 403, 200, 403)),
    "invoice": ("GET", "/api/invoices/{invoice}", None, (200, 200, 403, 200, 403)),
    "register payment": ("POST", "/api/invoices/{invoice}/payments", PAYMENT, (403, 202, 403, 202, 403)),
    "vendor billing": ("GET", "/api/analytics/vendor-billing?year=2026&month=1", None, (200, 200, 403, 200, 403)),
    "popular items": ("GET", "/api/analytics/popular-items?date=2026-01-01", None, (200, 403, 403, 200, 403)),
    "shipment list": ("GET", "/api/shipments", None, (200, 403, 200, 200, 403)),
    "shipment": ("GET", "/api/shipments/{shipment}", None, (200, 403, 200, 200, 403)),
    "dispatch": ("POST", "/api/shipments/{shipment}/dispatch", DISPATCH, (403, 403, 202, 202, 403)),
    "confirm delivery": ("POST", "/api/shipments/{shipment}/deliver", None, (403, 403, 202, 202, 403)),
    "a customer's command": ("GET", "/api/commands/{command}", None, (200, 200, 200, 200, 404)),
}  # fmt: skip


@dataclass
class World:
    """Alice's paid order (its shipment awaits dispatch) and the command that placed it."""

    order: Order
    command: str
    customer: str

    def fill(self, text: str) -> str:
        return text.format(
            product=self.order.teapot,
            order=self.order.order_id,
            invoice=self.order.invoice_id,
            shipment=self.order.shipment_id,
            command=self.command,
            customer=self.customer,
        )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> World:
    """Set up once and committed: each test only adds a staff member and submits (202
    stores a command, which nothing executes), all rolled back with its transaction."""
    with django_db_blocker.unblock():
        people = People(Api(), Api(make_user()), Api(make_user()), Api(make_user(staff=True)))
        order = place(people, product_maker(people))
        pay(people, order)
        alice = people.alice.user
        placed = Command.objects.get(actor=f"customer:{alice.pk}", operation="PlaceOrder")
        return World(order, str(placed.id), alice.username)


def staff_member(role: str) -> Api:
    name = f"rights-{uuid.uuid4().hex[:10]}"
    if role == "superuser":
        return Api(User.objects.create_superuser(name, f"{name}@example.com"))
    user = User.objects.create_user(name, is_staff=True)
    return Api(join(user, role) if role in GROUPS else user)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_staff_rights(world: World, endpoint: str, role: str) -> None:
    method, path, body, statuses = ENDPOINTS[endpoint]
    caller = staff_member(role)
    before = snapshot()

    response = caller.request(method, world.fill(path), body)

    expected = statuses[ROLES.index(role)]
    assert response.status_code == expected, response.content
    if expected >= 400:
        problem(response, expected)
        assert snapshot() == before, "a refused request stored something"
    if expected == 202:
        command = Command.objects.get(pk=response.json()["commandId"])
        assert command.actor == f"staff:{caller.user.pk}"


def test_a_refusal_names_the_permission_it_needs(world: World) -> None:
    warehouse = staff_member("warehouse")
    before = snapshot()

    paid = warehouse.post(f"/api/invoices/{world.order.invoice_id}/payments", PAYMENT)
    invoices = warehouse.get("/api/invoices")

    assert problem(paid, 403)["detail"] == (
        "Only staff with the permission invoicing.register_payment may do this."
    )
    assert problem(invoices, 403)["detail"] == (
        "Only staff with the permission invoicing.view_invoice may read this."
    )
    assert snapshot() == before


def test_staff_with_the_permission_see_every_order_and_staff_without_none(
    world: World,
) -> None:
    warehouse, nobody = staff_member("warehouse"), staff_member("no group")

    listed = warehouse.get(f"/api/order?customer={world.customer}")
    refused = nobody.get(f"/api/order?customer={world.customer}")

    assert [order["orderId"] for order in listed.json()["results"]] == [world.order.order_id]
    assert problem(refused, 403)["detail"] == (
        "Only staff with the permission sales.view_ordersummary may read this."
    )


# One definition: the admin's buttons and the API's writes need the same permission ----


def api_views() -> list[type]:
    """Every view class the URLconf routes to, each operation of a shared URL apart."""

    def walk(patterns: list) -> Iterator[type]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif (cls := getattr(pattern.callback, "cls", None)) is not None:
                yield from cls.classes.values() if issubclass(cls, Operations) else [cls]

    return list(walk(get_resolver().url_patterns))


def test_the_admin_and_the_api_need_the_same_permission_for_each_command() -> None:
    buttons = [
        action
        for page in admin.site._registry.values()
        for action in getattr(page, "command_actions", ())
    ]
    writes = [view for view in api_views() if hasattr(view, "submits")]

    by_admin = {(action.submits, action.permission) for action in buttons}
    by_api = {(view.submits, commands.permission_for(view.submits)) for view in writes}

    assert by_api == {
        (catalog.CreateProduct, "catalog.manage_catalog"),
        (catalog.ChangeProductPrice, "catalog.manage_catalog"),
        (catalog.DiscontinueProduct, "catalog.manage_catalog"),
        (sales.CancelOrder, "sales.cancel_order"),
        (invoicing.RegisterPayment, "invoicing.register_payment"),
        (shipping.DispatchShipment, "shipping.dispatch_shipment"),
        (shipping.ConfirmDelivery, "shipping.confirm_delivery"),
    }
    assert by_admin == by_api
    for view in writes:
        assert set(view.permission_classes) & {MaySubmit, OwnOrMaySubmit}, view


def test_every_staff_read_checks_the_view_permission_of_the_table_it_reads() -> None:
    reads = {
        view.__name__: view_permission(view.reads) for view in api_views() if hasattr(view, "reads")
    }

    assert reads == {
        "OrderListApi": "sales.view_ordersummary",
        "OrderDetailApi": "sales.view_ordersummary",
        "PopularItemsApi": "sales.view_popularitem",
        "InvoiceListApi": "invoicing.view_invoice",
        "InvoiceDetailApi": "invoicing.view_invoice",
        "VendorBillingApi": "invoicing.view_vendormonthlybilling",
        "ShipmentListApi": "shipping.view_shipment",
        "ShipmentDetailApi": "shipping.view_shipment",
    }
    for view in api_views():
        if hasattr(view, "reads"):
            assert set(view.permission_classes) & {MayReadAll, OwnOrMayReadAll}, view


def test_every_permission_staff_need_exists() -> None:
    needed = {
        action.permission
        for page in admin.site._registry.values()
        for action in getattr(page, "command_actions", ())
    }
    needed |= {view_permission(view.reads) for view in api_views() if hasattr(view, "reads")}

    existing = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }

    assert needed <= existing


def test_commands_staff_never_submit_have_no_permission() -> None:
    with pytest.raises(LookupError) as refused:
        commands.permission_for(sales.PlaceOrder)

    assert str(refused.value) == "staff do not submit sales.PlaceOrder: it has no permission"


def test_no_endpoint_lets_in_any_signed_in_user_but_the_command_status() -> None:
    """The command status scopes what it shows itself (`consistency.visible_command`);
    every other endpoint states whom it admits."""
    open_to_all = {
        view.__name__ for view in api_views() if IsAuthenticated in view.permission_classes
    }

    assert open_to_all == {"CommandDetailApi"}
