"""Each endpoint's queue per order (contexts/integrations/queues.py), filled from the
pending deliveries; the sweep reads it instead of the deliveries' due index."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookQueue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('ordering_key', models.UUIDField()),
                ('due_at', models.DateTimeField()),
                ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='integrations.webhookendpoint')),
            ],
            options={
                'indexes': [models.Index(fields=['endpoint', 'due_at'], name='integrations_queue_due')],
                'constraints': [models.UniqueConstraint(fields=('endpoint', 'ordering_key'), name='integrations_queue_order')],
            },
        ),
        migrations.RunSQL(
            """
            INSERT INTO integrations_webhookqueue (endpoint_id, ordering_key, due_at)
            SELECT endpoint_id, ordering_key, min(next_attempt_at)
            FROM integrations_webhookdelivery WHERE status = 'pending'
            GROUP BY endpoint_id, ordering_key
            """,
            migrations.RunSQL.noop,
        ),
        migrations.RemoveIndex(model_name="webhookdelivery", name="integrations_delivery_due"),
    ]
