"""`python -m bench [--quick] [--no-docs]`: measure, print the table, update the docs.

Run it through `make bench`, which provides DATABASE_URL and REDIS_URL. The suite works
in two databases of its own on that server: `shop_bench` keeps a store of about a million
events between runs (filling it takes a while, and the events table cannot be emptied),
and `shop_bench_fresh` is dropped and recreated every run, so the small-store figures
start from the same state each time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import django
import psycopg

from bench import databases
from bench.concurrency import concurrency_figures
from bench.eventstore import READ_PAGE, append_figure, read_all_figure
from bench.growth import growth_figure, top_up
from bench.report import Figure, RunInfo, markdown_section, text_table, write_section

LARGE_DB = "shop_bench"
FRESH_DB = "shop_bench_fresh"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does; `--quick` trades stability for time."""

    single_appends: int = 4000
    batches: int = 400
    batch: int = 100
    read_events: int = 100_000
    read_rounds: int = 4
    concurrent_transactions: int = 4000
    appenders: int = 8
    growth_samples: int = 2000
    small_store: int = 10_000
    large_store: int = 1_000_000
    rounds: int = 40
    growth_rounds: int = 20
    concurrency_rounds: int = 8

    def __str__(self) -> str:
        return ", ".join(f"{f.name}={getattr(self, f.name):,}" for f in fields(self))


QUICK = Sizes(
    single_appends=400,
    batches=40,
    read_events=20_000,
    read_rounds=2,
    concurrent_transactions=400,
    growth_samples=400,
    large_store=200_000,
    rounds=8,
    growth_rounds=6,
    concurrency_rounds=4,
)


def say(message: str) -> None:
    print(f"  {message}", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a rougher table")
    parser.add_argument("--no-docs", action="store_true", help=f"do not rewrite {DOCS.name}")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is not set: run the suite with `make bench`", file=sys.stderr)
        return 2
    sizes = QUICK if args.quick else Sizes()
    setup_django(url)
    load_before = os.getloadavg()[0]
    figures, postgres = measure(sizes)
    load = f"1-minute load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
    print()
    print(text_table(figures))
    if not args.no_docs:
        info = RunInfo(
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            command=command(argv),
            code=code_version(),
            nproc=databases.nproc(),
            load=load,
            postgres=postgres,
            software=(
                f"Python {platform.python_version()}, Django {django.get_version()},"
                f" psycopg {psycopg.__version__}; CPU {cpu_model()}"
            ),
            sizes=str(sizes),
        )
        write_section(DOCS, markdown_section(info, figures, notes(sizes)))
        print(f"\nwrote {DOCS}")
    return 0


def setup_django(url: str) -> None:
    """Create the bench databases, then start Django on the fresh one.

    settings.py reads DATABASE_URL when Django sets up, so the URL is rewritten first.
    """
    databases.ensure_database(url, LARGE_DB)
    databases.ensure_database(url, FRESH_DB, fresh=True)
    os.environ["DATABASE_URL"] = databases.url_for_database(url, FRESH_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
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
    figures = []
    databases.switch_database(FRESH_DB)
    with databases.raw_connect() as raw:
        say("append, 1 event per transaction")
        figures.append(append_figure(raw, sizes.single_appends, 1, sizes.rounds, goal=0.8))
        say(f"append, {sizes.batch} events per transaction")
        figures.append(append_figure(raw, sizes.batches, sizes.batch, sizes.rounds, goal=0.7))
        say(f"read-all, {sizes.read_events:,} events")
        figures.append(read_all_figure(raw, sizes.read_events, sizes.read_rounds))
    say(f"{sizes.appenders} concurrent appenders against 1")
    figures.extend(
        concurrency_figures(
            sizes.concurrent_transactions, sizes.appenders, sizes.concurrency_rounds
        )
    )
    return [*figures, growth], postgres


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


def notes(sizes: Sizes) -> list[str]:
    return [
        "Both sides of every figure run in the same process against the same server, "
        f"alternating in rounds ({sizes.rounds} for appends, {sizes.growth_rounds} for growth, "
        f"{sizes.concurrency_rounds} for concurrency, {sizes.read_rounds} reads for read-all), "
        "so load from anything else on the machine "
        "falls on both. Every round opens fresh connections and starts with a few untimed "
        "operations: on a small VM a connection's round trip depends on where its backend "
        "happens to be scheduled, and one long-lived connection would hand that luck to a "
        "whole figure.",
        f"Appends: `store.append` in `transaction.atomic()` on Django's connection "
        f"({sizes.single_appends:,} single-event and {sizes.batches} {sizes.batch}-event "
        "transactions) against psycopg INSERT / `executemany` of the same JSON on a plain "
        "psycopg connection (its defaults: server-side binding, statements prepared after "
        "five runs) into `bench_raw_event`, created `LIKE eventstore_event INCLUDING ALL` "
        "(same columns, indexes, identity; no triggers, no append function) and holding the "
        "same rows. Throughput is events over the time spent in transactions.",
        "Read-all: `store.iter_all` decoded to `RecordedEvent`s against raw psycopg pages of "
        f"{READ_PAGE} tuples, {sizes.read_events:,} identical rows each side, read "
        f"{sizes.read_rounds} times per side after one untimed read each.",
        f"Concurrency: {sizes.appenders} threads, each with its own connection and stream, "
        f"sharing {sizes.concurrent_transactions:,} one-event transactions, against one thread "
        "doing the same total; events/s over wall time, latency per transaction. The raw row "
        "is context, not a goal: the same load without the store's advisory lock.",
        f"Growth: p50 of {sizes.growth_samples:,} one-event appends to new streams, alternating "
        f"between `{LARGE_DB}` (kept between runs, topped up with generated events) and "
        f"`{FRESH_DB}` (recreated each run).",
        "Ratios are Shop / baseline; for growth lower is better. No test asserts any of this.",
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
