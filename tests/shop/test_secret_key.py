"""Settings refuse to start without SHOP_SECRET_KEY, unless SHOP_DEBUG=1 asks for a
throwaway key: a public fallback would let anyone sign sessions and reset links."""

from __future__ import annotations

import os
import subprocess
import sys

from shop.devstack.services import ROOT

PRINT_KEY = "import shop.settings as s; print(s.SECRET_KEY)"
PRINT_FALLBACKS = "import shop.settings as s; print(s.SECRET_KEY_FALLBACKS)"


def import_settings(code: str = PRINT_KEY, **variables: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOP_SECRET", "SHOP_DEBUG"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_without_a_secret_key() -> None:
    result = import_settings()

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: SHOP_SECRET_KEY is not set: give every"
        " Shop process the same secret key (or set SHOP_DEBUG=1 for a throwaway one)"
    )


def test_settings_take_the_secret_key_from_the_environment() -> None:
    result = import_settings(SHOP_SECRET_KEY="k" * 50)

    assert (result.returncode, result.stdout) == (0, "k" * 50 + "\n")


def test_debug_without_a_key_gets_a_random_one_per_process() -> None:
    first, second = import_settings(SHOP_DEBUG="1"), import_settings(SHOP_DEBUG="1")

    assert (first.returncode, second.returncode) == (0, 0)
    assert len(first.stdout.strip()) == 50
    assert first.stdout != second.stdout


def test_old_keys_still_check_what_they_signed_while_the_key_rotates() -> None:
    result = import_settings(
        PRINT_FALLBACKS, SHOP_SECRET_KEY="new" * 17, SHOP_SECRET_KEY_FALLBACKS="old1,old2"
    )

    assert (result.returncode, result.stdout) == (0, "['old1', 'old2']\n")
