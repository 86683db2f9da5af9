"""What a new member of staff reads first: ids short in lists and whole on detail pages,
times to the second, the business's apps first, and "View site" leading to the board."""

from __future__ import annotations

import re
import uuid

import pytest

from contexts.sales.models import OrderSummary
from contexts.shipping.models import Shipment
from tests.admin.support import client_for, make_user, order_in

pytestmark = pytest.mark.django_db


def short(value: uuid.UUID) -> str:
    """How a list shows an id: its first eight hex digits in monospace, the whole on hover."""
    return f'<code class="shop-id" title="{value}">{str(value)[:8]}</code>'


LISTS = {
    "orders": ("/admin/sales/ordersummary/", lambda p: p.order_id),
    "invoices": ("/admin/invoicing/invoice/", lambda p: p.invoice_id),
    "shipments": ("/admin/shipping/shipment/", lambda p: p.shipment_id),
    "events": ("/admin/eventstore/event/", lambda p: p.order_id),
    "commands": ("/admin/eventstore/command/", lambda p: p.order_id),
}


@pytest.mark.parametrize("name", LISTS)
def test_a_list_shows_an_id_short_with_the_whole_id_on_hover(name: str) -> None:
    placed = order_in("shipped")
    url, id_of = LISTS[name]

    html = client_for(make_user(superuser=True)).get(f"{url}?q={id_of(placed)}").content.decode()

    assert short(id_of(placed)) in html
    assert f">{id_of(placed)}<" not in html  # never as text, only in links and titles


def test_a_list_shows_an_order_without_a_user_by_the_short_customer_id() -> None:
    placed = order_in("invoiced")
    stranger = uuid.uuid4()
    OrderSummary.objects.filter(pk=placed.order_id).update(customer_id=stranger)

    html = client_for(make_user("support")).get("/admin/sales/ordersummary/").content.decode()

    assert short(stranger) in html


def test_the_shipments_list_shows_its_order_short() -> None:
    placed = order_in("shipped")

    html = client_for(make_user("warehouse")).get("/admin/shipping/shipment/").content.decode()

    link = f"/admin/sales/ordersummary/{placed.order_id}/change/"
    assert f'<a href="{link}">{short(placed.order_id)}</a>' in html


def test_a_detail_page_shows_the_whole_id() -> None:
    placed = order_in("invoiced")
    page = f"/admin/sales/ordersummary/{placed.order_id}/change/"

    html = client_for(make_user("support")).get(page).content.decode()

    assert f'<div class="readonly">{placed.order_id}</div>' in html


def test_lists_and_detail_pages_show_times_to_the_second() -> None:
    placed = order_in("shipped")
    created = Shipment.objects.get(pk=placed.shipment_id).created_at
    shown = created.strftime("%Y-%m-%d %H:%M:%S")
    staff = client_for(make_user(superuser=True))

    listed = staff.get(f"/admin/shipping/shipment/?q={placed.shipment_id}").content.decode()
    detail = staff.get(f"/admin/shipping/shipment/{placed.shipment_id}/change/").content.decode()

    assert f'<td class="field-created_at nowrap">{shown}</td>' in listed
    assert f'<div class="readonly">{shown}</div>' in detail


def test_the_apps_come_in_the_business_order_with_auth_last() -> None:
    staff = client_for(make_user(superuser=True))

    index = staff.get("/admin/").context["app_list"]
    sidebar = staff.get("/admin/sales/ordersummary/").context["available_apps"]

    expected = ["sales", "catalog", "invoicing", "shipping", "cart", "integrations",
                "eventstore", "tokens", "auth"]  # fmt: skip
    assert [app["app_label"] for app in index] == expected
    assert [app["app_label"] for app in sidebar] == expected


def test_staff_who_see_some_apps_get_them_in_the_same_order() -> None:
    staff = client_for(make_user("warehouse"))

    shown = staff.get("/admin/").context["app_list"]

    assert [app["app_label"] for app in shown] == ["sales", "catalog", "shipping", "eventstore"]


def test_view_site_leads_to_the_live_board() -> None:
    html = client_for(make_user("support")).get("/admin/").content.decode()

    assert re.search(r'<a href="/live">View site</a>', html)
