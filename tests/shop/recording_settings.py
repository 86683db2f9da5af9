"""The suite's settings with the request recorder last in MIDDLEWARE, for a server the
tests start (DJANGO_SETTINGS_MODULE): it writes to the file SHOP_TEST_SEEN_REQUESTS
names."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import MIDDLEWARE
from tests.shop.request_recorder import RECORDER

MIDDLEWARE = [*MIDDLEWARE, RECORDER]
SEEN_REQUESTS_FILE = os.environ["SHOP_TEST_SEEN_REQUESTS"]
