"""Create the staff account `make run` promises, without ever printing a password twice.

It never turns an existing customer account into staff: that account's API tokens and
sessions were handed out to a customer, and would carry the new rights with them.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from shop.secret_files import write_secret_file


def refuse_customer(username: str, remedy: str) -> CommandError:
    return CommandError(
        f"{username} is a customer account; ensure_admin does not make it staff (its API "
        f"tokens and sessions would keep working with staff rights). {remedy}"
    )


class Command(BaseCommand):
    help = "Create the staff superuser from SHOP_ADMIN_USER / SHOP_ADMIN_PASSWORD, or `admin`."

    def handle(self, *args: object, **options: object) -> None:
        username = os.environ.get("SHOP_ADMIN_USER")
        password = os.environ.get("SHOP_ADMIN_PASSWORD")
        if username and password:
            self.named_account(username, password)
        else:
            self.default_account()

    def named_account(self, username: str, password: str) -> None:
        """SHOP_ADMIN_USER, created or (if already staff) made superuser with the password."""
        User = get_user_model()
        user = User.objects.filter(username__iexact=username).first()  # names ignore case
        if user is not None and not user.is_staff:
            raise refuse_customer(user.username, "Set SHOP_ADMIN_USER to another name.")
        user = user or User(username=username)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"Staff account: {username} (password from SHOP_ADMIN_PASSWORD)")

    def default_account(self) -> None:
        """`admin` with a random password saved once; an existing staff `admin` is kept."""
        User = get_user_model()
        password_file = settings.BASE_DIR / ".run" / "admin-password"
        existing = User.objects.filter(username__iexact="admin").first()
        if existing is not None and not existing.is_staff:
            remedy = "Set SHOP_ADMIN_USER and SHOP_ADMIN_PASSWORD to create another account."
            raise refuse_customer("admin", remedy)
        if existing is not None:
            self.stdout.write(f"Staff account: admin (password in {password_file})")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@shop.local", password)
        write_secret_file(password_file, password + "\n")
        self.stdout.write(f"Staff account: admin / {password}  (saved to {password_file})")
