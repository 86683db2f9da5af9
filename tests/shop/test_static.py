"""The admin's static files are served by the app itself, with DEBUG off as under `make run`."""

from __future__ import annotations

from django.test import Client


def test_the_admin_stylesheet_is_served_without_debug(settings) -> None:
    settings.DEBUG = False

    response = Client().get("/static/admin/css/base.css")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/css"
    assert b"body {" in b"".join(response.streaming_content)


def test_a_missing_static_file_answers_404(settings) -> None:
    settings.DEBUG = False

    response = Client().get("/static/admin/css/no-such-file.css")

    assert response.status_code == 404


def test_a_path_outside_the_static_folders_is_refused(settings) -> None:
    settings.DEBUG = False

    response = Client(raise_request_exception=False).get("/static/../shop/settings.py")

    assert response.status_code == 400
    assert b"SECRET_KEY" not in response.content
