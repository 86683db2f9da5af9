"""Webhook endpoints and their deliveries (contexts/integrations/models.py)."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', models.UUIDField(primary_key=True, serialize=False)),
                ('url', models.URLField(max_length=2000)),
                ('events', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=50), size=None)),
                ('description', models.CharField(blank=True, max_length=500)),
                ('secret', models.CharField(max_length=100)),
                ('previous_secret', models.CharField(blank=True, max_length=100)),
                ('previous_secret_until', models.DateTimeField(blank=True, null=True)),
                ('enabled', models.BooleanField(default=True)),
                ('disabled_reason', models.CharField(blank=True, max_length=200)),
                ('failing_since', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField()),
                ('updated_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'webhook endpoint',
                'permissions': [('manage_webhooks', 'Can register and manage webhook endpoints')],
            },
        ),
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.UUIDField(primary_key=True, serialize=False)),
                ('position', models.BigIntegerField(help_text="The internal event's position.")),
                ('index', models.SmallIntegerField(help_text="Which of the event's public events.")),
                ('event_type', models.CharField(max_length=50)),
                ('ordering_key', models.UUIDField(help_text='The order: its events go out in order.')),
                ('occurred_at', models.DateTimeField()),
                ('body', models.TextField(help_text='Exactly the bytes sent, on every attempt.')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('delivered', 'Delivered'), ('dead', 'Dead')], max_length=10)),
                ('attempts', models.IntegerField(default=0)),
                ('next_attempt_at', models.DateTimeField()),
                ('last_status_code', models.IntegerField(blank=True, null=True)),
                ('last_latency_ms', models.IntegerField(blank=True, null=True)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('last_attempt_at', models.DateTimeField(blank=True, null=True)),
                ('delivered_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField()),
                ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='integrations.webhookendpoint')),
            ],
            options={
                'verbose_name_plural': 'webhook deliveries',
                'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['endpoint', 'ordering_key', 'position', 'index'], name='integrations_delivery_queue'), models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='integrations_delivery_due'), models.Index(fields=['endpoint', 'created_at'], name='integrations_delivery_listed')],
                'constraints': [models.UniqueConstraint(fields=('endpoint', 'position', 'index'), name='integrations_delivery_event')],
            },
        ),
    ]
