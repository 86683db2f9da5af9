"""A real Chromium, driven by Playwright, against the running system (tests.livestack)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from tests.livestack import (  # noqa: F401  fixtures
    celery_processes,
    demo_catalog,
    start_server,
    workers,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A headless Chromium for one test (the system's own, never a downloaded one).

    Playwright's sync API keeps an asyncio loop running on this thread while it is
    open, which Django takes for async code: the test's own ORM calls are allowed
    explicitly, and only while the browser is open. Their connections live in the
    loop's context, so they are closed before the loop stops, or they would outlive
    the test (and keep the test database from being dropped).
    """
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium): browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            connections.close_all()
            chromium.close()
