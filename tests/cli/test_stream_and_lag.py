"""`manage.py stream STREAM_ID` and `manage.py lag`."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from eventstore.models import Event
from eventstore.subscribers import registry
from shop.cli.cart import cart_id_of
from shop.customers import customer_id_for
from tests.cli.conftest import Manage

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("demo_catalog")]


def test_stream_prints_every_event_of_a_stream_in_version_order(
    manage: Manage, state_file: Path
) -> None:
    name = f"streamer-{uuid.uuid4().hex[:8]}"
    shell = ("cart", "--state", str(state_file), "--wait", "0")
    manage(*shell, "change-member", name)
    manage(*shell, "add", "fountain-pen", "2")
    manage(*shell, "adjust", "fountain-pen", "-2")
    user = User.objects.get(username=name)
    cart_id = cart_id_of(customer_id_for(user))

    run = manage("stream", str(cart_id))

    assert run.returncode == 0, run.stderr
    header, *lines = run.stdout.splitlines()
    assert header == f"cart.Cart {cart_id}"
    events = list(Event.objects.filter(stream_id=cart_id).order_by("version"))
    assert len(lines) == len(events) == 2
    for line, event in zip(lines, events, strict=True):
        position, version, kind, when, actor, data = line.split(maxsplit=5)
        assert (int(position), version, kind) == (event.position, f"v{event.version}", event.type)
        assert when == event.recorded_at.isoformat(timespec="milliseconds")[:23] + "Z"
        assert actor == f"customer:{user.pk}"
        assert json.loads(data) == event.data
    assert [event.type for event in events] == ["cart.CartItemAdded", "cart.CartItemRemoved"]


def test_stream_refuses_what_is_not_a_stream(manage: Manage) -> None:
    not_an_id = manage("stream", "cart-of-alice")
    unknown = manage("stream", str(uuid.uuid4()))

    assert (not_an_id.returncode, unknown.returncode) == (1, 1)
    assert "'cart-of-alice' is not a stream id (a UUID)." in not_an_id.stderr
    assert "it has no events." in unknown.stderr


def test_lag_prints_every_subscribers_lag(manage: Manage) -> None:
    run = manage("lag")

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert re.fullmatch(r"head \d+", lines[0])
    names = [line.split()[0] for line in lines[2:]]
    assert names == sorted(subscriber.name for subscriber in registry.all())
