"""The back-office groups and what each may do (see docs/admin.md).

Custom permissions are declared on the models they act on (`sales.cancel_order`, ...).
Django creates permissions only after all migrations have run, so this migration
creates them first, from the migration state, to be able to hand them out.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ("sales", "invoicing", "shipping", "cart", "eventstore")
BUSINESS_VIEWS = ("sales.view_ordersummary", "sales.view_product", "eventstore.view_command")
GROUPS = {
    "support": ("sales.cancel_order",),
    "finance": (*BUSINESS_VIEWS, "invoicing.view_invoice", "invoicing.register_payment"),
    "warehouse": (
        *BUSINESS_VIEWS,
        "shipping.view_shipment",
        "shipping.dispatch_shipment",
        "shipping.confirm_delivery",
    ),
}


def create_app_permissions(apps, labels):
    """The apps' permissions, made now from the migration state (see above)."""
    for label in labels:
        config = apps.get_app_config(label)
        config.models_module = True  # create_permissions skips apps without models
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None


def create_group(apps, name, codes):
    """The group `name` holding the permissions `codes` (`app_label.codename`). Later
    migrations that add a group call this too (`0004_integrations_group`)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=name)
    for app_label, codename in (code.split(".") for code in codes):
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return group


def create_groups(apps, schema_editor):
    create_app_permissions(apps, APPS)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in GROUPS.items():
        create_group(apps, name, codes)
    support = Group.objects.get(name="support")
    support.permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=APPS, codename__startswith="view_"
        )
    )


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sales", "0002_admin_permissions"),
        ("invoicing", "0002_admin_permissions"),
        ("shipping", "0002_admin_permissions"),
        ("cart", "0001_initial"),
        ("eventstore", "0004_command_retry_of_and_admin_permissions"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
