"""Files that hold a secret: readable by their owner alone from the moment they exist.

A file written and then chmodded is readable by everyone in between (and for good if the
process dies there). These are created 0600 by `os.open`, under a temporary name, and
only then moved or linked into place, so a reader finds the whole secret or none.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_secret_file(path: Path, text: str, replace: bool = True) -> bool:
    """Write `text` to `path`, mode 0600 from its creation.

    With `replace=False` a file already at `path` wins and is left as it is (two processes
    racing to create it agree on one). Returns whether this call put the file there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        if replace:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def secret_in_file(path: Path) -> str:
    """The random secret kept in `path`: made and saved by the first caller, then reused.

    URL-safe characters only, so it goes into a database or Redis URL unquoted.
    """
    write_secret_file(path, secrets.token_urlsafe(32) + "\n", replace=False)
    return path.read_text().strip()
