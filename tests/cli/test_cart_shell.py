"""`manage.py cart`: the shell read from stdin, one-shot arguments, and its messages.

Without a worker the shell executes its commands itself (`--wait 0`); the terminal test
in test_cart_terminal.py runs with a real worker.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from contexts.cart.queries import cart_view
from contexts.catalog.models import Product
from eventstore.models import Command
from shop.cli.cart import cart_id_of
from shop.customers import customer_id_for
from tests.cli.conftest import Manage

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("demo_catalog")]


def new_name() -> str:
    return f"shopper-{uuid.uuid4().hex[:8]}"


def cart_rows(name: str) -> list[tuple[str, int]]:
    view = cart_view(cart_id_of(customer_id_for(User.objects.get(username=name))))
    return [(line.name, line.quantity) for line in view.lines] if view else []


def operations(name: str) -> list[tuple[str, str]]:
    actor = f"customer:{User.objects.get(username=name).pk}"
    rows = Command.objects.filter(actor=actor).order_by("seq")
    return list(rows.values_list("operation", "status"))


def test_a_script_on_stdin_fills_the_cart_through_the_command_inbox(
    manage: Manage, state_file: Path
) -> None:
    name = new_name()
    script = "\n".join(
        [
            f"change-member {name}",
            "add awesome-desktop-pc 2",
            "add wireless-mouse",
            "adjust wireless-mouse 2",
            "remove awesome-desktop-pc",
            "add awesome-desktop",
            "frobnicate now",
            "show",
            "current-member",
        ]
    )

    run = manage("cart", "--state", str(state_file), "--wait", "0", stdin=script + "\n")

    user = User.objects.get(username=name)
    cart_id = cart_id_of(customer_id_for(user))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        f"Now shopping as {name} (new demo customer, password demo-password-1); cart {cart_id}.",
        "Added 2 x awesome-desktop-pc.",
        "Added 1 x wireless-mouse.",
        "Changed wireless-mouse by +2.",
        "Removed awesome-desktop-pc.",
        f"  {'wireless-mouse':<24} {3:>5} x {'39.90':>10} = {'119.70':>11}",
        f"  {'total':<24} {'119.70':>32}",
        f"{name}: customer {customer_id_for(user)}, cart {cart_id}",
    ]
    assert run.stderr.splitlines() == [
        "Unknown product 'awesome-desktop'. Did you mean awesome-desktop-pc?",
        "Unknown command 'frobnicate'. Commands: change-member, current-member, add, remove,"
        " adjust, show, checkout, help, quit.",
    ]
    assert cart_rows(name) == [("wireless-mouse", 3)]
    assert operations(name) == [
        ("AddItem", "done"), ("AddItem", "done"), ("AdjustQuantity", "done"),
        ("RemoveItem", "done"),
    ]  # fmt: skip
    assert state_file.read_text() == f"{name}\n"


def test_one_shot_arguments_remember_the_member_between_runs(
    manage: Manage, state_file: Path
) -> None:
    name = new_name()
    shell = ("cart", "--state", str(state_file), "--wait", "0")

    member = manage(*shell, "change-member", name)
    added = manage(*shell, "add", "notebook-a5", "4")
    lowered = manage(*shell, "adjust", "notebook-a5", "-1")
    shown = manage(*shell, "show")

    assert [run.returncode for run in (member, added, lowered, shown)] == [0, 0, 0, 0]
    assert added.stdout == "Added 4 x notebook-a5.\n"
    assert lowered.stdout == "Changed notebook-a5 by -1.\n"
    assert shown.stdout.splitlines()[0].split() == ["notebook-a5", "3", "x", "4.50", "=", "13.50"]
    assert cart_rows(name) == [("notebook-a5", 3)]


def test_one_shot_failures_say_why_and_exit_1_without_submitting_anything(
    manage: Manage, state_file: Path
) -> None:
    name = new_name()
    shell = ("cart", "--state", str(state_file), "--wait", "0")
    manage(*shell, "change-member", name)

    unknown_product = manage(*shell, "add", "zz-9-plural-z-alpha", "1")
    unknown_command = manage(*shell, "buy", "teapot")
    bad_quantity = manage(*shell, "add", "notebook-a5", "two")
    nobody = manage("cart", "--state", str(state_file.with_name("none")), "show")

    assert [r.returncode for r in (unknown_product, unknown_command, bad_quantity, nobody)] == [
        1, 1, 1, 1,
    ]  # fmt: skip
    assert unknown_product.stderr.startswith("Unknown product 'zz-9-plural-z-alpha'. Products: ")
    listed = unknown_product.stderr.split("Products: ")[1].removesuffix(".\n").split(", ")
    on_sale = set(Product.objects.filter(active=True).values_list("name", flat=True))
    named = [name for name in listed if name != "..."]
    assert named and set(named) <= on_sale and len(named) == len(set(named))
    assert unknown_command.stderr.startswith("Unknown command 'buy'. Commands: change-member,")
    assert bad_quantity.stderr == "'two' is not a whole number. Usage: add PRODUCT [QTY]\n"
    assert nobody.stderr == "No member yet: change-member NAME first (e.g. alice).\n"
    assert operations(name) == []


def test_a_rejected_command_reports_the_domains_reason(manage: Manage, state_file: Path) -> None:
    name = new_name()
    shell = ("cart", "--state", str(state_file), "--wait", "0")
    manage(*shell, "change-member", name)

    removed = manage(*shell, "remove", "fountain-pen")
    checkout = manage(*shell, "checkout")

    assert removed.returncode == checkout.returncode == 1
    assert removed.stderr == "Rejected: that product is not in the cart.\n"
    assert checkout.stderr == "Rejected: an empty cart cannot check out.\n"
    assert operations(name) == [("RemoveItem", "rejected"), ("CheckOut", "rejected")]


def test_staff_accounts_do_not_shop(manage: Manage, state_file: Path) -> None:
    staff = User.objects.create_user(new_name(), is_staff=True)

    run = manage("cart", "--state", str(state_file), "change-member", staff.username)

    assert run.returncode == 1
    assert run.stderr == f"{staff.username} is a staff account; staff do not shop.\n"
    assert not state_file.exists()


def test_help_lists_every_command(manage: Manage, state_file: Path) -> None:
    run = manage("cart", "--state", str(state_file), "help")

    assert run.returncode == 0
    listed = [line.split()[0] for line in run.stdout.splitlines()[1:]]
    assert listed == [
        "change-member", "current-member", "add", "remove", "adjust", "show", "checkout",
        "help", "quit",
    ]  # fmt: skip
