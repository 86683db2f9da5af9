"""CPU time from /proc: the Celery worker nodes, the Postgres server, the whole machine.

The process figures say where their time went. A process that exits leaves its CPU time
to its parent once reaped (`cutime`, `cstime`), so each source sums all four fields over
its live processes: a pool child or a backend that ends mid-run is still counted, once.
Postgres is the server the benchmark is connected to (its postmaster and the postmaster's
children), never another cluster on the machine.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

TICKS = os.sysconf("SC_CLK_TCK")
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Usage:
    """CPU seconds used by each source, at `at` (perf_counter) or over a span."""

    at: float
    workers: float
    postgres: float | None
    machine: float
    """Busy time of all cores together (user, nice, system, irq, softirq)."""

    def __sub__(self, other: Usage) -> Usage:
        postgres = (
            None if None in (self.postgres, other.postgres) else self.postgres - other.postgres
        )
        return Usage(self.at - other.at, self.workers - other.workers, postgres,
                     self.machine - other.machine)  # fmt: skip


def _stat(pid: str) -> tuple[int, int, float] | None:
    """(parent, process group, CPU seconds with reaped children's), None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # from field 3, the state
    return int(fields[1]), int(fields[2]), sum(map(int, fields[11:15])) / TICKS


def _processes() -> dict[int, tuple[int, int, float]]:
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := _stat(entry.name)):
            found[int(entry.name)] = stat
    return found


def _machine_busy() -> float:
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()
    user, nice, system, _idle, _iowait, irq, softirq = map(int, cpu[1:8])
    return (user + nice + system + irq + softirq) / TICKS


def postmaster() -> int | None:
    """The pid of the server Django's connection talks to, if it runs on this machine."""
    host = str(connection.settings_dict["HOST"] or "")
    if host not in LOCAL_HOSTS and not host.startswith("/"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = _stat(str(cursor.fetchone()[0]))
    try:
        parent = backend[0] if backend else 0
        return parent if Path(f"/proc/{parent}/comm").read_text().strip() == "postgres" else None
    except OSError:
        return None


class Meter:
    """Reads the CPU used so far by the worker nodes' process groups and the server."""

    def __init__(self, groups: list[int], server: int | None) -> None:
        self.groups = set(groups)
        self.server = server

    def read(self) -> Usage:
        at = time.perf_counter()
        processes = _processes()
        workers = sum(cpu for _, group, cpu in processes.values() if group in self.groups)
        postgres = None
        if self.server in processes:
            postgres = sum(
                cpu for pid, (parent, _, cpu) in processes.items()
                if self.server in (pid, parent)
            )  # fmt: skip
        return Usage(at, workers, postgres, _machine_busy())
