"""`python -m bench.rebuild_child`: rebuild the bench baker once, report as one JSON line.

Started by `bench.rebuild` with DATABASE_URL and DJANGO_SETTINGS_MODULE set, so that its
peak memory is the rebuild's own and nothing else's.
"""

from __future__ import annotations

import json
import math
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import django

django.setup()

from bench.baker import TickBaker  # noqa: E402
from bench.events import EVENT_TYPE  # noqa: E402
from bench.rebuild import MARKS  # noqa: E402
from eventstore.progress import ProgressBar  # noqa: E402
from eventstore.rebuild import rebuild  # noqa: E402
from eventstore.store import RecordedEvent, raw_cursor  # noqa: E402


class CountingTickBaker(TickBaker):
    """The bench baker, counting what it handles: positions alone would count other
    event types too."""

    handled = 0

    def handle(self, events: Sequence[RecordedEvent]) -> None:
        super().handle(events)
        self.handled += len(events)


def ticks_stored() -> int:
    with raw_cursor() as cursor:
        cursor.execute("SELECT count(*) FROM eventstore_event WHERE type = %s", [EVENT_TYPE])
        return cursor.fetchone()[0]


def peak_rss() -> int:
    """This process's peak resident set, in bytes: VmHWM, the high-water mark of its own
    address space. `ru_maxrss` would not do: Linux carries it over from the parent's
    address space at fork, which exec does not reset, so it reports the benchmark's RSS."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main() -> int:
    baker = CountingTickBaker()
    wanted = [math.ceil(ticks_stored() * fraction) for fraction in MARKS]
    bar = ProgressBar(f"  rebuilding {baker.name}") if sys.stderr.isatty() else None
    marks: list[tuple[int, float]] = []
    started = time.perf_counter()

    def progress(position: int, target: int) -> None:
        while len(marks) < len(wanted) and baker.handled >= wanted[len(marks)]:
            marks.append((baker.handled, time.perf_counter() - started))
        if bar:
            bar(position, target)

    rebuild(baker, progress=progress)
    seconds = time.perf_counter() - started
    report = {"events": baker.handled, "seconds": seconds, "marks": marks,
              "peak_rss": peak_rss()}  # fmt: skip
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
