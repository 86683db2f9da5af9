"""Fixtures for the tests of Shop's own modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def open_umask(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The most permissive umask, and no chmod: a file is 0600 only if it was born so."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a secret file was chmodded after it was created")

    monkeypatch.setattr(os, "chmod", refuse)
    monkeypatch.setattr(Path, "chmod", refuse)
    previous = os.umask(0)
    yield
    os.umask(previous)
