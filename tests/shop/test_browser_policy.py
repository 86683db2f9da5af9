"""What browsers are told: the Content-Security-Policy on every page, no inline script in
Shop's own pages, where the live pages find the feed (SHOP_WEBSOCKET_PORT), and the TLS
settings SHOP_HTTPS turns on (no browser here; the browser tests in tests/pages and
tests/admin run the pages under this policy)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from shop.devstack.services import ROOT
from tests.pages.test_page_access import placed_order

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:", "font-src": "'self'", "connect-src": "'self'",
    "object-src": "'none'", "base-uri": "'self'", "form-action": "'self'",
    "frame-ancestors": "'none'",
}  # fmt: skip
TLS_SETTINGS = (
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
)  # fmt: skip
FEED_SETTINGS = ("ALLOWED_HOSTS", "SHOP_WEBSOCKET_PORT", "CONTENT_SECURITY_POLICY")
ENVIRONMENT_TESTED = ("SHOP_HTTPS", "SHOP_WEBSOCKET_PORT", "SHOP_ALLOWED_HOSTS")
ALLOWED_HOSTS = "127.0.0.1,testserver,.shop.example,*"
"""A host, the test client's, a domain with its subdomains, and a wildcard (no source)."""
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, str]:
    """The response's Content-Security-Policy, directive by directive."""
    parts = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return dict(parts)


def signed_in(staff: bool) -> tuple[Client, User]:
    user = User.objects.create_user(f"csp-{uuid.uuid4().hex[:10]}", is_staff=staff)
    if staff:
        user.is_superuser = True
        user.save()
    client = Client()
    client.force_login(user)
    return client, user


def pages() -> dict[str, tuple[bool, str]]:
    """Shop's own pages, and the admin's and Swagger's: (as staff?, path)."""
    state = reverse("admin:eventstore_event_state", args=[uuid.UUID(int=0)])
    return {
        "live board": (True, "/live"),
        "my orders": (False, "/orders/"),
        "order page": (False, "/orders/<order>"),
        "sign in": (False, "/accounts/login/"),
        "admin index": (True, "/admin/"),
        "admin order": (True, "/admin/sales/ordersummary/<order>/change/"),
        "admin projections": (True, reverse("admin:eventstore_checkpoint_changelist")),
        "admin state": (True, state.replace(str(uuid.UUID(int=0)), "<order>")),
        "swagger": (False, "/api/docs/"),
    }


def fetch(name: str) -> HttpResponse:
    """One of `pages()`, as a user who may see it."""
    staff, path = pages()[name]
    client, user = signed_in(staff)
    if "<order>" in path:
        customer = user if not staff else User.objects.create_user(f"c-{uuid.uuid4().hex[:8]}")
        path = path.replace("<order>", str(placed_order(customer)))
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


@pytest.mark.parametrize("name", list(pages()))
def test_every_page_carries_the_policy_and_no_inline_script(name: str) -> None:
    response = fetch(name)

    assert policy(response) == POLICY
    html = response.content.decode()
    tags = SCRIPT.findall(html)
    assert all("src=" in attributes for attributes in tags), tags
    assert not HANDLER.search(html), HANDLER.search(html)


def test_swagger_gets_its_start_up_script_as_a_file_of_its_own() -> None:
    page = Client().get("/api/docs/").content.decode()
    [script] = [src for src in re.findall(r'<script src="([^"]+)"', page) if "script=" in src]

    response = Client().get(script.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_api_answers_carry_the_policy_too() -> None:
    response = Client().get("/api/products")

    assert policy(response) == POLICY


def settings_under(environment: dict[str, str], names: tuple[str, ...] = TLS_SETTINGS) -> dict:
    """These settings as a fresh process reads them from this environment."""
    code = (
        "import json, sys; from shop import settings as s;"
        " print(json.dumps({n: getattr(s, n) for n in sys.argv[1:]}))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_TESTED} | environment
    output = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return json.loads(output)


# SHOP_WEBSOCKET_PORT --------------------------------------------------------------------


@pytest.fixture
def served_under(settings) -> Callable[[dict[str, str]], None]:
    """Serve pages, in this process, with the feed's settings a fresh process reads from an
    environment."""

    def serve(environment: dict[str, str]) -> None:
        for name, value in settings_under(environment, FEED_SETTINGS).items():
            setattr(settings, name, value)

    return serve


def live_page(name: str) -> tuple[dict[str, str], str]:
    """A live page's policy and its feed element's opening tag."""
    response = fetch(name)
    [feed] = re.findall(r"<[a-z]+ [^>]*data-feed=[^>]*>", response.content.decode())
    return policy(response), feed


@pytest.mark.parametrize("name", ["live board", "order page"])
def test_with_a_websocket_port_a_live_page_names_it_and_may_connect_to_it(
    served_under, name: str
) -> None:
    served_under({"SHOP_WEBSOCKET_PORT": "8001", "SHOP_ALLOWED_HOSTS": ALLOWED_HOSTS})

    page_policy, feed = live_page(name)

    assert page_policy == POLICY | {
        "connect-src": "'self' ws://127.0.0.1:8001 wss://127.0.0.1:8001"
        " ws://testserver:8001 wss://testserver:8001"
        " ws://shop.example:8001 wss://shop.example:8001"
        " ws://*.shop.example:8001 wss://*.shop.example:8001"
    }
    assert 'data-websocket-port="8001"' in feed


@pytest.mark.parametrize("name", ["live board", "order page"])
def test_without_a_websocket_port_a_live_page_connects_to_its_own_origin_only(
    served_under, name: str
) -> None:
    served_under({"SHOP_ALLOWED_HOSTS": ALLOWED_HOSTS})

    page_policy, feed = live_page(name)

    assert page_policy == POLICY
    assert 'data-websocket-port=""' in feed


@pytest.mark.parametrize("port", ["80a", "8001; script-src *", "\uff18\uff10"])
def test_a_websocket_port_that_is_not_a_number_stops_the_process(port: str) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failure:
        settings_under({"SHOP_WEBSOCKET_PORT": port})

    assert "SHOP_WEBSOCKET_PORT is not a port" in failure.value.stderr


# SHOP_HTTPS -----------------------------------------------------------------------------


def test_shop_https_turns_on_secure_cookies_hsts_and_the_proxy_header() -> None:
    assert settings_under({"SHOP_HTTPS": "1"}) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_without_shop_https_plain_http_works() -> None:
    assert settings_under({}) == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }


@pytest.fixture
def behind_tls(settings) -> None:
    """The settings SHOP_HTTPS=1 gives, in this process."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = 31_536_000, True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_behind_tls_http_is_redirected_and_https_gets_hsts(behind_tls: None) -> None:
    plain = Client().get("/api/products")
    secure = Client().get("/api/products", headers={"X-Forwarded-Proto": "https"})
    health = Client().get("/api/health")
    scrape = Client().get("/metrics")

    assert (plain.status_code, plain["Location"]) == (301, "https://testserver/api/products")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert health.status_code != 301  # a load balancer's check on plain http
    assert scrape.status_code == 200  # Prometheus's scrape, from this host, on plain http


def test_behind_tls_the_session_cookie_is_secure(behind_tls: None) -> None:
    User.objects.create_user("tls-user", password="a-long-password-1")
    client = Client()

    client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    response = client.post(
        "/accounts/login/",
        {"username": "tls-user", "password": "a-long-password-1"},
        headers={"X-Forwarded-Proto": "https"},
    )

    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert client.cookies["csrftoken"]["secure"] is True
