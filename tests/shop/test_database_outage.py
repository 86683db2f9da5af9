"""Pages outside the API, and middleware, answer a database outage with 503 and
Retry-After, never 500; errors in what was asked of the database stay 500.

The outage is real: the default database pointed at a port that refuses connections
(tests/database_outage.py). This module is also the URLconf of its tests: Shop's own
routes, plus a page that only writes its session (so the session middleware meets the
outage after the view) and views that make Postgres raise a given error.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.urls import handler500
from shop.urls import urlpatterns as shop_urlpatterns
from tests.database_outage import database_unreachable
from tests.staff import with_every_right

pytestmark = [pytest.mark.integration, pytest.mark.urls(__name__)]

RAISED = {"integrity": "unique_violation", "programming": "undefined_table",
          "data": "division_by_zero"}  # fmt: skip


def remember_visit(request: HttpRequest) -> HttpResponse:
    request.session["visited"] = True  # a new session: saved after the view, by middleware
    return HttpResponse("remembered")


def make_postgres_raise(kind: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DO $$ BEGIN RAISE {RAISED[kind]}; END $$")


def page_raising(request: HttpRequest, kind: str) -> HttpResponse:
    make_postgres_raise(kind)
    return HttpResponse("unreachable")


class ApiRaising(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get(self, request: Request, kind: str) -> Response:
        make_postgres_raise(kind)
        return Response({})


urlpatterns = [
    path("remember", remember_visit),
    path("api/remember", remember_visit),
    path("raising/<str:kind>", page_raising),
    path("api/raising/<str:kind>", ApiRaising.as_view()),
    *shop_urlpatterns,
]
__all__ = ["handler500", "urlpatterns"]


def signed_in(user: User) -> Client:
    """A client that raises what Django leaves unhandled (the test client's default): a
    view's outage must be answered, not left to the 500 handler."""
    client = Client()
    client.force_login(user)
    return client


def plain_503(response: HttpResponse) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Retry-After"] == "5"
    assert b"cannot reach its database" in response.content


@pytest.mark.parametrize("page", ["/admin/", "/admin/sales/ordersummary/", "/live"])
def test_a_page_while_the_database_is_down_is_a_plain_503(committed_db: None, page: str) -> None:
    staff = with_every_right(User.objects.create_user(f"s-{uuid.uuid4().hex[:10]}", is_staff=True))
    client = signed_in(staff)

    with database_unreachable():
        response = client.get(page)

    plain_503(response)


def test_a_customer_page_while_the_database_is_down_is_a_plain_503(committed_db: None) -> None:
    client = signed_in(User.objects.create_user(f"c-{uuid.uuid4().hex[:10]}"))

    with database_unreachable():
        response = client.get("/orders/")

    plain_503(response)


def test_a_middleware_meeting_the_outage_after_the_view_answers_503(committed_db: None) -> None:
    """Django leaves an exception raised in a middleware to its 500 handler."""
    client = Client(raise_request_exception=False)

    with database_unreachable():
        page, api = client.get("/remember"), client.get("/api/remember")

    plain_503(page)
    assert (api.status_code, api["Content-Type"]) == (503, "application/problem+json")
    assert api["Retry-After"] == "5"
    assert api.json() == {
        "type": "/api/problems/database-unavailable",
        "title": "The database is unavailable",
        "status": 503,
        "detail": "The database was lost while storing your request: it may or may not have"
        " been stored. Retry with the same Idempotency-Key to find out.",
    }


def test_the_sign_in_page_posted_while_the_database_is_down_is_a_plain_503(
    committed_db: None,
) -> None:
    with database_unreachable():
        response = Client().post("/accounts/login/", {"username": "a", "password": "b"})

    plain_503(response)


@pytest.mark.parametrize("kind", RAISED)
def test_an_error_in_what_was_asked_of_the_database_stays_a_500(
    committed_db: None, kind: str
) -> None:
    client = Client(raise_request_exception=False)

    page = client.get(f"/raising/{kind}")
    api = client.get(f"/api/raising/{kind}")

    assert (page.status_code, page["Content-Type"]) == (500, "text/html; charset=utf-8")
    assert (api.status_code, api["Content-Type"]) == (500, "application/problem+json")
    assert not page.has_header("Retry-After")
