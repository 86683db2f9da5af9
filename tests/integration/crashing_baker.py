"""Run the ledger baker in a process that stops dead between its rows and its checkpoint.

`python -m tests.integration.crashing_baker MARKER`: applies one batch of rows, writes
MARKER, then sleeps until the test SIGKILLs it, so the transaction never commits.
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from eventstore.subscribers import Runner  # noqa: E402
from tests.pipeline.bakers import LedgerBaker  # noqa: E402


class StopsBeforeCheckpoint(LedgerBaker):
    def handle(self, events):
        super().handle(events)
        with open(sys.argv[1], "w") as marker:
            marker.write(str(len(events)))
        time.sleep(120)


Runner(StopsBeforeCheckpoint()).catch_up()
