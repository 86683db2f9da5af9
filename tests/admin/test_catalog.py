"""Products: the list, search and filters, a product's page, and creating, repricing and
discontinuing products by command."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contexts.catalog.models import Product
from tests.admin.support import client_for, commands_by, make_user, messages_of, place_order, settle

pytestmark = pytest.mark.django_db
PRODUCTS = "/admin/catalog/product/"


def test_the_list_searches_by_name_and_filters_by_vendor_and_state() -> None:
    first, second = place_order(), place_order()
    settle()
    support = client_for(make_user("support"))

    by_name = support.get(f"{PRODUCTS}?q={first.product_name}").content.decode()
    by_vendor = support.get(f"{PRODUCTS}?vendor={second.vendor_id}").content.decode()
    inactive = support.get(f"{PRODUCTS}?active__exact=0&q=widget-").content.decode()

    assert first.product_name in by_name and second.product_name not in by_name
    assert second.product_name in by_vendor and first.product_name not in by_vendor
    assert first.product_name not in inactive


def test_the_product_page_links_the_vendors_orders() -> None:
    placed = place_order()
    settle()

    html = client_for(make_user("support")).get(f"{PRODUCTS}{placed.product_id}/change/")

    page = html.content.decode()
    assert placed.product_name in page and "25.00" in page
    assert f"/admin/sales/ordersummary/?vendor={placed.vendor_id}" in page


def test_a_superuser_creates_a_product_by_command(quick_outcomes: None) -> None:
    root = make_user(superuser=True)
    vendor = uuid.uuid4()

    response = client_for(root).post(
        f"{PRODUCTS}do/create/",
        {"vendor_id": str(vendor), "name": "brass-lamp", "price": "49.90"},
        follow=True,
    )
    settle()

    [command] = commands_by(root)
    assert (command.service_name, command.operation) == ("sales", "CreateProduct")
    assert messages_of(response)[0].startswith("Submitted sales.CreateProduct")
    product = Product.objects.get(pk=command.stream_id)
    assert (product.vendor_id, product.name, product.price, product.active) == (
        vendor, "brass-lamp", Decimal("49.90"), True
    )  # fmt: skip


def test_a_superuser_reprices_then_discontinues_a_product(quick_outcomes: None) -> None:
    placed = place_order()
    settle()
    root = client_for(make_user(superuser=True))

    root.post(f"{PRODUCTS}{placed.product_id}/do/reprice/", {"price": "30.00"})
    settle()
    root.post(f"{PRODUCTS}{placed.product_id}/do/discontinue/", {})
    settle()

    product = Product.objects.get(pk=placed.product_id)
    assert (product.price, product.active) == (Decimal("30.00"), False)


def test_the_list_offers_create_only_to_those_who_manage_the_catalog() -> None:
    assert "/do/create/" in client_for(make_user(superuser=True)).get(PRODUCTS).content.decode()
    assert "/do/create/" not in client_for(make_user("support")).get(PRODUCTS).content.decode()


@pytest.mark.parametrize("group", ["support", "finance", "warehouse"])
def test_no_group_manages_the_catalog_and_a_refusal_stores_nothing(group: str) -> None:
    placed = place_order()
    settle()
    user = make_user(group)
    staff = client_for(user)

    created = staff.post(
        f"{PRODUCTS}do/create/", {"vendor_id": str(uuid.uuid4()), "name": "x", "price": "1"},
        follow=True,
    )  # fmt: skip
    staff.post(f"{PRODUCTS}{placed.product_id}/do/reprice/", {"price": "1.00"})
    staff.post(f"{PRODUCTS}{placed.product_id}/do/discontinue/", {})

    assert messages_of(created) == [
        "You may not manage the catalog: that needs the permission catalog.manage_catalog."
    ]
    assert commands_by(user) == []


def test_the_products_old_addresses_lead_to_their_new_ones() -> None:
    product = uuid.uuid4()
    support = client_for(make_user("support"))

    page = support.get(f"/admin/sales/product/{product}/change/?_changelist_filters=q%3Dtea")
    listing = support.get("/admin/sales/product/?q=tea")

    assert page.status_code == 302
    assert page["Location"] == f"{PRODUCTS}{product}/change/?_changelist_filters=q%3Dtea"
    assert (listing.status_code, listing["Location"]) == (302, f"{PRODUCTS}?q=tea")
