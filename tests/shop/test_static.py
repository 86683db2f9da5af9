"""Static files are served by the app itself, through Django's WSGI request path (as
`make run`'s HTTP server runs it), by
WhiteNoise's middleware: hashed names from the manifest that `collectstatic` wrote (once
per test run, tests/conftest.py), cached for years, gzipped for a client that asks."""

from __future__ import annotations

import gzip
import re

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import StreamingHttpResponse
from django.templatetags.static import static
from django.test import Client

TEN_YEARS = 10 * 365 * 24 * 60 * 60


def body(response: StreamingHttpResponse) -> bytes:
    return b"".join(response.streaming_content)


def collected(name: str) -> bytes:
    with staticfiles_storage.open(name) as file:
        return file.read()


def test_pages_name_the_hashed_file() -> None:
    assert re.fullmatch(r"/static/sales/live\.[0-9a-f]{12}\.js", static("sales/live.js"))


def test_a_hashed_file_is_cached_for_years_and_gzipped_for_a_client_that_asks() -> None:
    url = static("sales/live.js")
    hashed_name = url.removeprefix("/static/")

    response = Client().get(url, headers={"Accept-Encoding": "gzip, deflate"})

    assert response.status_code == 200
    assert response["Cache-Control"] == f"max-age={TEN_YEARS}, public, immutable"
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Encoding"] == "gzip"
    assert response["Vary"] == "Accept-Encoding"
    assert gzip.decompress(body(response)) == collected(hashed_name)


def test_a_client_that_takes_no_gzip_gets_the_file_as_it_is() -> None:
    url = static("admin/css/base.css")

    response = Client().get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == 'text/css; charset="utf-8"'
    assert "Content-Encoding" not in response
    assert body(response) == collected(url.removeprefix("/static/"))


def test_the_unhashed_name_is_served_but_cached_briefly() -> None:
    response = Client().get("/static/admin/css/base.css")

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=60, public"


def test_a_missing_static_file_answers_404() -> None:
    response = Client().get("/static/admin/css/no-such-file.css")

    assert response.status_code == 404
    assert "Cache-Control" not in response or "immutable" not in response["Cache-Control"]


def test_a_path_outside_the_static_folders_is_not_served() -> None:
    response = Client().get("/static/../shop/settings.py")

    assert response.status_code == 404
    assert b"SECRET_KEY" not in response.content
