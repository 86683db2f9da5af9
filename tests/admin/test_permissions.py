"""Who may enter the back-office and do what: staff only, each group its own actions,
a superuser everything. A refused action stores no command."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tests.admin.support import (
    action_url,
    client_for,
    commands_by,
    make_user,
    messages_of,
    order_in,
)

pytestmark = pytest.mark.django_db

PAGES = {
    "orders": "/admin/sales/ordersummary/",
    "products": "/admin/catalog/product/",
    "invoices": "/admin/invoicing/invoice/",
    "shipments": "/admin/shipping/shipment/",
    "carts": "/admin/cart/cart/",
    "events": "/admin/eventstore/event/",
    "inbox": "/admin/eventstore/command/",
    "projections": "/admin/eventstore/checkpoint/",
    "webhooks": "/admin/integrations/webhookendpoint/",
}
SEES = {
    "support": set(PAGES) - {"webhooks"},
    "finance": {"orders", "products", "invoices", "inbox"},
    "warehouse": {"orders", "products", "shipments", "inbox"},
}
ACTIONS = {
    "cancel": ({"reason": "customer called"}, "support"),
    "pay": ({"amount": "50.00", "reference": "bank-9"}, "finance"),
    "dispatch": ({"carrier": "DHL", "tracking_number": "T-1"}, "warehouse"),
    "deliver": ({}, "warehouse"),
}


def test_the_migration_creates_the_groups_with_their_permissions() -> None:
    def codes(name: str) -> set[str]:
        permissions = Group.objects.get(name=name).permissions.all()
        return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}

    assert codes("finance") == {
        "sales.view_ordersummary", "catalog.view_product", "eventstore.view_command",
        "invoicing.view_invoice", "invoicing.register_payment",
        "invoicing.view_vendormonthlybilling",
    }  # fmt: skip
    assert codes("warehouse") == {
        "sales.view_ordersummary", "catalog.view_product", "eventstore.view_command",
        "shipping.view_shipment", "shipping.dispatch_shipment", "shipping.confirm_delivery",
    }  # fmt: skip
    support = codes("support")
    assert "sales.cancel_order" in support
    assert {"eventstore.view_event", "eventstore.view_checkpoint", "cart.view_cart",
            "catalog.view_product"} <= support  # fmt: skip
    assert not {c for c in support if c.split(".")[1].startswith(("add_", "change_", "delete_"))}
    assert not support & {"invoicing.register_payment", "shipping.dispatch_shipment"}
    assert codes("integrations") == {"integrations.manage_webhooks"}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_someone_not_staff_is_sent_to_the_login_page(page: str) -> None:
    customer = client_for(make_user(staff=False))

    response = customer.get(PAGES[page])

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("group", sorted(SEES))
def test_each_group_sees_its_pages_and_no_other(group: str) -> None:
    staff = client_for(make_user(group))

    seen = {page for page, url in PAGES.items() if staff.get(url).status_code == 200}
    refused = {page for page, url in PAGES.items() if staff.get(url).status_code == 403}

    assert seen == SEES[group]
    assert refused == set(PAGES) - SEES[group]


def test_the_integrations_group_sees_the_webhook_pages_alone() -> None:
    staff = client_for(make_user("integrations"))

    seen = {page for page, url in PAGES.items() if staff.get(url).status_code == 200}

    assert seen == {"webhooks"}


def test_staff_without_a_group_see_the_dashboard_and_nothing_else() -> None:
    staff = client_for(make_user())

    assert staff.get("/admin/").status_code == 200
    assert all(staff.get(url).status_code == 403 for url in PAGES.values())


def test_a_superuser_sees_every_page() -> None:
    root = client_for(make_user(superuser=True))

    assert all(root.get(url).status_code == 200 for url in [*PAGES.values(), "/admin/"])


@pytest.mark.parametrize("slug", sorted(ACTIONS))
def test_someone_not_staff_cannot_act_and_nothing_is_stored(slug: str) -> None:
    placed = order_in("invoiced")
    user = make_user(staff=False)
    data, _ = ACTIONS[slug]

    response = client_for(user).post(action_url("ordersummary", placed.order_id, slug), data)

    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert commands_by(user) == []


@pytest.mark.parametrize(
    ("slug", "group"),
    [(slug, group) for slug, (_, allowed) in ACTIONS.items() for group in SEES if group != allowed],
)
def test_the_wrong_group_is_refused_with_a_message_and_nothing_is_stored(
    slug: str, group: str
) -> None:
    placed = order_in("invoiced")
    user = make_user(group)
    data, _ = ACTIONS[slug]

    response = client_for(user).post(
        action_url("ordersummary", placed.order_id, slug), data, follow=True
    )

    assert response.redirect_chain[-1][0] == f"/admin/sales/ordersummary/{placed.order_id}/change/"
    [message] = messages_of(response)
    assert message.startswith("You may not ")
    assert commands_by(user) == []


def test_the_order_page_offers_only_the_buttons_of_the_users_group() -> None:
    placed = order_in("invoiced")
    url = f"/admin/sales/ordersummary/{placed.order_id}/change/"

    def buttons(group: str | None, superuser: bool = False) -> set[str]:
        page = client_for(make_user(group, superuser=superuser)).get(url).content.decode()
        return {slug for slug in ACTIONS if f"/do/{slug}/" in page}

    assert buttons("support") == {"cancel"}
    assert buttons("finance") == {"pay"}
    assert buttons("warehouse") == {"dispatch", "deliver"}
    assert buttons(None, superuser=True) == set(ACTIONS)
