"""The benchmark suite runs: every figure, at toy sizes, against the test database.

Nothing here is timed or compared: speed is for `make bench` to report, never for a test
to assert. These tests only prove that each figure comes back whole and measured.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from bench.concurrency import concurrency_figures
from bench.databases import count_events, raw_connect
from bench.eventstore import append_figure, read_all_figure
from bench.growth import growth_figure, top_up
from bench.report import END, START, Figure, RunInfo, markdown_section, text_table, write_section


@pytest.fixture
def bench_db(committed_db: None) -> None:
    """Real commits, in the test database: the figures write events that stay."""
    assert connection.settings_dict["NAME"].startswith("test_"), "not the test database"


@pytest.fixture
def raw(bench_db: None) -> Iterator[psycopg.Connection]:
    with raw_connect() as conn:
        yield conn


def assert_measured(figure: Figure) -> None:
    assert figure.name and figure.baseline_name
    assert figure.ours.value > 0 and figure.baseline.value > 0
    assert figure.ours.unit == figure.baseline.unit
    assert figure.ratio > 0
    assert figure.result in {"PASS", "SHORT", "reported"}


def test_append_figures_measure_both_sides(raw: psycopg.Connection) -> None:
    single = append_figure(raw, transactions=6, batch=1, rounds=2, goal=0.8)
    batched = append_figure(raw, transactions=4, batch=5, rounds=2, goal=0.7)

    for figure in (single, batched):
        assert_measured(figure)
        assert figure.ours.unit == "events/s"
    assert single.name == "append, 1 event per transaction"
    assert batched.name == "append, 5 events per transaction"


def test_read_all_figure_reads_what_it_wrote(raw: psycopg.Connection) -> None:
    before = count_events(raw)

    figure = read_all_figure(raw, events=30, rounds=2)

    assert_measured(figure)
    assert count_events(raw) == before + 30


def test_concurrency_figures_cover_the_store_and_raw_inserts(bench_db: None) -> None:
    figures = concurrency_figures(transactions=8, count=2, rounds=2)

    assert [f.name for f in figures] == [
        "2 concurrent appenders (store.append)",
        "2 concurrent appenders, raw INSERT, no lock (context)",
    ]
    for figure in figures:
        assert_measured(figure)
        assert figure.goal is None


def test_growth_figure_tops_up_and_compares_latencies(raw: psycopg.Connection) -> None:
    target = count_events(raw) + 15
    progress: list[str] = []

    count = top_up(raw, target, progress.append)
    figure = growth_figure((count, lambda: None), (count, lambda: None), samples=6, rounds=2)

    assert count == target + 5  # whole streams of ten
    assert progress
    assert_measured(figure)
    assert figure.ours.unit == "ms p50"


def test_the_docs_section_is_replaced_not_repeated(raw: psycopg.Connection, tmp_path: Path) -> None:
    figures = [append_figure(raw, transactions=2, batch=1, rounds=1, goal=0.8)]
    info = RunInfo(
        "today", "python -m bench", "commit abc", 2, "load", "PostgreSQL", "Python", "tiny"
    )
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nPeople's notes.\n\n{START}\nold\n{END}\n\nMore notes.\n")

    write_section(docs, markdown_section(info, figures, ["a note"]))
    write_section(docs, markdown_section(info, figures, ["a note"]))

    text = docs.read_text()
    assert text.count(START) == 1 and text.count(END) == 1
    assert "old" not in text
    assert "People's notes." in text and "More notes." in text
    assert "append, 1 event per transaction" in text and "`python -m bench`" in text
    assert "append, 1 event per transaction" in text_table(figures)
