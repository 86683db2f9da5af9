"""Rebuilding the bench baker over a large store, in a process of its own.

`rebuild_figures` starts `python -m bench.rebuild_child` against a database and samples
its memory while it runs; the child replays every tick from position 0 into scratch
tables with `eventstore.rebuild.rebuild`, swaps them in, and reports how long it took to
reach each fraction of the events (`MARKS`), and its own peak RSS (VmHWM).

A rebuild must stream: its time grows linearly with the events and its memory not at
all. Linear here means the second half of the replay runs at no less than 0.8 times
the rate of the first half.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.growth import amount
from bench.report import Figure, Limit, Measure

ROOT = Path(__file__).resolve().parent.parent
MARKS = (0.1, 0.25, 0.5, 1.0)
LINEAR = 0.8
MAX_RSS_MB = 200
SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class RebuildRun:
    """What the child reports: events replayed, seconds in all, (events, seconds) at
    each mark, and its peak RSS in bytes."""

    events: int
    seconds: float
    marks: list[tuple[int, float]]
    peak_rss: int

    def rate(self, start: int, end: int) -> float:
        """Events/s between two marks (by index; -1 before the first is the start)."""
        events_before, seconds_before = (0, 0.0) if start < 0 else self.marks[start]
        events, seconds = self.marks[end]
        return (events - events_before) / max(seconds - seconds_before, 1e-9)


def run_child(database_url: str) -> tuple[RebuildRun, int]:
    """Run the child against `database_url`; return its report and the largest RSS seen
    by sampling it from here."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.rebuild_child"], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    sampled = 0
    process = psutil.Process(child.pid)
    while child.poll() is None:
        try:
            sampled = max(sampled, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(SAMPLE_SECONDS)
    output = child.communicate()[0].decode()
    if child.returncode != 0:
        raise RuntimeError(f"the rebuild child exited with {child.returncode}: {output}")
    report = json.loads(output.strip().splitlines()[-1])
    report["marks"] = [tuple(mark) for mark in report["marks"]]
    return RebuildRun(**report), sampled


def rebuild_figures(database_url: str) -> list[Figure]:
    """Rebuild time (with its linearity) and the rebuilding process's peak memory."""
    run, sampled = run_child(database_url)
    if run.events == 0 or len(run.marks) < len(MARKS):
        raise RuntimeError(f"the rebuild replayed {run.events} events: nothing to time")
    half = MARKS.index(0.5)
    linearity = run.rate(half, len(MARKS) - 1) / run.rate(-1, half)
    at = ", ".join(f"{amount(events)} at {seconds:.1f} s" for events, seconds in run.marks)
    rss_mb = max(run.peak_rss, sampled) / 1e6
    return [
        Figure(
            f"rebuild time, {amount(run.events)} events (eventstore.rebuild, bench baker)",
            Measure(run.seconds, "s", f"{run.events / run.seconds:,.0f} events/s; {at}"),
            "none",
            None,
            limits=(Limit("2nd half ev/s / 1st half", linearity, LINEAR),),
        ),
        Figure(
            f"peak RSS of the rebuilding process, {amount(run.events)} events",
            Measure(
                rss_mb,
                "MB",
                f"VmHWM {run.peak_rss / 1e6:.0f} MB, sampled {sampled / 1e6:.0f} MB",
            ),
            "none",
            None,
            limits=(Limit("", rss_mb, MAX_RSS_MB, "MB", at_most=True),),
        ),
    ]
