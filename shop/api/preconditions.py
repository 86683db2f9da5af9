"""ETag and If-Match: optimistic concurrency on resources that carry a version.

A GET answers `ETag: "<version>"` (the stream version its presentation row reflects).
A write with `If-Match` is accepted only while that is still the version in the
presentation table. The check runs when the request is accepted, not when the command
executes: it catches a client acting on a stale view, while the domain itself re-checks
every invariant when the command runs.
"""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.response import Response

from shop.api.problems import PreconditionFailed

IF_MATCH = "If-Match"


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag(version)
    return response


def require_version(request: Request, current: int | None) -> None:
    """Raise 412 unless If-Match is absent or names `current` (None: no such resource).

    `*` matches any existing resource. Weak tags (W/"3") compare by their value.
    """
    header = request.headers.get(IF_MATCH)
    if header is None:
        return
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if current is not None and ("*" in tags or etag(current) in [_strong(t) for t in tags]):
        return
    if current is None:
        raise PreconditionFailed("There is no current version to match.")
    raise PreconditionFailed(f"The current version is {etag(current)}.", currentVersion=current)


def _strong(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag
