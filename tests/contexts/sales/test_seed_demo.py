"""`manage.py seed_demo`: a demo catalog and demo customers, and nothing new the second time."""

from __future__ import annotations

import io
import os
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from contexts.catalog.domain import CreateProduct
from contexts.catalog.models import Product
from contexts.sales.management.commands.seed_demo import (
    CATALOG,
    DEMO_PASSWORD,
    product_id,
    vendor_id,
)
from eventstore.inbox import submit
from eventstore.models import Command
from shop.customers import customer_id_for

pytestmark = pytest.mark.django_db

SEEDED = sum(len(products) for products in CATALOG.values())


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--yes", *args, stdout=out)
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


def test_seeding_with_wait_leaves_a_backlog_of_other_commands_to_the_workers() -> None:
    """Other pending commands that no worker runs (as at a `make run` on a busy database)
    neither run in the seeding process nor hold it up."""
    backlog = [
        submit(
            CreateProduct(uuid.uuid4(), uuid.uuid4(), f"backlog-{n}", Decimal("1.00")),
            actor="staff:backlog", idempotency_key=f"backlog-{n}",
        ).command_id
        for n in range(3)
    ]  # fmt: skip

    output = seed("--wait")

    assert f"Executed {SEEDED} commands and baked the sales tables." in output
    assert Command.objects.filter(actor="system:seed", status="done").count() == SEEDED
    still = Command.objects.filter(pk__in=backlog).values_list("status", "executed_at")
    assert list(still) == [("pending", None)] * 3
    assert not Product.objects.filter(name__startswith="backlog-").exists()


def test_seeding_again_with_wait_executes_and_bakes_nothing() -> None:
    seed("--wait")

    output = seed("--wait")

    assert "The demo's commands ran earlier: nothing to execute or bake." in output


def test_seeding_without_wait_only_submits() -> None:
    seed()

    assert Command.objects.filter(actor="system:seed", status="pending").count() == SEEDED
    assert not Product.objects.filter(pk=product_id("awesome-desktop-pc")).exists()


def demo_rows() -> tuple[int, int]:
    users = get_user_model().objects.filter(username__in=("alice", "bob")).count()
    return users, Command.objects.filter(actor="system:seed").count()


def test_a_database_other_than_the_embedded_one_is_seeded_only_with_yes(
    settings, tmp_path: Path
) -> None:
    settings.BASE_DIR = tmp_path  # no embedded Postgres runs under tmp_path/.run/pg
    before = demo_rows()

    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--wait", stdout=io.StringIO())

    assert str(refused.value) == (
        "this is not the embedded database: demo customers with the public password"
        " 'demo-password-1' would log in here; run again with --yes to seed it anyway"
    )
    assert demo_rows() == before


def test_the_embedded_database_is_seeded_without_yes(settings, tmp_path: Path) -> None:
    """The embedded server is the one whose postmaster.pid under .run/pg names our port."""
    settings.BASE_DIR = tmp_path
    pid_file = tmp_path / ".run" / "pg" / "postmaster.pid"
    pid_file.parent.mkdir(parents=True)
    port = connection.settings_dict["PORT"]
    pid_file.write_text(f"{os.getpid()}\n{pid_file.parent}\n0\n{port}\n")

    output = io.StringIO()
    call_command("seed_demo", stdout=output)

    assert output.getvalue().startswith("Demo catalog: ")  # past the gate: it seeded
    assert f"Demo customer alice / {DEMO_PASSWORD} (" in output.getvalue()
