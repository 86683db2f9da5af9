"""The two database roles the suite logs in as: the application's, and the schema's owner.

DATABASE_URL is the application's role. SHOP_MIGRATE_DATABASE_URL, when set (`make test`
sets it), is the owner's: it creates and migrates the test database, and runs the tests
marked `database_owner`. Without it both are DATABASE_URL's role.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connections

from shop.settings import database_from_url

CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")
APP = {key: settings.DATABASES["default"][key] for key in CREDENTIALS}
OWNER = (
    {key: database_from_url(url)[key] for key in CREDENTIALS}
    if (url := os.environ.get("SHOP_MIGRATE_DATABASE_URL"))
    else APP
)


def sign_in(credentials: dict[str, str]) -> dict[str, str]:
    """Make new connections log in with `credentials`; return the ones they replace.

    The pool keeps the credentials it was made with, so it is closed too: the next
    connection makes a new one.
    """
    database = connections.settings["default"]
    replaced = {key: database[key] for key in CREDENTIALS}
    connections.close_all()
    connections["default"].close_pool()  # its connections are logged in as the old role
    database.update(credentials)
    return replaced
