"""Settings for `python -m bench` and the servers it starts: Shop's own, plus the bench app.

The bench app holds the benchmark baker's table. Celery's queue and the channel layer's
prefix get names of their own, so a `make run` or a test suite sharing this Redis never
takes the benchmark's wake-ups or sees its live messages, nor the benchmark theirs.
"""

import copy

from shop.settings import *  # noqa: F403
from shop.settings import CHANNEL_LAYERS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]

BENCH_PREFIX = "shop-bench"
CELERY_TASK_DEFAULT_QUEUE = f"{BENCH_PREFIX}-tasks"
CHANNEL_LAYERS = copy.deepcopy(CHANNEL_LAYERS)
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = BENCH_PREFIX
