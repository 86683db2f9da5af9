"""`python -m bench [--quick] [--no-docs] [--only api|process|latency|fanout|memory|webhooks]`:
measure, print the table, update the docs. `--only api` takes the API figures alone,
`--only latency` the submit-to-websocket latencies and the sustained load, `--only
process` the ordering process's, `--only fanout` the live feed's to a thousand sockets,
`--only memory` the worker's memory over the large store, `--only webhooks` the
webhook relay's, to iterate on them; it never rewrites the docs, whose section holds
every figure of one run.

Run it through `make bench`, which provides DATABASE_URL and REDIS_URL. The suite works
in two databases of its own on that server: `shop_bench` keeps a store of about a million
events between runs (filling it takes a while, and the events table cannot be emptied),
and `shop_bench_fresh` is dropped and recreated every run, so the small-store figures
start from the same state each time. It runs on `bench.settings` (whatever
DJANGO_SETTINGS_MODULE says): Shop's settings plus the bench app, with a Celery queue
and a channel-layer prefix of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path

import django
import psycopg

from bench import databases
from bench.concurrency import concurrency_figures
from bench.eventstore import append_figure, autocommit_append_figures, read_all_figure
from bench.growth import growth_figure, top_up
from bench.load import LoadSampler
from bench.report import Figure, RunInfo, markdown_section, text_table, write_section
from bench.sizes import QUICK, Sizes

LARGE_DB = "shop_bench"
FRESH_DB = "shop_bench_fresh"
SETTINGS = "bench.settings"
ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
STACK_LOGS = ROOT / ".run" / "bench-stack"
SUSTAINED_LOGS = ROOT / ".run" / "bench-sustained"
FANOUT_LOGS = ROOT / ".run" / "bench-fanout"
API_LOGS = ROOT / ".run" / "bench-api"
PROCESS_LOGS = ROOT / ".run" / "bench-process"
MEMORY_LOGS = ROOT / ".run" / "bench-memory"
WEBHOOK_LOGS = ROOT / ".run" / "bench-webhooks"


def say(message: str) -> None:
    print(f"  {message}", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a rougher table")
    parser.add_argument("--no-docs", action="store_true", help=f"do not rewrite {DOCS.name}")
    parser.add_argument(
        "--only",
        choices=["api", "process", "latency", "fanout", "memory", "webhooks"],
        help="only these figures (implies --no-docs)",
    )
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is not set: run the suite with `make bench`", file=sys.stderr)
        return 2
    sizes = QUICK if args.quick else Sizes()
    setup_django(url)
    with LoadSampler() as load:
        if args.only:
            databases.use_database(FRESH_DB)
            only = {
                "api": api_figures,
                "process": process_figures,
                "latency": latency_figures,
                "fanout": fanout_figures,
                "memory": memory_figures,
                "webhooks": webhook_figures,
            }[args.only]
            figures, postgres = only(sizes), ""
        else:
            figures, postgres = measure(sizes)
    print()
    print(text_table(figures))
    print(f"\n{load}")
    if not (args.no_docs or args.only):
        info = RunInfo(
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            command=command(argv),
            code=code_version(),
            nproc=databases.nproc(),
            load=str(load),
            postgres=postgres,
            software=(
                f"Python {platform.python_version()}, Django {django.get_version()},"
                f" psycopg {psycopg.__version__}; CPU {cpu_model()}"
            ),
            sizes=str(sizes),
        )
        from bench.notes import notes  # loads the bench app's models: after django.setup()

        write_section(DOCS, markdown_section(info, figures, notes(sizes, LARGE_DB, FRESH_DB)))
        print(f"\nwrote {DOCS}")
    return 0


def setup_django(url: str) -> None:
    """Create the bench databases, then start Django on the fresh one.

    settings.py reads DATABASE_URL when Django sets up, so the URL is rewritten first.
    """
    databases.ensure_database(url, LARGE_DB)
    databases.ensure_database(url, FRESH_DB, fresh=True)
    os.environ["DATABASE_URL"] = databases.url_for_database(url, FRESH_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS  # the servers it starts inherit it
    django.setup()


def measure(sizes: Sizes) -> tuple[list[Figure], str]:
    """Every figure, growth first: the fresh store must still hold only the small fill."""
    say(f"filling {LARGE_DB} to {sizes.large_store:,} events (reused between runs)")
    databases.use_database(LARGE_DB)
    with databases.raw_connect() as raw:
        large_count = top_up(raw, sizes.large_store, say)
    databases.use_database(FRESH_DB)
    with databases.raw_connect() as raw:
        small_count = top_up(raw, sizes.small_store, say)
        postgres = f"{databases.server_version(raw)} ({server_settings(raw)})"
    say("append latency, large store against small")
    growth = growth_figure(
        (large_count, lambda: databases.switch_database(LARGE_DB)),
        (small_count, lambda: databases.switch_database(FRESH_DB)),
        sizes.growth_samples,
        sizes.growth_rounds,
    )
    databases.switch_database(FRESH_DB)
    figures = [*store_figures(sizes), growth, *pipeline_figures(sizes), *api_figures(sizes)]
    return figures, postgres


def store_figures(sizes: Sizes) -> list[Figure]:
    """Issue 2: the event store against raw psycopg."""
    figures = []
    with databases.raw_connect() as raw:
        say("append, 1 event per transaction, in transaction.atomic()")
        figures.append(append_figure(raw, sizes.single_appends, 1, sizes.rounds, goal=0.8))
        say("append, 1 event per transaction, in autocommit")
        figures += autocommit_append_figures(raw, sizes.single_appends, sizes.rounds, goal=0.8)
        say(f"append, {sizes.batch} events per transaction")
        figures.append(append_figure(raw, sizes.batches, sizes.batch, sizes.rounds, goal=0.7))
        say(f"read-all, {sizes.read_events:,} events")
        figures.append(read_all_figure(raw, sizes.read_events, sizes.read_rounds))
    say(f"{sizes.appenders} concurrent appenders against 1")
    figures += concurrency_figures(
        sizes.concurrent_transactions, sizes.appenders, sizes.concurrency_rounds
    )
    return figures


def pipeline_figures(sizes: Sizes) -> list[Figure]:
    """Issue 3: the executor, a baker, the live push and rebuilds, in the fresh store
    (the rebuild in the large one unless `--quick`); issue 13: the ordering process;
    the live feed to a thousand sockets."""
    # Imported once Django is set up: these modules load the bench app's models.
    from bench.catchup import catch_up_figure
    from bench.executor import executor_figure
    from bench.latency import latency_figures
    from bench.rebuild import rebuild_figures

    say(f"executor on a backlog of {sizes.backlog:,} commands")
    figures = [executor_figure(sizes.backlog, sizes.backlog_streams, sizes.executor_rounds)]
    say(f"baker catch-up over {sizes.catch_up_events:,} events")
    with databases.raw_connect() as raw:
        figures.append(catch_up_figure(raw, sizes.catch_up_events, sizes.catch_up_rounds))
    say(f"submit -> websocket latency at {sizes.latency_rate}/s (uvicorn and a Celery worker)")
    calm, busy = (sizes.calm_rate, sizes.calm_seconds), (sizes.latency_rate, sizes.latency_seconds)
    figures += latency_figures(calm, busy, STACK_LOGS)
    figures += sustained_figures(sizes)
    figures += fanout_figures(sizes)
    if sizes.rebuild_store >= sizes.large_store:
        databases.switch_database(LARGE_DB)
    else:
        with databases.raw_connect() as raw:
            top_up(raw, sizes.rebuild_store, say)
    say(f"rebuild of the bench baker in {databases.connection.settings_dict['NAME']}")
    figures += rebuild_figures(databases.current_url())
    figures.append(worker_memory_figure(sizes))
    databases.switch_database(FRESH_DB)
    return figures + process_figures(sizes) + webhook_figures(sizes)


def worker_memory_figure(sizes: Sizes) -> Figure:
    """A worker node's memory per process, working over the store Django points at."""
    from bench.worker_memory import worker_memory_figure  # loads Django models: after setup

    say(f"worker memory: {sizes.worker_backlog:,} orders, then every baker rebuilt, in"
        f" {databases.connection.settings_dict['NAME']}")  # fmt: skip
    return worker_memory_figure(sizes.worker_backlog, MEMORY_LOGS)


