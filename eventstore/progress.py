"""A terminal progress bar with rate and ETA, for replays that take a while."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(
        self, label: str, stream: TextIO | None = None, every: float = 0.1, unit: str = "ev"
    ) -> None:
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.every = every
        self.started = time.monotonic()
        self.first: int | None = None
        self.shown_at = 0.0

    def __call__(self, position: int, target: int) -> None:
        now = time.monotonic()
        if self.first is None:
            self.first = position
        if now - self.shown_at < self.every and position < target:
            return
        self.shown_at = now
        done = position / target if target else 1.0
        elapsed = max(now - self.started, 1e-9)
        rate = (position - self.first) / elapsed
        eta = (target - position) / rate if rate > 0 else 0.0
        bar = "#" * int(WIDTH * done)
        self.stream.write(
            f"\r{self.label} [{bar:<{WIDTH}}] {done:6.1%} {position:,}/{target:,}"
            f"  {rate:,.0f} {self.unit}/s  ETA {eta:4.0f}s"
        )
        if position >= target:
            self.stream.write("\n")
        self.stream.flush()
