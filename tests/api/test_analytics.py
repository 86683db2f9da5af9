"""Staff analytics: popular items of a day and vendor billing of a month.

Other tests' orders share the tables, so each read names this test's vendor.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.conftest import People, problem
from tests.api.flow import (  # noqa: F401  (fixtures)
    Order,
    accepted,
    invoiced_fixture,
    paid_fixture,
    settle,
)

pytestmark = pytest.mark.django_db


def test_popular_items_of_a_day_most_sold_first(people: People, invoiced: Order) -> None:
    today = timezone.now().astimezone(dt.UTC).date().isoformat()

    response = people.staff.get(
        f"/api/analytics/popular-items?date={today}&vendorId={invoiced.vendor}"
    )

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"vendorId": invoiced.vendor, "productId": invoiced.teapot, "name": "Teapot",
             "date": today, "quantity": 2},
            {"vendorId": invoiced.vendor, "productId": invoiced.cup, "name": "Cup",
             "date": today, "quantity": 1},
        ],
        "next": None,
        "previous": None,
    }  # fmt: skip


def test_a_cancelled_order_leaves_the_popular_items(people: People, invoiced: Order) -> None:
    today = timezone.now().astimezone(dt.UTC).date().isoformat()
    accepted(people.alice.post(f"/api/order/{invoiced.order_id}/cancel", {"reason": "no"}))
    settle()

    response = people.staff.get(
        f"/api/analytics/popular-items?date={today}&vendorId={invoiced.vendor}"
    )

    assert response.json()["results"] == []


def test_vendor_billing_of_a_month(people: People, paid: Order) -> None:
    now = timezone.now().astimezone(dt.UTC)

    response = people.staff.get(
        f"/api/analytics/vendor-billing?year={now.year}&month={now.month}&vendorId={paid.vendor}"
    )

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "vendorId": paid.vendor,
            "year": now.year,
            "month": now.month,
            "balance": "54.50",
            "currency": "EUR",
        }
    ]


@pytest.mark.parametrize(
    "query",
    ["", "date=", "date=2026-02-30", "date=20260101", "date=2026-01-01&vendorId=x",
     "date=2026-01-01&cursor=bogus"],
)  # fmt: skip
def test_popular_items_need_a_valid_date(people: People, query: str) -> None:
    problem(people.staff.get(f"/api/analytics/popular-items?{query}"), 422)


@pytest.mark.parametrize(
    "query",
    ["", "year=2026", "month=3", "year=2026&month=13", "year=2026&month=0",
     "year=twenty&month=3", "year=0&month=3", "year=2026&month=3&vendorId=x"],
)  # fmt: skip
def test_vendor_billing_needs_a_valid_year_and_month(people: People, query: str) -> None:
    problem(people.staff.get(f"/api/analytics/vendor-billing?{query}"), 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/analytics/popular-items?date=2026-01-01",
        "/api/analytics/vendor-billing?year=2026&month=1",
    ],
)
def test_analytics_are_for_staff(people: People, path: str) -> None:
    problem(people.anonymous.get(path), 401)
    problem(people.alice.get(path), 403)
    assert people.staff.get(path).status_code == 200
