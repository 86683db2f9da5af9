"""A server process's resident memory and CPU, watched from a thread of the benchmark.

The run marks its phases (sockets opening, the load, the baseline); the watch keeps,
for each, the resident set when it began, the most it reached, and the CPU the process
spent in it. At the end it reads the process's own high-water mark (VmHWM in
/proc/<pid>/status), which no sampling interval can miss.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

RSS_EVERY = 0.1  # s
MB = 1024 * 1024


@dataclass
class Phase:
    """One phase as the watch saw it: bytes resident at its start and at most, and the
    process's CPU seconds and the wall seconds it lasted."""

    start: int
    peak: int
    cpu: float = 0.0
    wall: float = 0.0


@dataclass
class Watched:
    phases: dict[str, Phase] = field(default_factory=dict)
    high_water: int = 0
    """VmHWM at the end, in bytes."""

    def peak(self) -> int:
        """The most the process held: its high-water mark, or a sample above it."""
        return max([self.high_water, *(phase.peak for phase in self.phases.values())])


def high_water_mark(pid: int) -> int:
    """The process's peak resident set since it started (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


class MemoryWatch(threading.Thread):
    """Samples a process's resident set every `RSS_EVERY` s, phase by phase, until `stop`."""

    def __init__(self, pid: int, first: str = "idle") -> None:
        super().__init__(name="bench-memory", daemon=True)
        self.process = psutil.Process(pid)
        self.watched = Watched()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.current = ""
        self.mark(first)

    def mark(self, phase: str) -> None:
        """From now on, samples belong to `phase`."""
        rss, cpu, at = self._sample()
        with self.lock:
            self._close(cpu, at)
            self.watched.phases[phase] = Phase(rss, rss)
            self.current, self.began = phase, (cpu, at)

    def _close(self, cpu: float, at: float) -> None:
        if self.current:
            phase = self.watched.phases[self.current]
            phase.cpu, phase.wall = cpu - self.began[0], at - self.began[1]

    def _sample(self) -> tuple[int, float, float]:
        times = self.process.cpu_times()
        return self.process.memory_info().rss, times.user + times.system, time.perf_counter()

    def run(self) -> None:
        while not self.stopping.wait(RSS_EVERY):
            try:
                rss = self._sample()[0]
            except psutil.NoSuchProcess:
                return
            with self.lock:
                phase = self.watched.phases[self.current]
                phase.peak = max(phase.peak, rss)

    def stop(self) -> Watched:
        """The phases so far, the last one ending now, and the high-water mark."""
        self.stopping.set()
        self.join()
        try:
            _, cpu, at = self._sample()
            self._close(cpu, at)
            self.watched.high_water = high_water_mark(self.process.pid)
        except (psutil.NoSuchProcess, OSError):  # it died: the run says why
            pass
        return self.watched
