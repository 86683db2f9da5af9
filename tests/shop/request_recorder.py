"""A middleware that changes nothing and writes down every request it sees, for the
tests that a middleware listed in MIDDLEWARE is on the API's path however Shop is
served. A line per request, `<method> <path> <status>`, goes to the file that the
setting SEEN_REQUESTS_FILE names: a test reads it there even when a server in another
process did the writing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse

RECORDER = "tests.shop.request_recorder.RequestRecorder"


class RequestRecorder:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        line = f"{request.method} {request.path} {response.status_code}\n"
        with Path(settings.SEEN_REQUESTS_FILE).open("a") as seen:  # one append per line
            seen.write(line)
        return response


def seen(path: Path) -> list[str]:
    """The requests written down in `path`, in the order they were."""
    return path.read_text().splitlines() if path.exists() else []