def memory_figures(sizes: Sizes) -> list[Figure]:
    """The worker memory figure alone, over the large store topped up as a full run does."""
    databases.use_database(LARGE_DB)
    with databases.raw_connect() as raw:
        top_up(raw, sizes.large_store, say)
    return [worker_memory_figure(sizes)]


def latency_figures(sizes: Sizes) -> list[Figure]:
    """Submit -> websocket message, calm and busy, then the sustained load, through the
    live stack."""
    from bench.latency import latency_figures  # loads Django models: after setup

    say(f"submit -> websocket latency at {sizes.calm_rate}/s and {sizes.latency_rate}/s")
    calm, busy = (sizes.calm_rate, sizes.calm_seconds), (sizes.latency_rate, sizes.latency_seconds)
    return latency_figures(calm, busy, STACK_LOGS) + sustained_figures(sizes)


def sustained_figures(sizes: Sizes) -> list[Figure]:
    """Issue 13: submit -> invoiced on the websocket, the backlog and the subscribers'
    lag, at a flash sale's pace, with `make run`'s processes (beat too)."""
    from bench.sustained import sustained_figures  # loads Django models: after setup

    rate, seconds = sizes.sustained_rate, sizes.sustained_seconds
    say(f"submit -> websocket invoiced at {rate}/s for {seconds} s (uvicorn, worker and beat)")
    return sustained_figures(rate, seconds, SUSTAINED_LOGS)


