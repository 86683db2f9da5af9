"""Peak memory of each process of a Celery worker node that works over the whole store.

One node starts as `make run` starts its worker (`bench.stack`), with beat, against the
store the rebuild figure replays (`shop_bench`, about a million events, in a full run).
Once it is ready and has been idle for `IDLE_SECONDS`, each of its processes' resident
set (VmRSS) is the baseline. Then it works over the whole store: a backlog of orders
through the whole ordering process, enough to fill the executor's state cache, beside
the bench baker's rebuild over every tick (`bench.worker_tasks`); once the orders are
invoiced, a rebuild from position 0 of every registered baker through the back-office's
job task (`eventstore.projection_job`). Every process of the node, its main process and
its pool children, is read from /proc every `SAMPLE_SECONDS` until all of that is done
and the store is quiet; a process's peak is the larger of its VmHWM and its VmRSS
samples. The figure is the largest peak of any one process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from celery import current_app
from django.db import connection, transaction

from bench.api import catalog_and_order
from bench.databases import count_events, raw_connect
from bench.growth import amount
from bench.process import CUSTOMERS, customers, new_orders, wait_invoiced, wait_quiet
from bench.report import Figure, Limit, Measure
from bench.stack import WORKER_CONCURRENCY, Workers, purge_wakeups, running_workers
from bench.worker_tasks import REBUILD_TICKS
from eventstore import jobs
from eventstore.inbox import submit
from eventstore.subscribers import registry

MAX_RSS_MB = 300
SAMPLE_SECONDS = 0.1
IDLE_SECONDS = 2
REBUILD_SECONDS = 1200
"""The bench baker's rebuild of a million ticks took 53 s alone; beside the rest, longer."""
TICKS_BAKER = "bench.ticks"


@dataclass
class Process:
    """One process of the node: its RSS when idle, and the most it was seen to hold."""

    pid: int
    role: str
    idle: int = 0
    rss: int = 0
    hwm: int = 0

    @property
    def peak(self) -> int:
        return max(self.rss, self.hwm)


