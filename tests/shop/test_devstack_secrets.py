"""The dev stack's secrets: the secret key it keeps and passes on, the tools' environment
file, the password the embedded Redis demands, and the roles of the embedded Postgres.

Each secret lives in a file of `.run/` readable by its owner alone.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from shop.devstack import __main__ as devstack
from shop.devstack.services import (
    PG_APP_ROLE,
    RUN_DIR,
    EmbeddedRedis,
    app_role,
    owner_url,
    running_port,
)

APP_URL = "postgresql://shop_app:app-pw@127.0.0.1:5432/shop"
OWNER_URL = "postgresql://postgres:owner-pw@127.0.0.1:5432/shop"


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


@pytest.fixture
def run_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(devstack, "RUN_DIR", tmp_path)
    return tmp_path


def test_the_runner_makes_a_secret_key_once_and_reuses_it(
    monkeypatch: pytest.MonkeyPatch, run_dir: Path, open_umask: None
) -> None:
    monkeypatch.delenv("SHOP_SECRET_KEY", raising=False)

    first, second = devstack.secret_key(), devstack.secret_key()

    assert second == first
    assert (run_dir / "secret-key").read_text() == first + "\n"
    assert mode(run_dir / "secret-key") == 0o600


def test_a_secret_key_in_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, run_dir: Path
) -> None:
    monkeypatch.setenv("SHOP_SECRET_KEY", "from-the-operator")

    assert devstack.secret_key() == "from-the-operator"
    assert list(run_dir.iterdir()) == []


def test_the_tools_env_carries_the_apps_urls_and_key_for_its_owner_alone(
    run_dir: Path, open_umask: None
) -> None:
    env = {
        "DATABASE_URL": APP_URL,
        "SHOP_MIGRATE_DATABASE_URL": OWNER_URL,
        "REDIS_URL": "redis://:redis-pw@127.0.0.1:6379/0",
        "SHOP_SECRET_KEY": "key with spaces",
        "SHOP_SERVICES_ENV": str(run_dir / "services.env"),  # where the tools look for it
    }

    path = devstack.write_tools_env(env)

    assert path == run_dir / "services.env"
    assert mode(path) == 0o600
    assert path.read_text() == (
        f"export DATABASE_URL={APP_URL}\n"
        "export REDIS_URL=redis://:redis-pw@127.0.0.1:6379/0\n"
        f"export SHOP_SECRET_KEY={shlex.quote('key with spaces')}\n"
    )


def test_migrations_run_as_the_owner_and_grant_the_apps_role() -> None:
    split = {"DATABASE_URL": APP_URL, "SHOP_MIGRATE_DATABASE_URL": OWNER_URL}
    one_url = {"DATABASE_URL": OWNER_URL}

    assert (owner_url(split), app_role(split)) == (OWNER_URL, "shop_app")
    assert (owner_url(one_url), app_role(one_url)) == (OWNER_URL, None)


def test_the_embedded_redis_refuses_clients_without_its_password(tmp_path: Path) -> None:
    server = EmbeddedRedis(data_dir=tmp_path / "redis", password_file=tmp_path / "redis-pw")
    url = server.start()
    try:
        password = (tmp_path / "redis-pw").read_text().strip()
        assert url == f"redis://:{password}@127.0.0.1:{server.port}/0"
        assert redis.Redis.from_url(url).ping() is True
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=server.port).ping()
        assert password not in " ".join(psutil.Process(server.proc.pid).cmdline())
        assert (mode(tmp_path / "redis-pw"), mode(tmp_path / "redis" / "redis.conf")) == (
            0o600,
            0o600,
        )
    finally:
        server.stop()


@pytest.mark.skipif(
    running_port(RUN_DIR / "pg") is None, reason="no embedded Postgres runs (make test starts one)"
)
def test_the_embedded_postgres_takes_no_login_without_a_password() -> None:
    port = running_port(RUN_DIR / "pg")

    for role in ("postgres", PG_APP_ROLE):
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(f"host=127.0.0.1 port={port} user={role} dbname=postgres")
    assert mode(RUN_DIR / "pg-password") == 0o600
    assert mode(RUN_DIR / "pg-app-password") == 0o600
