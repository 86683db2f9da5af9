"""How each figure is taken, as the docs section lists it under the table."""

from __future__ import annotations

from bench.api import api_notes
from bench.eventstore import READ_PAGE
from bench.executor import BATCH_SIZE
from bench.fanout import CLIENT_PROCESSES
from bench.fanout_report import P99_MS as FANOUT_P99_MS
from bench.fanout_report import RSS_MB
from bench.fanout_tally import COUNTED
from bench.feed_clients import OPENING
from bench.latency import ARRIVAL_SECONDS, WARM_ORDERS, WARM_RATE
from bench.memory import RSS_EVERY
from bench.process import process_notes
from bench.rebuild import LINEAR, MARKS
from bench.sizes import Sizes
from bench.stack import WORKER_CONCURRENCY
from bench.sustained import LAG_SECONDS, P99_MS, SUBMITTERS, WINDOW_SECONDS
from bench.watch import LAG_EVERY
from bench.webhook_drain import DELIVERIES_PER_ORDER, LINES
from bench.webhook_receiver import PATH
from bench.webhooks import CEILING_SECONDS, EVENTS_PER_ORDER, SLOW_SECONDS
from bench.webhooks import WARM_ORDERS as WEBHOOK_WARM
from bench.worker_memory import worker_memory_note
from contexts.integrations.relay import ORDERS_AT_ONCE


def notes(sizes: Sizes, large_db: str, fresh_db: str) -> list[str]:
    api = api_notes(sizes.api_rounds, sizes.api_seconds, sizes.api_rate_seconds)
    process = process_notes(sizes.process_backlog)
    memory = worker_memory_note(sizes.worker_backlog, large_db)
    return [*store_notes(sizes, large_db, fresh_db), *pipeline_notes(sizes, large_db), memory,
            sustained_note(sizes), fanout_note(sizes), *process, *webhook_notes(sizes),
            *api]  # fmt: skip


def store_notes(sizes: Sizes, large_db: str, fresh_db: str) -> list[str]:
    return [
        "Both sides of every figure run in the same process against the same server, "
        f"alternating in rounds ({sizes.rounds} for appends, {sizes.growth_rounds} for growth, "
        f"{sizes.concurrency_rounds} for concurrency, {sizes.read_rounds} reads for read-all), "
        "so load from anything else on the machine "
        "falls on both. Every round opens fresh connections and starts with a few untimed "
        "operations: on a small VM a connection's round trip depends on where its backend "
        "happens to be scheduled, and one long-lived connection would hand that luck to a "
        "whole figure.",
        f"Appends: `store.append` on Django's connection ({sizes.single_appends:,} single-event "
        f"and {sizes.batches} {sizes.batch}-event transactions) against psycopg INSERT / "
        "`executemany` of the same JSON on a plain psycopg connection (its defaults: "
        "server-side binding, statements prepared after five runs) into `bench_raw_event`, "
        "created `LIKE eventstore_event INCLUDING ALL` (same columns, indexes, identity; no "
        "triggers, no append function) and holding the same rows. Throughput is events over "
        "the time spent in transactions.",
        "One event per transaction is shown two ways, both against the same baseline (BEGIN, "
        "INSERT, COMMIT: three round trips). In `transaction.atomic()` the store also takes "
        "three (BEGIN, `SELECT eventstore_append(...)`, COMMIT); in Django's autocommit the "
        "append's one statement is its own transaction, one round trip. The issue's goal "
        "(1 event per transaction, >= 0.8x) is judged on the autocommit row: that is how a "
        "caller appends one event in a transaction of its own through the store's API. The "
        "atomic row, the cost when the append shares a caller's transaction, is kept beside "
        "it, and a context row compares autocommit with a raw INSERT in autocommit, one round "
        "trip each side (the three sides rotate round by round).",
        "Read-all: `store.iter_all` decoded to `RecordedEvent`s against raw psycopg pages of "
        f"{READ_PAGE} tuples, {sizes.read_events:,} identical rows each side, read "
        f"{sizes.read_rounds} times per side after one untimed read each.",
        f"Concurrency: {sizes.appenders} threads, each with its own connection and stream, "
        f"sharing {sizes.concurrent_transactions:,} one-event transactions, against one thread "
        "doing the same total; events/s over wall time, latency per transaction. The raw row "
        "is context, not a goal: the same load without the store's advisory lock.",
        f"Growth: p50 of {sizes.growth_samples:,} one-event appends to new streams, alternating "
        f"between `{large_db}` (kept between runs, topped up with generated events) and "
        f"`{fresh_db}` (recreated each run).",
        "Ratios are Shop / baseline; for growth lower is better. No test asserts any of this.",
    ]


