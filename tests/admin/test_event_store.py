"""The event store browser, a stream's page, state as of version N, and the command
inbox with its reasons and retries."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from eventstore.admin.readonly import EstimatedCountPaginator
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command, Event
from tests.admin.support import client_for, commands_by, make_user, messages_of, order_in
from tests.pipeline import domain as ledger

pytestmark = pytest.mark.django_db
EVENTS, INBOX = "/admin/eventstore/event/", "/admin/eventstore/command/"


def ledger_account(*deposits: str) -> uuid.UUID:
    account = uuid.uuid4()
    submit(ledger.OpenAccount(account, "alice"), actor="alice")
    for amount in deposits:
        submit(ledger.Deposit(account, Decimal(amount)), actor="alice")
    Executor().run()
    return account


def support_page(url: str) -> str:
    return client_for(make_user("support")).get(url).content.decode()


def results(html: str) -> str:
    return html[html.index('id="result_list"') :].split("</table>")[0]


def test_events_are_listed_by_stream_type_event_type_and_stream() -> None:
    placed = order_in("invoiced")
    account = ledger_account("5.00")
    position = Event.objects.get(stream_id=placed.order_id, version=1).position

    orders = results(support_page(f"{EVENTS}?stream_type=sales.Order&q={placed.order_id}"))
    none = support_page(f"{EVENTS}?stream_type=pipeline.Account&q={placed.order_id}")
    deposits = results(support_page(f"{EVENTS}?type=pipeline.Deposited&stream={account}"))
    by_search = results(support_page(f"{EVENTS}?q={position}"))

    assert ">sales.OrderPlaced<" in orders and ">sales.OrderInvoiced<" in orders
    assert 'id="result_list"' not in none
    assert ">pipeline.Deposited<" in deposits and ">pipeline.AccountOpened<" not in deposits
    assert f"/admin/eventstore/event/{position}/change/" in by_search
    assert by_search.count("/change/") == 1


def test_a_stream_that_is_no_id_lists_nothing_and_a_blank_search_lists_every_row() -> None:
    account = ledger_account()

    no_id = support_page(f"{EVENTS}?stream=not-an-id")
    blank = results(support_page(f"{EVENTS}?stream={account}&q=%20%20"))

    assert 'id="result_list"' not in no_id
    assert ">pipeline.AccountOpened<" in blank


def test_events_are_listed_by_date() -> None:
    account = ledger_account()
    today = timezone.now().date()
    tomorrow = today + dt.timedelta(days=1)

    found = support_page(
        f"{EVENTS}?stream={account}&recorded_at_from={today}&recorded_at_to={today}"
    )
    none = support_page(f"{EVENTS}?stream={account}&recorded_at_from={tomorrow}")

    assert ">pipeline.AccountOpened<" in results(found)
    assert 'id="result_list"' not in none


def test_the_stream_page_shows_every_event_in_order_with_data_and_metadata() -> None:
    account = ledger_account("5.00", "7.00")
    opened = Command.objects.get(stream_id=account, operation="OpenAccount")

    html = support_page(f"{EVENTS}stream/{account}/")

    rows = html[html.index('id="stream-events"') :].split("<tr>")[2:]
    assert [row.split("<td>")[4].split("<")[0] for row in rows] == [
        "pipeline.AccountOpened", "pipeline.Deposited", "pipeline.Deposited"
    ]  # fmt: skip
    assert "&quot;amount&quot;: &quot;7.00&quot;" in rows[2]
    assert f"&quot;command_id&quot;: &quot;{opened.id}&quot;" in rows[0]
    assert "&quot;actor&quot;: &quot;alice&quot;" in rows[0]


@pytest.mark.parametrize(
    ("version", "balance", "shown"), [("1", "0.00", 1), ("2", "5.00", 2), ("", "12.00", 3)]
)
def test_state_as_of_version_n_folds_the_first_n_events(
    version: str, balance: str, shown: int
) -> None:
    account = ledger_account("5.00", "7.00")

    html = support_page(f"{EVENTS}stream/{account}/state/?version={version}")

    assert f"pipeline.Account {account} as of version {shown}" in html
    fields = html[html.index('id="state-fields"') :]
    assert f'<td>balance</td><td><pre class="shop-json">&quot;{balance}&quot;</pre>' in fields
    assert '<td>owner</td><td><pre class="shop-json">&quot;alice&quot;</pre>' in fields


def test_an_orders_state_as_of_its_first_version_is_placed() -> None:
    placed = order_in("paid")

    first = support_page(f"{EVENTS}stream/{placed.order_id}/state/?version=1")
    now = support_page(f"{EVENTS}stream/{placed.order_id}/state/")

    assert '<td>status</td><td><pre class="shop-json">&quot;placed&quot;' in first
    assert '<td>status</td><td><pre class="shop-json">&quot;paid&quot;' in now


def test_an_unknown_stream_is_not_found() -> None:
    staff = client_for(make_user("support"))

    assert staff.get(f"{EVENTS}stream/{uuid.uuid4()}/").status_code == 404
    assert staff.get(f"{EVENTS}stream/{uuid.uuid4()}/state/").status_code == 404


def test_the_inbox_filters_by_status_and_operation_and_gives_reasons() -> None:
    account = ledger_account()
    submit(ledger.Withdraw(account, Decimal("50.00")), actor="alice")
    submit(ledger.Explode(account), actor="alice")
    Executor().run()

    rejected = support_page(
        f"{INBOX}?status__exact=rejected&operation=pipeline.Withdraw&q={account}"
    )
    failed = support_page(f"{INBOX}?status__exact=failed&q={account}")
    done = support_page(f"{INBOX}?status__exact=done&operation=pipeline.Withdraw&q={account}")

    withdraw = Command.objects.get(stream_id=account, operation="Withdraw")
    assert f"/admin/eventstore/command/{withdraw.id}/change/" in rejected
    assert withdraw.error["detail"] in rejected
    assert ">pipeline.Explode<" in failed and "RuntimeError" in failed
    assert f"{withdraw.id}" not in done


def test_a_superuser_retries_a_failed_command_linked_to_the_original(quick_outcomes) -> None:
    account = ledger_account()
    failed = submit(ledger.Explode(account), actor="alice").command_id
    Executor().run()
    root = make_user(superuser=True)

    page = client_for(root).get(f"{INBOX}{failed}/change/").content.decode()
    response = client_for(root).post(f"{INBOX}{failed}/retry/", follow=True)

    [retry] = commands_by(root)
    assert f"/admin/eventstore/command/{failed}/retry/" in page
    assert (retry.retry_of, retry.causation_id, retry.operation) == (failed, failed, "Explode")
    assert response.redirect_chain[-1][0] == f"{INBOX}{retry.id}/change/"
    assert messages_of(response)[0].startswith("Submitted pipeline.Explode")
    assert f"/admin/eventstore/command/{failed}/change/" in response.content.decode()
    original = client_for(root).get(f"{INBOX}{failed}/change/").content.decode()
    assert f"/admin/eventstore/command/{retry.id}/change/" in original


def test_support_may_not_retry_and_nothing_is_stored() -> None:
    account = ledger_account()
    failed = submit(ledger.Explode(account), actor="alice").command_id
    Executor().run()
    support = make_user("support")

    page = client_for(support).get(f"{INBOX}{failed}/change/").content.decode()
    response = client_for(support).post(f"{INBOX}{failed}/retry/", follow=True)

    assert f"/{failed}/retry/" not in page
    assert messages_of(response) == [
        "You may not retry commands: that needs the permission eventstore.retry_command."
    ]
    assert commands_by(support) == []


def test_only_a_failed_command_can_be_retried() -> None:
    account = ledger_account()
    done = Command.objects.get(stream_id=account)
    root = make_user(superuser=True)

    response = client_for(root).post(f"{INBOX}{done.id}/retry/", follow=True)

    assert messages_of(response) == ["Only a failed command can be retried; this one is done."]
    assert commands_by(root) == []


@pytest.mark.database_owner  # ANALYZE is the table owner's
def test_an_unfiltered_list_is_counted_from_the_planners_estimate(monkeypatch) -> None:
    account = ledger_account("1.00")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE eventstore_event")
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'eventstore_event'")
        estimate = cursor.fetchone()[0]
    monkeypatch.setattr(EstimatedCountPaginator, "ESTIMATE_ABOVE", 0)

    everything = EstimatedCountPaginator(Event.objects.order_by("position"), 50)
    one_stream = EstimatedCountPaginator(
        Event.objects.filter(stream_id=account).order_by("version"), 50
    )

    assert everything.count == estimate
    assert one_stream.count == 2