def fanout_figures(sizes: Sizes) -> list[Figure]:
    """The live feed to many sockets at once, with `make run`'s processes: customers on
    their own orders and staff boards on every order, beside the same pushes sent
    straight through the channel layer; and the ASGI process's memory meanwhile."""
    from bench.fanout import fanout_figures  # loads Django models: after setup

    customers, boards = sizes.fanout_customers, sizes.fanout_boards
    rate, seconds = sizes.fanout_rate, sizes.fanout_seconds
    say(f"fan-out to {customers:,} customers' sockets and {boards} staff boards at {rate}/s")
    return fanout_figures(customers, boards, rate, seconds, FANOUT_LOGS)


def process_figures(sizes: Sizes) -> list[Figure]:
    """Issue 13: orders through the whole process from a backlog, in the fresh store."""
    from bench.process import process_figures  # loads Django models: after setup

    say(f"orders through the whole process from a backlog of {sizes.process_backlog:,}")
    return process_figures(sizes.process_backlog, PROCESS_LOGS)


def webhook_figures(sizes: Sizes) -> list[Figure]:
    """Webhooks out with `make run`'s processes and the relay's worker: a backlog to a
    fast receiver beside a bare httpx loop, latency at a steady rate, and that latency
    beside a slow endpoint."""
    from bench.webhooks import webhook_figures  # loads Django models: after setup

    say(f"webhooks: a backlog of {sizes.webhook_backlog:,} orders to a fast receiver, then"
        f" {sizes.webhook_rate} events/s, alone and beside a slow endpoint")  # fmt: skip
    return webhook_figures(
        sizes.webhook_backlog, sizes.webhook_rate, sizes.webhook_seconds, sizes.webhook_rounds,
        WEBHOOK_LOGS,
    )  # fmt: skip


def api_figures(sizes: Sizes) -> list[Figure]:
    """The REST API as `make run` serves it, beside a bare ASGI app on as many processes."""
    from bench.api import CONNECTIONS, api_figures  # loads Django models: after setup

    say(f"the REST API as make run serves it, {CONNECTIONS} connections")
    return api_figures(sizes.api_rounds, sizes.api_seconds, sizes.api_rate_seconds, API_LOGS)


def server_settings(raw: psycopg.Connection) -> str:
    names = ("fsync", "synchronous_commit", "shared_buffers")
    return ", ".join(f"{name}={raw.execute(f'SHOW {name}').fetchone()[0]}" for name in names)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def code_version() -> str:
    """The commit measured, and whether the work tree under test differed from it."""
    root = DOCS.parent.parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "eventstore", "shop"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown (no git)"
    changed = sorted(line[3:] for line in dirty)
    return f"commit {sha or 'unknown'}" + (
        f", with uncommitted changes to {', '.join(changed)}" if changed else ""
    )


def command(argv: list[str]) -> str:
    """The command a reader can rerun: `make bench` when make started us (it sets MAKELEVEL)."""
    if os.environ.get("MAKELEVEL"):
        return "make bench" + (f" ARGS='{' '.join(argv)}'" if argv else "")
    return " ".join(["python -m bench", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
