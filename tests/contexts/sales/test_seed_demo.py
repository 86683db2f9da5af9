"""`manage.py seed_demo`: a demo catalog and demo customers, and nothing new the second time."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from contexts.sales.management.commands.seed_demo import (
    CATALOG,
    DEMO_PASSWORD,
    product_id,
    vendor_id,
)
from contexts.sales.models import Product
from eventstore.models import Command
from shop.customers import customer_id_for

pytestmark = pytest.mark.django_db

SEEDED = sum(len(products) for products in CATALOG.values())


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seeding_with_wait_bakes_the_catalog_at_once() -> None:
    output = seed("--wait")

    pc = Product.objects.get(pk=product_id("awesome-desktop-pc"))
    assert (pc.name, pc.price, pc.active, pc.vendor_id) == (
        "awesome-desktop-pc", Decimal("3200.00"), True, vendor_id("northwind-computers")
    )  # fmt: skip
    seeded = Product.objects.filter(
        pk__in=[product_id(name) for products in CATALOG.values() for name in products]
    )
    assert seeded.count() == SEEDED
    assert Command.objects.filter(actor="system:seed", status="done").count() == SEEDED
    assert f"Demo catalog: {SEEDED} new product commands submitted." in output
    User = get_user_model()
    for username in ("alice", "bob"):
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert not user.is_staff
        assert f"Demo customer {username} / {DEMO_PASSWORD} (created)" in output
        assert str(customer_id_for(user)) in output


def test_seeding_again_changes_nothing() -> None:
    seed("--wait")
    commands = list(Command.objects.filter(actor="system:seed").order_by("seq").values_list())
    products = list(Product.objects.order_by("pk").values_list())
    passwords = list(get_user_model().objects.order_by("pk").values_list("username", "password"))

    output = seed("--wait")

    assert "Demo catalog: 0 new product commands submitted." in output
    assert "Demo customer alice / demo-password-1 (exists)" in output
    assert list(Command.objects.filter(actor="system:seed").order_by("seq").values_list()) == (
        commands
    )
    assert list(Product.objects.order_by("pk").values_list()) == products
    assert list(
        get_user_model().objects.order_by("pk").values_list("username", "password")
    ) == passwords  # fmt: skip


def test_seeding_without_wait_only_submits() -> None:
    seed()

    assert Command.objects.filter(actor="system:seed", status="pending").count() == SEEDED
    assert not Product.objects.filter(pk=product_id("awesome-desktop-pc")).exists()
