"""The products' table becomes the catalog's: it was the sales app's (`sales_product`).

The model moves in the migration state only (the sales app forgets it in
`sales/0005_product_moves_to_catalog`), and the table is renamed to `catalog_product`:
its rows, indexes and the application role's grants stay with it (ALTER TABLE ...
RENAME keeps them). Its content type moves to the catalog, so its permissions follow
with every group and user holding them (`sales.manage_catalog` becomes
`catalog.manage_catalog`, `sales.view_product` `catalog.view_product`).

On a fresh database the products' permissions already exist when this runs: the
back-office groups were given `sales.view_product` (`shop/0001_backoffice_groups`),
hence the dependency on it.
"""

from django.db import migrations, models

MODEL = "product"


def move_content_type(apps, old_label, new_label):
    """The product's content type, permissions, their holders and admin log entries
    under `new_label`. If both apps have one (the new app's made by a `migrate` that
    ran before this), the old one's are merged into the new one's, and the old one goes.
    With neither, there is nothing to move: `migrate` makes the new app's afterwards."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    old = ContentType.objects.filter(app_label=old_label, model=MODEL).first()
    if old is None:
        return
    new = ContentType.objects.filter(app_label=new_label, model=MODEL).first()
    if new is None:
        old.app_label = new_label
        old.save(update_fields=["app_label"])
        return
    for permission in Permission.objects.filter(content_type=old):
        twin = Permission.objects.filter(content_type=new, codename=permission.codename).first()
        if twin is None:
            permission.content_type = new
            permission.save(update_fields=["content_type"])
        else:
            twin.group_set.add(*permission.group_set.all())
            twin.user_set.add(*permission.user_set.all())
            permission.delete()
    LogEntry.objects.filter(content_type=old).update(content_type=new)
    old.delete()


def to_catalog(apps, schema_editor):
    move_content_type(apps, "sales", "catalog")


def to_sales(apps, schema_editor):
    move_content_type(apps, "catalog", "sales")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("sales", "0004_order_document"),
        ("shop", "0001_backoffice_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Product",
                    fields=[
                        ("product_id", models.UUIDField(primary_key=True, serialize=False)),
                        ("vendor_id", models.UUIDField(db_index=True)),
                        ("name", models.TextField()),
                        ("price", models.DecimalField(decimal_places=2, max_digits=21)),
                        ("active", models.BooleanField()),
                        ("created_at", models.DateTimeField()),
                        ("updated_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "sales_product",
                        "permissions": [
                            ("manage_catalog", "Can create, reprice and discontinue products")
                        ],
                    },
                ),
            ],
        ),
        # From sales_product to the default name, catalog_product.
        migrations.AlterModelTable(name="product", table=None),
        migrations.RunPython(to_catalog, to_sales),
    ]
