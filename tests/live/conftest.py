"""Users, tokens and sessions with real commits: the consumer reads them on its own."""

from __future__ import annotations

import importlib.util
import sys
import types
import uuid
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from shop.tokens.keys import issue
from tests.staff import join

if importlib.util.find_spec("daphne") is None:
    # channels.testing imports its live-server test case, which needs daphne
    # (django/channels#1942). Shop serves with uvicorn and these tests use only the
    # in-process WebsocketCommunicator, so stand in for the one name it imports.
    sys.modules["daphne"] = types.ModuleType("daphne")
    sys.modules["daphne.testing"] = types.ModuleType("daphne.testing")
    sys.modules["daphne.testing"].DaphneProcess = None


@pytest.fixture
async def reading_layer() -> None:
    """The test's channel layer already reading, for tests of what arrives when."""
    from tests.live.support import layer_reading  # after daphne's stand-in, above

    await layer_reading()


@pytest.fixture
def make_user(committed_db: None) -> Callable[..., User]:
    def make(staff: bool = False, active: bool = True) -> User:
        name = f"live-{uuid.uuid4().hex[:12]}"
        user = User.objects.create_user(name, is_staff=staff, is_active=active)
        return join(user, "support") if staff else user  # support watches every order

    return make


@pytest.fixture
def token_for(committed_db: None) -> Callable[[User], str]:
    return lambda user: issue(user).key


@pytest.fixture
def session_for(committed_db: None) -> Callable[[User], str]:
    def login(user: User) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    return login


@pytest.fixture
def refills(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The `after` of each replay page the consumers read."""
    from tests.pipeline.consumers import LedgerFeedConsumer  # after the stand-in above

    calls: list[int] = []
    original = LedgerFeedConsumer.replay

    def replay(self, user, after: int, limit: int) -> list[dict]:
        calls.append(after)
        return original(self, user, after, limit)

    monkeypatch.setattr(LedgerFeedConsumer, "replay", replay)
    return calls
