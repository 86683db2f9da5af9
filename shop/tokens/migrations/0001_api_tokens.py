"""API tokens as digests. DRF's authtoken table, which held every key in plain text,
is dropped: those tokens stop working and their users sign in again."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(help_text='sha256 of the key, hex.', max_length=64, unique=True)),
                ('prefix', models.CharField(help_text="The key's first characters, to tell tokens apart.", max_length=8)),
                ('password_digest', models.CharField(help_text="sha256 of the user's password hash when issued.", max_length=64)),
                ('created', models.DateTimeField()),
                ('expires', models.DateTimeField(db_index=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
            },
        ),
        migrations.RunSQL(
            [
                "DROP TABLE IF EXISTS authtoken_token",
                "DELETE FROM django_migrations WHERE app = 'authtoken'",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
