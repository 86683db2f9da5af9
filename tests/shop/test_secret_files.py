"""Secret files are their owner's alone from the moment they exist: created 0600, never
chmodded afterwards, and a secret made once is the one every later caller reads."""

from __future__ import annotations

import os
from pathlib import Path

from shop.secret_files import secret_in_file, write_secret_file


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def test_a_secret_file_is_created_readable_by_its_owner_alone(
    open_umask: None, tmp_path: Path
) -> None:
    path = tmp_path / "run" / "token"

    written = write_secret_file(path, "s3cret\n")

    assert written is True
    assert path.read_text() == "s3cret\n"
    assert mode(path) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["token"]


def test_replacing_a_secret_file_keeps_it_0600(open_umask: None, tmp_path: Path) -> None:
    path = tmp_path / "token"
    write_secret_file(path, "old\n")

    write_secret_file(path, "new\n")

    assert (path.read_text(), mode(path)) == ("new\n", 0o600)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token"]


def test_a_secret_is_made_once_and_reused(open_umask: None, tmp_path: Path) -> None:
    path = tmp_path / "secret-key"

    first = secret_in_file(path)
    second = secret_in_file(path)

    assert second == first
    assert len(first) == 43  # 32 random bytes, URL-safe base64
    assert path.read_text() == first + "\n"
    assert mode(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret-key"]


def test_an_existing_secret_is_never_overwritten_by_a_new_one(tmp_path: Path) -> None:
    path = tmp_path / "secret-key"
    path.write_text("chosen-by-the-operator\n")

    written = write_secret_file(path, "random\n", replace=False)

    assert written is False
    assert secret_in_file(path) == "chosen-by-the-operator"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret-key"]
