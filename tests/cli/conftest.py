"""Management commands run as a user runs them: `python manage.py ...` subprocesses
against the test database (tests.livestack brings up the servers some of them use)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from shop.devstack.services import ROOT
from tests.integration.processes import child_env
from tests.livestack import (  # noqa: F401  fixtures
    celery_processes,
    demo_catalog,
    start_server,
    workers,
)

Manage = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def manage(committed_db: None) -> Manage:
    """Run `manage.py` with arguments (and stdin text); its exit code, stdout and stderr."""

    def run(*args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 120):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=child_env(**(env or {})),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    """Where the cart shell remembers its member, per test (not the developer's .run/)."""
    return tmp_path / "cart-member"
