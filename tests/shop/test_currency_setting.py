"""SHOP_CURRENCY is checked as the settings load: every Shop process refuses to start
with a code that is not an ISO 4217 currency of two decimal places, and says why."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from shop.devstack.services import ROOT

PRINT_CURRENCY = "import shop.settings as s; print(s.SHOP_CURRENCY)"
REFUSED = "django.core.exceptions.ImproperlyConfigured: "


def start(**variables: str) -> subprocess.CompletedProcess:
    """Load the settings as a process starting would, with these variables."""
    env = {k: v for k, v in os.environ.items() if k != "SHOP_CURRENCY"}
    return subprocess.run(
        [sys.executable, "-c", PRINT_CURRENCY],
        cwd=ROOT,
        env={**env, "SHOP_SECRET_KEY": "k" * 50, **variables},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_currency_is_eur_unless_set() -> None:
    unset, empty = start(), start(SHOP_CURRENCY="")

    assert (unset.returncode, unset.stdout) == (0, "EUR\n")
    assert (empty.returncode, empty.stdout) == (0, "EUR\n")


def test_the_currency_is_taken_from_the_environment() -> None:
    result = start(SHOP_CURRENCY="USD")

    assert (result.returncode, result.stdout) == (0, "USD\n")


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("eur", "SHOP_CURRENCY must be three upper-case letters, an ISO 4217 code such as EUR"
                " or USD: got 'eur'"),
        ("EURO", "SHOP_CURRENCY must be three upper-case letters, an ISO 4217 code such as EUR"
                 " or USD: got 'EURO'"),
        (" EUR", "SHOP_CURRENCY must be three upper-case letters, an ISO 4217 code such as EUR"
                 " or USD: got ' EUR'"),
        ("ABC", "SHOP_CURRENCY ABC is not an ISO 4217 currency code (such as EUR or USD)"),
        ("XAU", "SHOP_CURRENCY XAU is not an ISO 4217 currency code (such as EUR or USD)"),
        ("JPY", "SHOP_CURRENCY JPY has 0 decimal places; Shop keeps amounts to two, so its"
                " currency must have two (such as EUR or USD)"),
        ("KWD", "SHOP_CURRENCY KWD has 3 decimal places; Shop keeps amounts to two, so its"
                " currency must have two (such as EUR or USD)"),
    ],
)  # fmt: skip
def test_a_bad_currency_stops_the_start_saying_why(code: str, why: str) -> None:
    result = start(SHOP_CURRENCY=code)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == REFUSED + why
