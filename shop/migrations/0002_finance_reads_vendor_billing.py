"""Finance reads the vendor billing report (`GET /api/analytics/vendor-billing`), which
needs the view permission of its table, `invoicing.view_vendormonthlybilling`."""

from django.db import migrations

PERMISSION = ("invoicing", "view_vendormonthlybilling")


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = PERMISSION
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    Group.objects.get(name="finance").permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    app_label, codename = PERMISSION
    finance = Group.objects.get(name="finance")
    finance.permissions.remove(
        *finance.permissions.filter(content_type__app_label=app_label, codename=codename)
    )


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_backoffice_groups")]

    operations = [migrations.RunPython(grant, revoke)]
