"""docs/architecture.md's "Add a context", proved on the test-only ledger (`tests/pipeline`):
it is installed by one line of tests/settings.py, its `ready` imports its modules, and each
module registers what it defines at its end. Nothing else wires it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest

from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from eventstore.store import store
from eventstore.subscribers import Runner, registry
from tests.pipeline import domain
from tests.pipeline.models import AccountBalance

REGISTERED = """
import django, json
django.setup()
from eventstore.commands import commands
from eventstore.registry import registry
from eventstore.subscribers import registry as subscribers
names = [*commands.names(), *registry.names(), *(s.name for s in subscribers.all())]
print(json.dumps([name for name in names if name.startswith("pipeline.")]))
"""


def test_the_settings_line_alone_registers_the_context() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}

    printed = subprocess.run(
        [sys.executable, "-c", REGISTERED], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert json.loads(printed) == [
        "pipeline.Deposit",
        "pipeline.DepositUnstorable",
        "pipeline.Explode",
        "pipeline.OpenAccount",
        "pipeline.Stall",
        "pipeline.Withdraw",
        "pipeline.AccountOpened",
        "pipeline.Deposited",
        "pipeline.Withdrawn",
        "pipeline.ledger",
        "pipeline.bonus",
    ]


@pytest.mark.django_db
def test_a_command_runs_through_the_real_executor_to_a_baked_row() -> None:
    account = uuid.uuid4()
    opened = submit(domain.OpenAccount(account, "ada"), actor="ada")

    Executor().run()
    Runner(registry.named("pipeline.ledger")).catch_up()

    command = Command.objects.values_list("service_name", "operation", "status")
    assert command.get(id=opened.command_id) == ("pipeline", "OpenAccount", "done")
    [event] = store.read_stream(account)
    assert (event.type, event.stream_type) == ("pipeline.AccountOpened", "pipeline.Account")
    assert event.data == domain.AccountOpened(account, "ada")
    baked = AccountBalance.objects.values_list("owner", "balance", "entries", "version")
    assert baked.get(account_id=account) == ("ada", Decimal("0.00"), 0, 1)
    assert AccountBalance.objects.get(account_id=account).updated_at == event.recorded_at
