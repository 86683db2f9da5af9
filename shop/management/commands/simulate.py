"""`manage.py simulate --orders N --rate R [--customers C]`: realistic traffic, live.

Everything goes through the real REST API of a running server (`make run`), so the
live board at /live comes alive while it runs. Staff credentials pay and dispatch:
--staff-user/--staff-password, else SHOP_ADMIN_USER/SHOP_ADMIN_PASSWORD, else `admin`
with the password `make run` saved in .run/admin-password.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventstore.progress import ProgressBar
from shop.simulate.client import ApiError
from shop.simulate.run import Plan, simulate


def positive(kind: type) -> object:
    def parse(text: str) -> object:
        value = kind(text)
        if value <= 0:
            raise ValueError(text)
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def default_staff() -> tuple[str, str]:
    user, password = os.environ.get("SHOP_ADMIN_USER"), os.environ.get("SHOP_ADMIN_PASSWORD")
    if user and password:
        return user, password
    saved = Path(settings.BASE_DIR) / ".run" / "admin-password"
    return "admin", saved.read_text().strip() if saved.exists() else ""


class Command(BaseCommand):
    help = "Generate orders, payments, dispatches and cancellations through the REST API."
    requires_system_checks: list[str] = []  # a tool: start fast, `manage.py check` checks

    def add_arguments(self, parser: CommandParser) -> None:
        port = os.environ.get("PORT", "8000")
        given = "(default: %(default)s)"
        parser.add_argument(
            "--orders", type=positive(int), default=50, help=f"orders to place {given}"
        )
        parser.add_argument(
            "--rate", type=positive(float), default=5.0, help=f"orders per second {given}"
        )
        parser.add_argument(
            "--customers", type=positive(int), default=10, help=f"new customers {given}"
        )
        parser.add_argument(
            "--url", default=f"http://127.0.0.1:{port}",
            help="the server (default: http://127.0.0.1:$PORT, here %(default)s)",
        )  # fmt: skip
        parser.add_argument(
            "--staff-user",
            help="staff who pay and dispatch (default: SHOP_ADMIN_USER, else admin)",
        )
        parser.add_argument(
            "--staff-password",
            help="their password (default: SHOP_ADMIN_PASSWORD, else .run/admin-password)",
        )
        parser.add_argument(
            "--seed", type=int,
            help="for a repeatable mix of journeys (default: a random one each run)",
        )  # fmt: skip
        parser.add_argument(
            "--concurrency", type=positive(int), default=0,
            help="journeys at once (default: 3 s of orders at --rate, from 4 to 64)",
        )  # fmt: skip

    def handle(self, *args: object, **options: object) -> None:
        user, password = default_staff()
        plan = Plan(
            base_url=options["url"], orders=options["orders"], rate=options["rate"],
            customers=options["customers"], staff_user=options["staff_user"] or user,
            staff_password=options["staff_password"] or password, seed=options["seed"],
            concurrency=options["concurrency"],
        )  # fmt: skip
        if not plan.staff_password:
            raise CommandError("No staff password: pass --staff-password or set SHOP_ADMIN_*.")
        self.stdout.write(f"Simulating against {plan.base_url}; watch {plan.base_url}/live")
        try:
            report = simulate(plan, ProgressBar("orders", unit="orders"))
        except ApiError as error:
            raise CommandError(f"Could not start: {error}") from None
        for line in report.lines():
            self.stdout.write(line)
        if report.stats.errors:
            sys.exit(1)
