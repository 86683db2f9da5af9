"""One account per username and one per email address, whatever their case
(shop/account_names.py): unique indexes on auth_user's lower(username) and lower(email).

A database that already holds accounts differing only in case cannot take the indexes,
and which account should win is a person's decision: the migration stops and names
them, and changes nothing, until they are renamed or merged by hand.
"""

from django.db import migrations

USERNAME_INDEX = "auth_user_username_lower_unique"
EMAIL_INDEX = "auth_user_email_lower_unique"
DUPLICATES = """
    SELECT lower({field}), string_agg({field} || ' (id ' || id || ')', ', ' ORDER BY id)
    FROM auth_user WHERE {field} <> '' GROUP BY lower({field}) HAVING count(*) > 1
    ORDER BY 1
"""


def refuse_duplicates(apps, schema_editor):
    found = []
    with schema_editor.connection.cursor() as cursor:
        for field in ("username", "email"):
            cursor.execute(DUPLICATES.format(field=field))
            found += [f"{field} {holders}" for _, holders in cursor.fetchall()]
    if found:
        raise RuntimeError(
            "Accounts differ only in the case of their username or email; rename or merge "
            "them, then migrate again:\n  " + "\n  ".join(found)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_finance_reads_vendor_billing"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(refuse_duplicates, migrations.RunPython.noop),
        migrations.RunSQL(
            "CREATE UNIQUE INDEX auth_user_username_lower_unique ON auth_user (lower(username))",
            "DROP INDEX auth_user_username_lower_unique",
        ),
        migrations.RunSQL(
            "CREATE UNIQUE INDEX auth_user_email_lower_unique ON auth_user (lower(email))"
            " WHERE email <> ''",
            "DROP INDEX auth_user_email_lower_unique",
        ),
    ]
