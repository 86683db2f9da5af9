"""A page that fails answers as the live pages look (their stylesheet, their header);
the API's failures stay application/problem+json."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.templatetags.static import static
from django.test import Client, RequestFactory

from shop.api.problems import server_error

pytestmark = pytest.mark.django_db


def signed_in(staff: bool = False) -> Client:
    client = Client()
    client.force_login(User.objects.create_user(f"err-{uuid.uuid4().hex[:10]}", is_staff=staff))
    return client


def styled(html: str, heading: str) -> bool:
    """Whether `html` is a page in the live pages' look with this heading."""
    stylesheet = f'<link rel="stylesheet" href="{static("sales/live.css")}">'
    return stylesheet in html and '<header class="top">' in html and f"<h1>{heading}</h1>" in html


@pytest.mark.parametrize("path", ["/no-such-page", f"/orders/{uuid.uuid4()}"])
def test_a_page_that_is_not_there_is_a_styled_404(path: str) -> None:
    response = signed_in().get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert styled(response.content.decode(), "Not found")
    assert '<a href="/orders/">Your orders</a>' in response.content.decode()


def test_an_api_address_that_is_not_there_stays_a_problem() -> None:
    response = signed_in().get("/api/no-such-thing")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is nothing at this address.",
    }


def test_a_back_office_page_staff_may_not_see_is_a_styled_403() -> None:
    response = signed_in(staff=True).get("/admin/eventstore/checkpoint/")

    assert response.status_code == 403
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert styled(response.content.decode(), "Not allowed")
    assert '<a href="/admin/">the back office</a>' in response.content.decode()


def test_a_page_that_failed_is_a_styled_500() -> None:
    response = server_error(RequestFactory().get("/live"))

    assert response.status_code == 500
    assert styled(response.content.decode(), "Something went wrong")
