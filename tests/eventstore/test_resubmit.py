"""Resubmitting a stored command: the inbox's retry, linked to the original."""

from __future__ import annotations

import uuid

import pytest

from eventstore.commands import commands
from eventstore.executor import Executor
from eventstore.inbox import resubmit, submit
from eventstore.models import Command
from tests.pipeline import domain

pytestmark = pytest.mark.django_db


def test_a_failed_command_resubmitted_is_a_pending_copy_linked_to_it() -> None:
    account = uuid.uuid4()
    original = submit(domain.Explode(account), actor="alice", idempotency_key="boom-1")
    Executor().run()

    retry = resubmit(original.command_id, actor="staff:7")

    first = Command.objects.get(id=original.command_id)
    copy = Command.objects.get(id=retry.command_id)
    assert first.status == "failed"
    assert (copy.status, copy.actor, copy.idempotency_key) == ("pending", "staff:7", None)
    assert (copy.service_name, copy.operation, copy.stream_id, copy.payload) == (
        first.service_name, first.operation, first.stream_id, first.payload
    )  # fmt: skip
    assert (copy.retry_of, copy.causation_id, copy.correlation_id) == (
        first.id, first.id, first.correlation_id
    )  # fmt: skip
    assert copy.seq > first.seq


def test_resubmitting_an_unknown_command_is_refused_and_stores_nothing() -> None:
    before = Command.objects.count()

    with pytest.raises(LookupError):
        resubmit(uuid.uuid4(), actor="staff:7")

    assert Command.objects.count() == before


def test_the_handler_of_a_stream_type_folds_its_streams() -> None:
    handler = commands.for_stream_type("pipeline.Account")

    assert handler is not None and handler.service == "pipeline"
    assert commands.for_stream_type("no.Such") is None
