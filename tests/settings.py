"""Settings for the test suite: Shop's own, plus the test-only pipeline context and the
benchmark suite's app (its baker's table, for tests/bench).

Celery's queue, the channel layer's prefix and the cache's are named after the test
database, so two suites sharing one Redis never hand each other work, nor count each
other's users (throttles and long polls count per user id, and every test database
numbers its users from 1).
"""

import os
import secrets

# Production refuses to start without a key; the suite makes one for its run, shared by
# the servers and workers it starts (they inherit the environment). `make test` gives one.
os.environ.setdefault("SHOP_SECRET_KEY", secrets.token_urlsafe(50))

from shop.settings import *  # noqa: F403
from shop.settings import BASE_DIR, CACHES, CHANNEL_LAYERS, DATABASES, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.pipeline", "bench"]

_suite = os.environ.get("SHOP_TEST_DATABASE") or f"test_{DATABASES['default']['NAME']}"
if DATABASES["default"]["NAME"].startswith("test_"):  # a worker started by the suite
    _suite = DATABASES["default"]["NAME"]
CELERY_TASK_DEFAULT_QUEUE = f"{_suite}-tasks"
# Tests run many threads in one process, each holding a connection (appenders, readers,
# long polls, test servers in threads): a pool as large as they need.
DATABASES["default"]["OPTIONS"]["pool"]["max_size"] = 32
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = _suite
CACHES["default"]["KEY_PREFIX"] = _suite
# Static files keep production's manifest storage (hashed names; a template naming a file
# that is not there fails). tests/conftest.py collects them once per run into a folder
# named after the suite, where the servers the suite starts find them too.
STATIC_ROOT = BASE_DIR / ".run" / f"static-{_suite}"

# Hashing a password the production way takes ~0.6 s on a small VM; the suite makes
# many accounts. New hashes are MD5 here (Django's advice for tests); the production
# hashers stay listed, so a hash made by a server process under its own settings checks.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# The suite's webhook receivers listen on 127.0.0.1, over plain HTTP: allowed by name
# (contexts/integrations/addresses.py); the SSRF tests take these away again.
SHOP_WEBHOOK_ALLOW_HTTP = True
SHOP_WEBHOOK_ALLOWED_HOSTS = ("127.0.0.1",)