def pipeline_notes(sizes: Sizes, large_db: str) -> list[str]:
    rebuild_in = f"`{large_db}`" if sizes.rebuild_store >= sizes.large_store else "the fresh store"
    return [
        f"Executor: {sizes.executor_rounds} rounds of a backlog of {sizes.backlog:,} pending "
        f"`bench.Bump` commands (a bench-only counter aggregate) dealt round-robin over "
        f"{sizes.backlog_streams} new streams, inserted in one statement, then one "
        "`Executor().run()` in the benchmark process until nothing is ready; commands/s over "
        "that run. Baseline, alternating with it: the same number of events by "
        f"`store.append_many` in the executor's batch shape ({BATCH_SIZE} one-event appends "
        "over 100 streams per transaction). Goal: >= 3,000 commands/s.",
        "Baker catch-up: `Runner(TickBaker()).catch_up()` from a checkpoint just before "
        f"{sizes.catch_up_events:,} freshly generated ticks, {sizes.catch_up_rounds} times "
        "(table emptied and checkpoint reset each time). The bench baker writes one row per "
        "event into `bench_tick` with one INSERT ... SELECT FROM unnest(...) per batch of 500. "
        "Baseline: `store.iter_all` decoding the same events. Goal: >= 20,000 events/s.",
        "Latency: uvicorn (`shop.asgi:application`) and one `celery -A shop worker "
        f"--concurrency {WORKER_CONCURRENCY}` started as subprocesses on the fresh store, with "
        "the bench settings' own Celery queue and channel-layer prefix; a staff client "
        "(`websockets`, `Authorization: Token`, the site's Origin) on `/ws/order-events`. "
        "The benchmark process submits `sales.PlaceOrder` with `eventstore.inbox.submit` "
        "on a fixed schedule; latency is from just before `submit` to the arrival of that "
        "order's `sales.OrderPlaced` message, one monotonic clock; a lost message counts as "
        "infinitely late. Like the live page, the client resumes with `?after=<last position>` "
        "when its socket drops (counted in the figure). The whole ordering process runs "
        "behind it (each order also issues "
        f"an invoice and moves to invoiced). {WARM_ORDERS} untimed orders at {WARM_RATE}/s warm "
        "the stack, "
        f"then {sizes.calm_rate}/s for {sizes.calm_seconds} s (context: nothing queues) and "
        f"{sizes.latency_rate}/s for {sizes.latency_seconds} s (the goal: p50 <= 25 ms, "
        "p99 <= 100 ms). No Celery beat runs, so no sweeper either.",
        f"Rebuild: `eventstore.rebuild.rebuild(TickBaker())` over every tick in {rebuild_in}, "
        "in a child process (`python -m bench.rebuild_child`), replay and swap included. "
        f"Times are read when the replay passes {', '.join(f'{m:.0%}' for m in MARKS)} of "
        f"the ticks; linear means the second half replays at >= {LINEAR}x the events/s of "
        "the first. Peak RSS is the larger of the child's own high-water mark (VmHWM: its "
        "`ru_maxrss` would include the parent's RSS at fork) and psutil samples every 50 ms "
        "from the parent; goal <= 200 MB.",
    ]


def sustained_note(sizes: Sizes) -> str:
    rate = sizes.sustained_rate
    return (
        f"Sustained load (issue 13): a stack of its own with `make run`'s processes (uvicorn, "
        f"one worker at --concurrency {WORKER_CONCURRENCY}, and Celery beat, the sweeper), "
        f"warmed with {WARM_ORDERS} orders at {WARM_RATE}/s, then {rate} `sales.PlaceOrder`/s "
        f"for {sizes.sustained_seconds} s, one schedule dealt over {SUBMITTERS} submitting "
        "threads (the figure gives the rate achieved and the most any submit ran behind "
        "schedule). Latency is from just before `submit` to the arrival of the order's "
        "`sales.OrderInvoiced` message on the staff socket, three commands and two receptors "
        "later; a lost message counts as infinitely late; `sales.OrderPlaced`'s percentiles "
        f"are given beside it. Goal: p99 <= {P99_MS} ms, and no backlog growth: pending "
        "commands with `not_before <= now()` are counted once a second, and the mean over the "
        f"run's last {WINDOW_SECONDS} s may exceed the mean over its first {WINDOW_SECONDS} s "
        f"(a third of the run each when shorter) by at most one second's orders, {rate} "
        "commands (a store falling 1% behind adds about 6 commands/s at 200 orders/s, 300 "
        f"over the 50 s between the windows). Lag, sampled every {LAG_EVERY:g} s until the "
        "last message arrived: for every registered subscriber, the age (server clock minus "
        "`recorded_at`, the appending transaction's start) of the first event after its "
        "checkpoint of a type it follows, 0 when there is none; the worst subscriber's per "
        f"sample, its max over the run judged (goal <= {LAG_SECONDS:g} s) and its p99 given."
    )


