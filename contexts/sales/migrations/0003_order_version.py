"""The order stream's version on each order summary (the ETag of GET /api/order/{id}).

Existing rows get the version of the last order event the `sales.orders` baker had
handled (its checkpoint), exactly what a rebuild from position 0 would give them.
"""

from django.db import migrations, models

BACKFILL = """
UPDATE sales_ordersummary AS s SET version = e.version
FROM (
    SELECT stream_id, max(version) AS version FROM eventstore_event
    WHERE stream_type = 'sales.Order'
      AND position <= coalesce(
          (SELECT position FROM eventstore_checkpoint WHERE name = 'sales.orders'), 0)
    GROUP BY stream_id
) AS e
WHERE e.stream_id = s.order_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0002_admin_permissions"),
        ("eventstore", "0003_checkpoint_status"),
    ]

    operations = [
        migrations.AddField(
            model_name="ordersummary",
            name="version",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
