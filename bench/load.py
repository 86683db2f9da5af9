"""The machine's load average while the figures are taken.

On a small shared machine the load from other work moves every figure; its value
before and after a run says little about the minutes in between, so a thread samples
it throughout.
"""

from __future__ import annotations

import os
import statistics
import threading


class LoadSampler:
    """Samples the 1-minute load average every `every` seconds until stopped."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.samples = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-load", daemon=True)

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def __str__(self) -> str:
        low, high = min(self.samples), max(self.samples)
        median = statistics.median(self.samples)
        return (
            f"1-minute load average {self.samples[0]:.2f} before, {self.samples[-1]:.2f} after,"
            f" median {median:.2f} (range {low:.2f}-{high:.2f}) over {len(self.samples)}"
            f" samples"
        )
