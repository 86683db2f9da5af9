"""The figures on the back-office's front page, each linking to the list behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse

from contexts.integrations import queries as integrations
from contexts.invoicing import queries as invoicing
from contexts.sales import queries as sales
from contexts.shipping import queries as shipping
from contexts.shipping.models import ShipmentStatus
from eventstore.subscribers import lag, registry


@dataclass(frozen=True)
class Figure:
    label: str
    count: int
    url: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class Dashboard:
    figures: list[Figure]
    baker_lag: list[tuple[str, int]]
    lag_url: str
    failing_endpoints: list[tuple[str, str]]  # webhook endpoints failing or disabled: url, why


def figures(now: dt.datetime) -> Dashboard:
    """Today (UTC) so far, what waits on staff, and how far each baker is behind."""
    today = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    placed = sales.orders_placed(today, today + dt.timedelta(days=1))
    day = today.date().isoformat()
    awaiting = invoicing.awaiting_payment(now)
    late = invoicing.overdue(now)
    dispatching = shipping.shipments(status=ShipmentStatus.AWAITING_DISPATCH)
    bakers = {baker.name for baker in registry.bakers()}
    failing = list(integrations.failing().order_by("url"))
    return Dashboard(
        figures=[
            Figure(
                "Orders today",
                placed.count,
                _list("sales", "ordersummary", placed_at_from=day, placed_at_to=day),
                placed.revenue,
            ),
            Figure(
                "Invoices awaiting payment",
                awaiting.count(),
                _list("invoicing", "invoice", payment="awaiting"),
                _unpaid(awaiting),
            ),
            Figure(
                "Overdue invoices",
                late.count(),
                _list("invoicing", "invoice", payment="overdue"),
                _unpaid(late),
            ),
            Figure(
                "Shipments awaiting dispatch",
                dispatching.count(),
                _list("shipping", "shipment", status__exact=ShipmentStatus.AWAITING_DISPATCH),
            ),
            Figure(
                "Webhook endpoints failing or disabled",
                len(failing),
                _list("integrations", "webhookendpoint", trouble="yes"),
            ),
        ],
        baker_lag=sorted((name, behind) for name, behind in lag().items() if name in bakers),
        lag_url=reverse("admin:eventstore_checkpoint_changelist"),
        failing_endpoints=[(endpoint.url, integrations.state(endpoint)) for endpoint in failing],
    )


def _unpaid(invoices: object) -> Decimal:
    totals = invoices.aggregate(amount=Sum("amount"), paid=Sum("paid_amount"))
    return (totals["amount"] or Decimal("0.00")) - (totals["paid"] or Decimal("0.00"))


def _list(app: str, model: str, **filters: str) -> str:
    return f"{reverse(f'admin:{app}_{model}_changelist')}?{urlencode(filters)}"
