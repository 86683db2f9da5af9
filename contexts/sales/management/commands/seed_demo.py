"""Seed a demo catalog and two demo customers. Safe to run again: it changes nothing then.

Vendor and product ids are derived from their names, and each product is submitted with
an idempotency key, so a second run finds its earlier commands instead of adding new
ones. The products go through the command inbox like any other command (actor
`system:seed`); with `--wait` this process executes them, and none of a backlog of other
commands, and bakes the sales tables itself, so the catalog is there before a worker
wakes up.

The demo customers' password is public, so the demo goes by itself only into the
embedded Postgres of `make run`; any other database takes `--yes`.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models.functions import Now

from contexts.catalog.domain import CreateProduct
from eventstore.executor import Executor
from eventstore.inbox import IdempotencyConflict, submit
from eventstore.models import Command as InboxCommand
from eventstore.subscribers import Runner, registry
from shop.customers import customer_id_for
from shop.devstack.services import running_port

ACTOR = "system:seed"
DEMO = uuid.UUID("0d3e5c1a-7b9f-4c2e-8a61-5f4b2d9e7c10")
"""Namespace of the demo's derived ids."""
DEMO_PASSWORD = "demo-password-1"
DEMO_CUSTOMERS = ("alice", "bob")
SALES_BAKERS = ("sales.products", "sales.orders", "sales.popular_items")
OWN_COMMANDS_SECONDS = 30

CATALOG = {
    "northwind-computers": {
        "awesome-desktop-pc": "3200.00",
        "silent-office-pc": "899.00",
        "travel-laptop-13": "1449.90",
    },
    "acme-peripherals": {
        "mechanical-keyboard": "119.00",
        "wireless-mouse": "39.90",
        "monitor-27-4k": "429.00",
        "usb-c-dock": "189.50",
    },
    "paper-and-pens": {
        "notebook-a5": "4.50",
        "fountain-pen": "24.00",
    },
}
"""Vendor name, then product name and price. The names are the demo's stable handles."""


def vendor_id(vendor: str) -> uuid.UUID:
    return uuid.uuid5(DEMO, f"vendor:{vendor}")


def product_id(product: str) -> uuid.UUID:
    return uuid.uuid5(DEMO, f"product:{product}")


def on_the_embedded_database() -> bool:
    """Whether Django's database is on the Postgres that `make run` embeds under `.run/`."""
    port = running_port(settings.BASE_DIR / ".run" / "pg")
    server = (connection.settings_dict["HOST"], str(connection.settings_dict["PORT"]))
    return port is not None and server == ("127.0.0.1", str(port))


def demo_products() -> list[CreateProduct]:
    return [
        CreateProduct(product_id(name), vendor_id(vendor), name, Decimal(price))
        for vendor, products in CATALOG.items()
        for name, price in products.items()
    ]


def execute_own_commands() -> int:
    """Execute the demo products' commands in this process, and no other's: a backlog of
    other commands is the workers' (seeding waits for a worker holding one of its streams,
    bounded); how many it executed."""
    streams = [command.product_id for command in demo_products()]
    executor = Executor(streams=streams)
    executed = executor.run()
    deadline = time.monotonic() + OWN_COMMANDS_SECONDS
    while pending_on(streams):
        if time.monotonic() > deadline:
            raise CommandError(f"the demo's commands still wait after {OWN_COMMANDS_SECONDS} s")
        time.sleep(0.1)
        executed += executor.run()
    return executed


def pending_on(streams: list[uuid.UUID]) -> bool:
    ready = InboxCommand.objects.filter(stream_id__in=streams, not_before__lte=Now())
    return ready.filter(status=InboxCommand.Status.PENDING).exists()


class Command(BaseCommand):
    help = "Create the demo vendors' products and the demo customers (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait",
            action="store_true",
            help="execute the commands and bake the sales tables in this process",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            help="seed a database other than the embedded one (its customers' password is public)",
        )

    def handle(
        self, *args: object, wait: bool = False, yes: bool = False, **options: object
    ) -> None:
        if not (yes or on_the_embedded_database()):
            raise CommandError(
                f"this is not the embedded database: demo customers with the public password"
                f" {DEMO_PASSWORD!r} would log in here; run again with --yes to seed it anyway"
            )
        submitted = sum(self.submit_product(command) for command in demo_products())
        self.stdout.write(f"Demo catalog: {submitted} new product commands submitted.")
        for username in DEMO_CUSTOMERS:
            self.ensure_customer(username)
        if wait:
            executed = execute_own_commands()
            if not executed:  # a later start: nothing of its own to bake
                self.stdout.write("The demo's commands ran earlier: nothing to execute or bake.")
                return
            for name in SALES_BAKERS:
                Runner(registry.named(name)).catch_up()
            self.stdout.write(f"Executed {executed} commands and baked the sales tables.")

    def submit_product(self, command: CreateProduct) -> bool:
        key = f"seed:product:{command.product_id}"
        try:
            return submit(command, actor=ACTOR, idempotency_key=key).created
        except IdempotencyConflict:
            self.stderr.write(f"{command.name}: seeded earlier with other values; kept those.")
            return False

    def ensure_customer(self, username: str) -> None:
        """Create the demo user once; a later run leaves them (and their password) alone."""
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@shop.local"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        state = "created" if created else "exists"
        self.stdout.write(
            f"Demo customer {username} / {DEMO_PASSWORD} ({state}),"
            f" customer id {customer_id_for(user)}"
        )
