"""The `integrations` group: it registers and manages webhook endpoints
(`integrations.manage_webhooks`), made as the other back-office groups are
(`0001_backoffice_groups`)."""

import importlib

from django.db import migrations

backoffice_groups = importlib.import_module("shop.migrations.0001_backoffice_groups")

NAME = "integrations"
CODES = ("integrations.manage_webhooks",)


def create_group(apps, schema_editor):
    backoffice_groups.create_app_permissions(apps, ("integrations",))
    backoffice_groups.create_group(apps, NAME, CODES)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0003_usernames_and_emails_unique_whatever_case"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
