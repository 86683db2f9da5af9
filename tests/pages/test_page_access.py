"""Who may open which live page, and what a page embeds for its socket (no browser)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.templatetags.static import static
from django.test import Client
from django.utils import timezone

from contexts.sales import domain as sales
from contexts.sales.feed import head
from contexts.sales.management.commands.seed_demo import demo_products, product_id
from contexts.shared.values import Address
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.subscribers import Runner, registry
from shop.customers import customer_id_for
from tests.staff import join

HOME = Address("Ada", "1 Main St", "London", "N1 1AA", "GB")

pytestmark = pytest.mark.django_db


def signed_in(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def user(staff: bool = False) -> User:
    """A customer, or a member of staff in the support group (who sees every order)."""
    account = User.objects.create_user(f"page-{uuid.uuid4().hex[:10]}", is_staff=staff)
    return join(account, "support") if staff else account


def placed_order(customer: User) -> uuid.UUID:
    """An order placed, executed and baked in this test's transaction."""
    for command in demo_products():
        submit(command, actor="system:test", idempotency_key=f"product:{command.product_id}")
    order_id = uuid.uuid4()
    line = sales.RequestedLine(product_id("notebook-a5"), 3)
    place = sales.PlaceOrder(order_id, customer_id_for(customer), (line,), HOME, timezone.now())
    submit(place, actor=f"customer:{customer.pk}")
    Executor().run()
    for name in ("sales.products", "sales.orders"):
        Runner(registry.named(name)).catch_up()
    return order_id


def embedded_position(html: str) -> int:
    return int(re.search(r'data-position="(\d+)"', html).group(1))


@pytest.mark.parametrize("path", ["/live", "/orders/", f"/orders/{uuid.uuid4()}"])
def test_anonymous_visitors_are_sent_to_sign_in(path: str) -> None:
    response = signed_in(None).get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_a_customer_gets_a_staff_only_page_on_the_board() -> None:
    response = signed_in(user()).get("/live")

    assert response.status_code == 403
    assert b"Staff only" in response.content
    assert b"data-feed" not in response.content


def test_staff_see_the_board_with_the_newest_order_first_and_the_feed_head() -> None:
    order_id = placed_order(user())

    response = signed_in(user(staff=True)).get("/live")

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<tbody>\s*<tr data-order-id="([^"]+)"', html).group(1) == str(order_id)
    assert embedded_position(html) == head()
    assert f'src="{static("sales/live.js")}"' in html  # the hashed name the manifest gives


def test_an_order_page_is_for_its_customer_and_staff_and_a_404_for_anyone_else() -> None:
    customer = user()
    order_id = placed_order(customer)
    path = f"/orders/{order_id}"

    mine = signed_in(customer).get(path)
    staff = signed_in(user(staff=True)).get(path)
    stranger = signed_in(user()).get(path)

    assert (mine.status_code, staff.status_code, stranger.status_code) == (200, 200, 404)
    assert embedded_position(mine.content.decode()) == head()
    assert b"sales.OrderPlaced" in mine.content
    assert b"notebook-a5" in mine.content


def test_staff_of_no_group_get_neither_the_board_nor_an_order_page() -> None:
    order_id = placed_order(user())
    bare = signed_in(User.objects.create_user(f"page-{uuid.uuid4().hex[:10]}", is_staff=True))

    board, page = bare.get("/live"), bare.get(f"/orders/{order_id}")

    assert (board.status_code, page.status_code) == (403, 404)
    assert b"data-feed" not in board.content
    assert str(order_id).encode() not in board.content


def test_a_customer_lists_only_their_own_orders() -> None:
    customer = user()
    mine, theirs = placed_order(customer), placed_order(user())

    html = signed_in(customer).get("/orders/").content.decode()

    assert str(mine) in html
    assert str(theirs) not in html


def test_signing_in_lands_staff_on_the_board_and_customers_on_their_orders() -> None:
    staff, customer = user(staff=True), user()
    for person in (staff, customer):
        person.set_password("a-long-password-1")
        person.save()

    landings = [
        Client().post(
            "/accounts/login/", {"username": person.username, "password": "a-long-password-1"}
        )["Location"]
        for person in (staff, customer)
    ]

    assert landings == ["/live", "/orders/"]