def fanout_note(sizes: Sizes) -> str:
    customers, boards = sizes.fanout_customers, sizes.fanout_boards
    counted = " and ".join(f"`{event}`" for event in COUNTED)
    return (
        f"Fan-out: a stack of its own with `make run`'s processes (one uvicorn, one worker "
        f"at --concurrency {WORKER_CONCURRENCY}, beat); {customers:,} new users, each with "
        f"an API token and one `/ws/order-events` socket on its own orders, and {boards} "
        "support staff, each with a board on every order, opened from "
        f"{CLIENT_PROCESSES} client processes (`bench.feed_clients`: the `websockets` "
        f"asyncio client, {OPENING} handshakes at a time), which note arrivals on "
        "CLOCK_MONOTONIC, the clock the benchmark submits by, and report their own CPU and "
        f"event-loop delay. After {WARM_ORDERS} warm orders, {sizes.fanout_rate} "
        f"`sales.PlaceOrder`/s for {sizes.fanout_seconds} s as in the sustained load, the "
        "customers taking turns; the pipeline does the rest. Counted pushes: each order's "
        f"{counted}, expected by its customer's socket and by every board; every message, "
        "counted or not, must name the last position its socket saw as `previous` (else "
        "the socket resumes with `after=`, counted). Latency is from just before the "
        "submit to the arrival, per class of socket; a push that has not arrived "
        f"{ARRIVAL_SECONDS} s after the last submit counts as infinitely late and is "
        f"named. Goal: every push arrives, p99 <= {FANOUT_P99_MS} ms for each class. "
        "Baseline, the same run, sockets and server: each order's feed rows (copies of an "
        "invoiced order's three, under new ids and positions, linked as the baker links "
        "them) sent by `group_send` from the benchmark to the staff group and the "
        "customer's group at the same rate, no pipeline. Memory: uvicorn's resident set "
        f"every {RSS_EVERY:g} s from before the sockets open, and its VmHWM at the end; "
        f"goal <= {RSS_MB} MB."
    )


def webhook_notes(sizes: Sizes) -> list[str]:
    rate, seconds = sizes.webhook_rate, sizes.webhook_seconds
    return [
        "Webhooks: a stack of its own with `make run`'s processes (uvicorn, one worker at "
        f"--concurrency {WORKER_CONCURRENCY}, beat) and the relay's worker (`celery worker -n "
        "relay@%h -P threads`, SHOP_WEBHOOK_THREADS threads), with SHOP_WEBHOOK_ALLOW_HTTP=1 "
        "and SHOP_WEBHOOK_ALLOWED_HOSTS=127.0.0.1 in its environment only (the benchmark "
        "registers its endpoints under the same two settings). Two receivers "
        "(`bench.webhook_receiver`, a process each: uvloop, HTTP/1.1 keep-alive, parsing "
        "no more than `Content-Length` and `webhook-id`, arrivals noted on CLOCK_MONOTONIC), "
        f"one answering 200 at once, one after {SLOW_SECONDS:g} s; an endpoint on each "
        f"(`{PATH}`) for every public type. After {WEBHOOK_WARM} warm orders, the fast "
        f"endpoint is disabled and {sizes.webhook_backlog:,} orders of {LINES} lines "
        f"(`order.placed`, an `item.purchased` per line, `invoice.issued`: {DELIVERIES_PER_ORDER} "
        "deliveries each) go in through `eventstore.inbox.submit` in one transaction; once "
        "the fan-out has written every delivery and the store is quiet, the endpoint is "
        "enabled (`endpoints.change`, which wakes its relay). Deliveries/s: distinct "
        "deliveries over the time from the first arrival at the receiver to the last; CPU "
        "per delivery (the relay worker's process and the Postgres server, from /proc) from "
        "the enabling until every delivery is recorded. Goal: >= 1,000/s and >= 0.5x the "
        "baseline.",
        "Webhook baseline, same run: the same bodies, signed with the endpoint's secret "
        "before the clock starts, posted from the benchmark process by httpx on one event "
        f"loop, {ORDERS_AT_ONCE} tasks at once (the relay's orders at once), each taking "
        "the next order and posting its deliveries in turn, to the same receiver, timed "
        "from its arrivals the same way: each task with a client of one keep-alive "
        "connection, as the relay's lanes, before and after the relay's drain (their mean "
        f"is the baseline), then once one client of {ORDERS_AT_ONCE} connections (context: "
        "httpcore's pool scans every connection on every request). The receiver's own "
        f"ceiling: `bench.http_load` (raw keep-alive sockets, {ORDERS_AT_ONCE} "
        f"connections) posting one of the bodies back to back for {CEILING_SECONDS:g} s.",
        f"Webhook latency: one-line orders through the pipeline at {rate / EVENTS_PER_ORDER:.1f}"
        f"/s ({EVENTS_PER_ORDER} public events each: `order.placed`, `item.purchased`, "
        f"`invoice.issued`; {rate} events/s) for {seconds} s per part. Each delivery is "
        "timed from its event's `recorded_at` (the appending transaction's start, a little "
        "before its commit; the server's wall clock, mapped onto CLOCK_MONOTONIC by the "
        "offset read in the benchmark) to its first arrival at the fast receiver; one not "
        f"there {ARRIVAL_SECONDS} s after the last submit counts as infinitely late. "
        f"{sizes.webhook_rounds} rounds, alternating (alone, beside; beside, alone; ...): "
        "alone, the slow endpoint disabled and its last requests answered; beside, it "
        "enabled, owed every delivery since its registration (the backlog above and the "
        "rounds' so far), and its requests arriving. Each figure's p99 is over all its "
        "parts' deliveries; each part's own p99 is listed beside it. Goals: p99 alone <= "
        "200 ms; p99 beside / p99 alone <= 1.2x.",
    ]