def memory(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in bytes, from /proc; None once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    kb = {line.split(":")[0]: int(line.split()[1]) for line in lines if line.startswith("Vm")}
    return kb.get("VmRSS", 0) * 1024, kb.get("VmHWM", 0) * 1024


class Sampler(threading.Thread):
    """Reads a node's main process and its pool children until stopped: pool children
    that a node replaces are counted as well, each under its own pid."""

    def __init__(self, main: int) -> None:
        super().__init__(daemon=True)
        self.main = main
        self.processes: dict[int, Process] = {}
        self.stopped = threading.Event()

    def sample(self, idle: bool = False) -> None:
        """Read every process once; with `idle`, what each holds is its baseline."""
        try:
            pids = [self.main, *(c.pid for c in psutil.Process(self.main).children(True))]
        except psutil.NoSuchProcess:
            return
        for pid in pids:
            read = memory(pid)
            if read is None:
                continue
            process = self.processes.setdefault(
                pid, Process(pid, "main" if pid == self.main else "pool")
            )
            process.idle = read[0] if idle else process.idle
            process.rss, process.hwm = max(process.rss, read[0]), max(process.hwm, read[1])

    def run(self) -> None:
        while not self.stopped.wait(SAMPLE_SECONDS):
            self.sample()

    def stop(self) -> list[Process]:
        self.stopped.set()
        self.join()
        self.sample()
        return sorted(self.processes.values(), key=lambda p: (p.role != "main", p.pid))


def database_now() -> object:
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def ticks_rebuilt_since(moment: object) -> bool:
    """Whether the bench baker's rebuild swapped its rows in after `moment`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM eventstore_checkpoint"
            " WHERE name = %s AND updated_at > %s)",
            [TICKS_BAKER, moment],
        )
        return cursor.fetchone()[0]


def wait_rebuilt(workers: Workers, bakers: list[str], since: object) -> None:
    deadline = time.monotonic() + REBUILD_SECONDS
    while True:
        states = {name: (jobs.status(name) or {}).get("state") for name in bakers}
        if failed := [name for name, state in states.items() if state == "failed"]:
            raise RuntimeError(f"rebuild failed: {failed}\n{workers.logs()}")
        if set(states.values()) == {"done"} and ticks_rebuilt_since(since):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"rebuilds not done: {states}\n{workers.logs()}")
        workers.check_running()
        time.sleep(0.5)


def work(workers: Workers, backlog: int) -> None:
    """The backlog and the bench baker's rebuild at once; once the orders are invoiced,
    every registered baker's rebuild over the store they left. Back when all is done."""
    buyers = customers(CUSTOMERS)
    products, _ = catalog_and_order(buyers[0])
    orders = new_orders(products, buyers, backlog)
    since = database_now()
    with transaction.atomic():
        for place, actor in orders:
            submit(place, actor=actor)
    current_app.send_task(REBUILD_TICKS, ignore_result=True)
    wait_invoiced(workers, orders)
    bakers = [baker.name for baker in registry.bakers()]
    for name in bakers:
        if not jobs.start("rebuild", name):
            raise RuntimeError(f"a rebuild of {name} is already under way")
    wait_rebuilt(workers, bakers, since)
    wait_quiet(workers)


def worker_memory_figure(backlog: int, log_dir: Path) -> Figure:
    purge_wakeups()
    with running_workers(log_dir, include=("bench.worker_tasks",)) as workers:
        time.sleep(IDLE_SECONDS)
        sampler = Sampler(workers.nodes[0].pid)
        sampler.sample(idle=True)
        sampler.start()
        try:
            work(workers, backlog)
        finally:
            processes = sampler.stop()
    with raw_connect() as raw:
        events = count_events(raw)  # what the rebuilds replayed
    return figure(processes, events, backlog)


def figure(processes: list[Process], events: int, backlog: int) -> Figure:
    top = max(processes, key=lambda p: p.peak)
    mb = 1e6
    names = {p.pid: f"pool {n}" for n, p in enumerate(processes) if p.role == "pool"}
    peaks = "; ".join(
        f"{names.get(p.pid, p.role)} {p.peak / mb:.0f} MB (VmHWM {p.hwm / mb:.0f},"
        f" sampled {p.rss / mb:.0f})"
        for p in processes
    )
    idle = ", ".join(f"{names.get(p.pid, p.role)} {p.idle / mb:.0f} MB"
                     for p in processes if p.idle)  # fmt: skip
    return Figure(
        f"peak RSS per worker process, {amount(events)} events stored: {backlog:,} orders,"
        f" then every baker rebuilt from 0 (1 node, concurrency {WORKER_CONCURRENCY})",
        Measure(top.peak / mb, "MB", peaks),
        "the same processes idle after start",
        Measure(max(p.idle for p in processes) / mb, "MB", idle),
        limits=(Limit("", top.peak / mb, MAX_RSS_MB, "MB", at_most=True),),
    )


def worker_memory_note(backlog: int, large_db: str) -> str:
    return (
        f"Worker memory: one `celery -A shop worker --concurrency {WORKER_CONCURRENCY}` node "
        "(`make run`'s, with `--include bench.worker_tasks`, the bench baker's rebuild as a "
        f"task) and beat, on the store the rebuild figure replays (`{large_db}` in a full "
        f"run). After {IDLE_SECONDS} s idle, each process's VmRSS is the baseline. Then a "
        f"backlog of {backlog:,} `sales.PlaceOrder` in one transaction (each order placed, "
        "invoiced and recorded as invoiced, as in the ordering process figure) beside the "
        "bench baker's rebuild over every tick, and once the orders are invoiced, every "
        "registered baker's rebuild from position 0 through the back-office's job task "
        "(`eventstore.projection_job`). Until all of it is done "
        "and the store is quiet, the node's main process and every pool child are read from "
        f"/proc every {SAMPLE_SECONDS} s; a process's peak is the larger of its VmHWM and its "
        f"sampled VmRSS. The figure is the largest; goal <= {MAX_RSS_MB} MB. Ratio: that "
        "over the largest idle process."
    )
