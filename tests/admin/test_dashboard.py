"""The dashboard: today's orders and revenue, invoices awaiting payment and overdue,
shipments awaiting dispatch, and baker lag. Other tests' rows may be there too, so each
figure is checked by how much it moves."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.invoicing import domain as invoicing
from contexts.sales import domain as sales
from eventstore.inbox import submit
from eventstore.subscribers import registry
from shop.admin.dashboard import figures
from shop.customers import customer_id_for
from tests.admin.support import client_for, make_user, order_in, place_order, settle

pytestmark = pytest.mark.django_db


def counts() -> dict[str, tuple[int, Decimal | None]]:
    return {f.label: (f.count, f.amount) for f in figures(timezone.now()).figures}


def test_the_figures_move_with_todays_orders_invoices_and_shipments() -> None:
    settle()
    before = counts()
    order_in("invoiced")  # 50.00, awaiting payment
    order_in("paid")  # 50.00, a shipment awaiting dispatch
    cancelled = place_order(price="15.00", quantity=1)
    settle()
    submit(sales.CancelOrder(cancelled.order_id, "test", "staff", timezone.now()), actor="staff:t")
    late = place_order(price="9.00", quantity=1, placed_at=timezone.now() - dt.timedelta(days=5))
    settle()  # its payment deadline passes at once: overdue, then cancelled and voided
    now = timezone.now()
    line = invoicing.InvoiceLine(
        late.product_id, late.vendor_id, "x", Decimal("4.00"), 1, Decimal("4.00")
    )
    issue = invoicing.IssueInvoice(
        uuid.uuid4(), late.order_id, customer_id_for(late.customer), (line,), Decimal("4.00"),
        now - dt.timedelta(days=2), now - dt.timedelta(days=1),
    )  # fmt: skip
    submit(issue, actor="staff:t")
    settle()

    after = counts()

    def moved(label: str) -> tuple[int, Decimal | None]:
        (count, amount), (was, was_amount) = after[label], before[label]
        return count - was, None if amount is None else amount - was_amount

    assert moved("Orders today") == (3, Decimal("100.00"))
    assert moved("Invoices awaiting payment") == (1, Decimal("50.00"))
    assert moved("Overdue invoices") == (1, Decimal("4.00"))
    assert moved("Shipments awaiting dispatch") == (1, None)


def test_the_page_links_each_figure_and_lists_baker_lag() -> None:
    settle()
    today = timezone.now().date().isoformat()

    html = client_for(make_user()).get("/admin/").content.decode()

    assert f"/admin/sales/ordersummary/?placed_at_from={today}&amp;placed_at_to={today}" in html
    assert "/admin/invoicing/invoice/?payment=awaiting" in html
    assert "/admin/invoicing/invoice/?payment=overdue" in html
    assert "/admin/shipping/shipment/?status__exact=awaiting_dispatch" in html
    lag = html[html.index('id="baker-lag"') :]
    for baker in registry.bakers():
        assert f'<th scope="row">{baker.name}</th><td class="figure">0</td>' in lag
    assert "sales.billing" not in lag
