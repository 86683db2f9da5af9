"""The benchmark suite runs: every figure, at toy sizes, against the test database.

Nothing here is timed or compared: speed is for `make bench` to report, never for a test
to assert. These tests only prove that each figure comes back whole and measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from bench.api import api_figures
from bench.catchup import catch_up_figure
from bench.concurrency import concurrency_figures
from bench.databases import count_events, current_url, raw_connect
from bench.events import generate_events
from bench.eventstore import append_figure, autocommit_append_figures, read_all_figure
from bench.executor import executor_figure
from bench.fanout import fanout_figures
from bench.fanout_tally import CUSTOMER, INVOICED, PLACED, STAFF, Phase, tally
from bench.growth import growth_figure, top_up
from bench.latency import latency_figures
from bench.process import process_figures
from bench.rebuild import rebuild_figures
from bench.report import (
    END,
    START,
    Figure,
    Limit,
    Measure,
    RunInfo,
    markdown_section,
    text_table,
    write_section,
)
from bench.sustained import Load, backlog, sustained_figures
from bench.watch import Watched
from bench.webhooks import ENDPOINT_DESCRIPTION, webhook_figures
from bench.worker_memory import worker_memory_figure
from contexts.integrations.models import WebhookEndpoint
from eventstore import jobs
from eventstore.subscribers import registry

# `make bench` runs as the schema's owner: it creates its baseline tables and vacuums.
pytestmark = pytest.mark.database_owner


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


def assert_judged(figure: Figure) -> None:
    """A figure with a goal of its own (no ratio to meet): measured and given a verdict."""
    assert figure.name and figure.ours.value > 0 and figure.ours.unit
    assert figure.limits and all(limit.value > 0 for limit in figure.limits)
    assert figure.result in {"PASS", "SHORT"}


def test_append_figures_measure_both_sides(raw: psycopg.Connection) -> None:
    single = append_figure(raw, transactions=6, batch=1, rounds=2, goal=0.8)
    batched = append_figure(raw, transactions=4, batch=5, rounds=2, goal=0.7)

    for figure in (single, batched):
        assert_measured(figure)
        assert figure.ours.unit == "events/s"
    assert single.name == "append, 1 event per transaction: store.append in transaction.atomic()"
    assert batched.name == "append, 5 events per transaction"


def test_autocommit_appends_are_judged_against_both_raw_inserts(raw: psycopg.Connection) -> None:
    judged, context = autocommit_append_figures(raw, transactions=6, rounds=3, goal=0.8)

    for figure in (judged, context):
        assert_measured(figure)
    assert judged.goal is not None and judged.baseline_name.startswith("psycopg INSERT + commit")
    assert context.goal is None and context.baseline_name == "psycopg INSERT in autocommit"
    assert judged.ours == context.ours


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


def test_executor_figure_executes_the_backlog_beside_batch_appends(bench_db: None) -> None:
    figure = executor_figure(commands=30, streams=4, rounds=2)

    assert_judged(figure)
    assert figure.ours.unit == "commands/s"
    assert figure.baseline is not None and figure.baseline.value > 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM eventstore_command WHERE service_name = 'bench'"
            " AND status <> 'done'"
        )
        assert cursor.fetchone()[0] == 0


def test_catch_up_figure_bakes_every_event_beside_reading_them(raw: psycopg.Connection) -> None:
    figure = catch_up_figure(raw, events=30, rounds=2)

    assert_judged(figure)
    assert figure.baseline is not None and figure.baseline.unit == "events/s"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_tick")
        assert cursor.fetchone()[0] == 30


def test_rebuild_figures_time_the_replay_and_its_memory(raw: psycopg.Connection) -> None:
    generate_events(raw, streams=200, stream_size=10)  # several batches: two halves to compare

    timing, memory = rebuild_figures(current_url())

    for figure in (timing, memory):
        assert_judged(figure)
        assert figure.baseline is None and figure.ratio is None
    assert timing.ours.unit == "s" and memory.ours.unit == "MB"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_tick")
        ticks = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM eventstore_event WHERE type = 'bench.Ticked'")
        assert ticks == cursor.fetchone()[0]


@pytest.mark.integration
def test_latency_figures_time_orders_through_the_real_stack(bench_db: None, tmp_path: Path) -> None:
    calm, busy = latency_figures((10, 0.3), (20, 0.5), tmp_path, warm=2)

    for figure in (calm, busy):
        assert figure.ours.unit == "ms p50" and 0 < figure.ours.value < math.inf
        assert "arrived" in figure.ours.detail and figure.baseline is None
    assert "3/3 arrived" in calm.ours.detail and "10/10 arrived" in busy.ours.detail
    assert "not there yet" not in busy.ours.detail
    assert calm.result == "reported"
    assert busy.result in {"PASS", "SHORT"} and len(busy.limits) == 2


@pytest.mark.integration
def test_sustained_figures_time_orders_to_invoiced_and_watch_the_store(
    bench_db: None, tmp_path: Path
) -> None:
    invoiced, lag = sustained_figures(20, 0.5, tmp_path, warm=2)

    assert invoiced.ours.unit == "ms p99" and 0 < invoiced.ours.value < math.inf
    assert "10/10 arrived" in invoiced.ours.detail and "not there yet" not in invoiced.ours.detail
    assert "from 4 threads" in invoiced.ours.detail and "ready commands:" in invoiced.ours.detail
    assert "sales.OrderPlaced p50" in invoiced.ours.detail
    assert "CPU per order: worker" in invoiced.ours.detail
    assert invoiced.baseline is None and invoiced.result in {"PASS", "SHORT"}
    assert [str(limit) for limit in invoiced.limits] == [
        "p99 <= 250 ms", "backlog growth <= 20 commands"
    ]  # fmt: skip
    assert lag.ours.unit == "s max" and lag.ours.value >= 0
    assert "samples" in lag.ours.detail and "s in the last" in lag.ours.detail
    assert lag.baseline is None and lag.result in {"PASS", "SHORT"}
    assert [str(limit) for limit in lag.limits] == ["max <= 1 s"]


@pytest.mark.integration
def test_fanout_figures_count_every_push_to_every_socket(bench_db: None, tmp_path: Path) -> None:
    customers, staff, memory = fanout_figures(3, 2, rate=10, seconds=0.6, log_dir=tmp_path, warm=2)

    # 6 orders, 2 for each customer, each pushed as placed and as invoiced: 4 pushes for
    # each customer's socket, all 12 for each board.
    for figure, pushes in (
        (customers, "12/12 pushes to 3 sockets"),
        (staff, "24/24 pushes to 2 sockets"),
    ):
        assert_measured(figure)
        assert figure.ours.unit == "ms p99" and 0 < figure.ours.value < math.inf
        assert f"{pushes} arrived" in figure.ours.detail
        assert f"{pushes} arrived" in figure.baseline.detail
        assert "missing:" not in figure.ours.detail and "misdelivered:" not in figure.ours.detail
        assert "0 broken chains, 0 reconnections" in figure.ours.detail
        assert [str(limit) for limit in figure.limits] == [
            "p99 <= 500 ms",
            "missing <= 0 pushes",
            "misdelivered <= 0 pushes",
        ]
        assert figure.limits[1].value == 0 and figure.limits[2].value == 0
    assert "client processes" in customers.ours.detail
    assert_measured(memory)
    assert memory.ours.unit == "MB" and memory.ours.value >= memory.baseline.value
    assert "5 sockets open" in memory.name and "VmHWM" in memory.ours.detail
    assert [str(limit) for limit in memory.limits] == ["peak <= 300 MB"]


def test_fanout_tally_names_the_pushes_that_never_came_and_those_that_went_astray() -> None:
    phase = Phase(sent={"o1": 10.0, "o2": 11.0}, owners={"o1": "customer-0", "o2": "customer-1"})
    kinds = {"staff-0": STAFF, "customer-0": CUSTOMER, "customer-1": CUSTOMER}
    arrivals = {
        "staff-0": [["warm", PLACED, 9.0], ["o1", PLACED, 10.1], ["o1", INVOICED, 10.3],
                    ["o2", PLACED, 11.2], ["o2", INVOICED, 11.4]],
        "customer-0": [["o1", PLACED, 10.1], ["o2", PLACED, 11.5]],
    }  # fmt: skip

    received = tally(phase, kinds, arrivals)

    staff, customers = received[STAFF], received[CUSTOMER]
    assert (staff.sockets, staff.expected, staff.received) == (1, 4, 4)
    assert staff.missing == [] and staff.misdelivered == []
    assert staff.ms(50) == pytest.approx(200) and staff.ms(99, PLACED) == pytest.approx(200)
    assert (customers.sockets, customers.expected, customers.received) == (2, 4, 1)
    assert customers.missing == [
        "customer-0: o1 sales.OrderInvoiced",
        "customer-1: o2 sales.OrderPlaced",
        "customer-1: o2 sales.OrderInvoiced",
    ]
    assert customers.misdelivered == ["customer-0: o2 sales.OrderPlaced"]
    assert customers.ms(50) == math.inf and customers.ms(25) == pytest.approx(100)


def test_backlog_growth_compares_the_first_and_last_windows_of_the_run() -> None:
    load = Load({"a": 100.0, "b": 130.0}, start=100.0, behind=0.0)  # a 30 s run
    steady = Watched(ready=[(100.0 + second, 50) for second in range(31)])
    growing = Watched(ready=[(100.0 + second, 10 * second) for second in range(31)])

    (held, held_text), (grew, grew_text) = backlog(steady, load, 200), backlog(growing, load, 200)

    assert held.value == 0.0 and held.met()
    assert held_text == (
        "ready commands: 50 avg in the first 10 s, 50 in the last, max 50, trend +0.0/s"
    )
    assert grew.value == 200.0 and grew.met()  # 45 -> 245: one second's orders, the bound
    assert grew_text.endswith("max 300, trend +10.0/s")
    assert not backlog(growing, load, 199)[0].met()


@pytest.mark.integration
def test_api_figures_drive_shop_and_the_bare_app(bench_db: None, tmp_path: Path) -> None:
    post, steady, *reads = api_figures(rounds=2, seconds=0.2, rate_seconds=0.2, log_dir=tmp_path)

    assert [figure.name.split(",")[0] for figure in reads] == [
        "GET /api/order/{id}", "GET /api/products", "GET /api/order (list)",
        "GET /api/invoices", "GET /api/commands/{id}",
    ]  # fmt: skip
    for figure in (post, *reads):
        assert_measured(figure)
        assert figure.ours.unit == "req/s" and "all 2xx" in figure.ours.detail
        assert "all 2xx" in figure.baseline.detail
        assert figure.result in {"PASS", "SHORT"}
        assert [limit.what for limit in figure.limits] == ["", "5xx"]
        assert figure.limits[1].value == 0  # no server error
    assert steady.ours.unit == "ms p99" and "all 2xx" in steady.ours.detail
    assert steady.result in {"PASS", "SHORT"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM eventstore_command WHERE operation = 'PlaceOrder'")
        assert cursor.fetchone()[0] > 1  # the seeded order, then the POSTs'


@pytest.mark.integration
def test_process_figures_drain_a_backlog_on_one_node_then_two(
    bench_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_SWEEP_SECONDS", "0.5")  # beat's: the store goes quiet sooner

    one, two = process_figures(backlog=20, log_dir=tmp_path, warm=2)

    assert_measured(one)
    assert_judged(one)
    assert one.ours.unit == "orders/s" and "20 invoiced" in one.ours.detail
    assert "Postgres" in one.ours.detail and "busy of" in one.ours.detail
    assert one.baseline_name.startswith("raw batched INSERTs of the same rows")
    for rows in ("eventstore_command 4", "eventstore_event 3", "sales_ordersummary 1"):
        assert rows in one.baseline.detail
    assert [str(limit) for limit in one.limits] == [">= 500 orders/s"]
    assert_measured(two)
    assert two.result == "reported" and "20 invoiced" in two.ours.detail
    assert two.baseline_name == "1 worker node, same run"
    assert two.baseline.value == one.ours.value
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_raw_eventstore_event')")
        assert cursor.fetchone()[0] is None  # the baseline's scratch tables are gone


@pytest.mark.integration
def test_worker_memory_figure_reads_every_process_of_a_node_at_work(
    raw: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_SWEEP_SECONDS", "0.5")  # beat's: the store goes quiet sooner
    generate_events(raw, streams=20, stream_size=10)  # ticks for the node to rebuild

    figure = worker_memory_figure(backlog=20, log_dir=tmp_path)

    assert_measured(figure)
    assert_judged(figure)
    assert figure.ours.unit == "MB" and "20 orders" in figure.name
    assert figure.ours.detail.count("main ") == 1 and figure.ours.detail.count("pool ") >= 2
    assert figure.baseline_name == "the same processes idle after start"
    assert figure.ours.value >= figure.baseline.value
    assert [str(limit) for limit in figure.limits] == ["<= 300 MB"]
    assert {jobs.status(baker.name)["state"] for baker in registry.bakers()} == {"done"}
    with connection.cursor() as cursor:  # the bench baker was rebuilt too, in the node
        cursor.execute("SELECT count(*) FROM bench_tick")
        ticks = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM eventstore_event WHERE type = 'bench.Ticked'")
        assert ticks == cursor.fetchone()[0]


@pytest.mark.integration
def test_webhook_figures_drain_a_backlog_and_time_deliveries_alone_and_beside_a_slow_one(
    bench_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_SWEEP_SECONDS", "0.5")  # beat's: the store goes quiet sooner

    throughput, alone, beside = webhook_figures(
        backlog=5, rate=15, seconds=1, rounds=1, log_dir=tmp_path, slow_seconds=2
    )

    assert_measured(throughput)
    assert_judged(throughput)
    assert throughput.name.endswith("backlog of 20") and throughput.ours.unit == "deliveries/s"
    assert "20 in " in throughput.ours.detail and "CPU per delivery" in throughput.ours.detail
    assert "the receiver's own ceiling" in throughput.baseline.detail
    assert [str(limit) for limit in throughput.limits] == [">= 1,000 deliveries/s"]
    assert_judged(alone)
    assert alone.ours.unit == "ms p99" and "15/15 arrived" in alone.ours.detail
    assert "p99 by part" in alone.ours.detail
    assert [str(limit) for limit in alone.limits] == ["p99 <= 200 ms"]
    assert_measured(beside)
    assert "answering after 2 s" in beside.name and "15/15 arrived" in beside.ours.detail
    assert beside.baseline.value == alone.ours.value and str(beside.goal) == "<= 1.2x"
    assert not WebhookEndpoint.objects.filter(description=ENDPOINT_DESCRIPTION).exists()


def test_a_figure_without_a_baseline_is_judged_on_its_limits() -> None:
    def p50(ms: float) -> Figure:
        limit = Limit("p50", ms, 25, "ms", at_most=True)
        return Figure("x", Measure(ms, "ms p50"), "none", None, limits=(limit,))

    fast, slow = p50(10), p50(30)

    assert fast.result == "PASS" and slow.result == "SHORT"
    assert fast.ratio is None and fast.goal_text == "p50 <= 25 ms"
    assert "| x | 10 ms p50 | none | - | p50 <= 25 ms | PASS |" in markdown_section(
        RunInfo("today", "cmd", "code", 2, "load", "pg", "py", "tiny"), [fast], []
    )


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
