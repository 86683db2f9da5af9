"""Create the staff account `make run` promises, without ever printing a password twice."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from shop.secret_files import write_secret_file


class Command(BaseCommand):
    help = "Create the staff superuser from SHOP_ADMIN_USER / SHOP_ADMIN_PASSWORD, or `admin`."

    def handle(self, *args: object, **options: object) -> None:
        User = get_user_model()
        username = os.environ.get("SHOP_ADMIN_USER")
        password = os.environ.get("SHOP_ADMIN_PASSWORD")
        if username and password:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            self.stdout.write(f"Staff account: {username} (password from SHOP_ADMIN_PASSWORD)")
            return
        password_file = settings.BASE_DIR / ".run" / "admin-password"
        if User.objects.filter(username="admin").exists():
            self.stdout.write(f"Staff account: admin (password in {password_file})")
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser("admin", "admin@shop.local", password)
        write_secret_file(password_file, password + "\n")
        self.stdout.write(f"Staff account: admin / {password}  (saved to {password_file})")
