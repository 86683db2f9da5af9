"""The products' table is the catalog's now (`catalog/0001_initial` renamed it and moved
its permissions): the sales app forgets the model and drops nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0004_order_document"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Product")],
        ),
    ]
