"""One request path: a middleware added to MIDDLEWARE sees a customer's order placed and
read, however Shop is served. Through the HTTP server as `make run` starts it (granian
serving `shop.wsgi`), and in this process through the handlers behind `shop.wsgi` and
`shop.asgi`.

Django's handlers load MIDDLEWARE once, when they are built: the in-process tests build
the entry point's handler anew under their settings.
"""

from __future__ import annotations

import io
import json
import uuid
import wsgiref.util
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.routing import ProtocolTypeRouter
from django.core.wsgi import get_wsgi_application

import shop.asgi
from contexts.catalog import domain as catalog
from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.subscribers import Runner, registry
from shop.devstack.servers import http_server
from shop.tokens.keys import issue
from tests.api import asgi
from tests.livestack import Client, Server, make_user, start_server  # noqa: F401  fixtures
from tests.shop.request_recorder import RECORDER, seen

Send = Callable[..., tuple[int, Any]]
"""`send(method, path, body=None)`: one request with the customer's token; its status
and JSON answer."""

HOME = {"name": "Ada", "line1": "1 Main St", "city": "Leeds", "postalCode": "LS1", "country": "GB"}


def settle() -> None:
    """Execute the pending commands and bake the catalog and the orders, here."""
    Executor().run()
    for baker in ("sales.products", "sales.orders"):
        Runner(registry.named(baker)).catch_up()


@pytest.fixture
def teapot(committed_db: None) -> uuid.UUID:
    """A product on sale, committed for servers and handlers on other connections."""
    product = uuid.uuid4()
    create = catalog.CreateProduct(product, uuid.uuid4(), "Teapot", Decimal("25.00"))
    submit(create, actor="staff:request-path")
    settle()
    return product


@pytest.fixture
def seen_file(tmp_path: Path) -> Path:
    return tmp_path / "seen-requests"


@pytest.fixture
def recording(settings: Any, seen_file: Path) -> None:
    """This process's settings with the recorder last in MIDDLEWARE."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, RECORDER]
    settings.SEEN_REQUESTS_FILE = str(seen_file)


def place_and_read(send: Send, product: uuid.UUID) -> str:
    """A customer's order placed (202), executed and baked, then read (200); its id."""
    body = {"lines": [{"productId": str(product), "quantity": 1}], "shippingAddress": HOME}
    status, placed = send("POST", "/api/order", body)
    assert status == 202, placed
    settle()
    status, order = send("GET", f"/api/order/{placed['orderId']}")
    assert (status, order["orderId"], order["status"]) == (200, placed["orderId"], "placed")
    return placed["orderId"]


def wsgi_client(app: Any, token: str) -> Send:
    """A client of a WSGI application, in this process."""

    def send(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        raw = b"" if body is None else json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": "testserver",
            "HTTP_AUTHORIZATION": f"Token {token}", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw),
        }  # fmt: skip
        wsgiref.util.setup_testing_defaults(environ)
        started: list[str] = []
        chunks = app(environ, lambda status, headers, exc_info=None: started.append(status))
        try:
            content = b"".join(chunks)
        finally:
            chunks.close()  # Django's request_finished, as a server calls it
        return int(started[0].split()[0]), json.loads(content)

    return send


def asgi_client(app: Any, token: str) -> Send:
    """A client of an ASGI application (tests/api/asgi.py), called from sync code."""

    def send(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = [("Authorization", f"Token {token}")]
        answer = async_to_sync(asgi.request)(app, method, path, body=body, headers=headers)
        return answer.status, answer.json()

    return send


@pytest.mark.integration
def test_a_middleware_in_middleware_sees_the_orders_the_http_server_answers(
    start_server: Callable[..., Server],  # noqa: F811
    teapot: uuid.UUID,
    seen_file: Path,
) -> None:
    server = start_server(
        command=http_server,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.shop.recording_settings",
            "SHOP_TEST_SEEN_REQUESTS": str(seen_file),
        },
    )
    customer = Client(server, make_user())

    order_id = place_and_read(customer.call, teapot)

    assert seen(seen_file) == ["POST /api/order 202", f"GET /api/order/{order_id} 200"]


@pytest.mark.usefixtures("recording")
def test_a_middleware_in_middleware_sees_the_orders_the_wsgi_entry_point_answers(
    teapot: uuid.UUID, seen_file: Path
) -> None:
    handler = get_wsgi_application()  # what shop.wsgi serves, built under this test's settings
    customer = wsgi_client(handler, issue(make_user()).key)

    order_id = place_and_read(customer, teapot)

    assert seen(seen_file) == ["POST /api/order 202", f"GET /api/order/{order_id} 200"]


@pytest.mark.usefixtures("recording")
def test_a_middleware_in_middleware_sees_the_orders_the_asgi_entry_point_answers(
    teapot: uuid.UUID, seen_file: Path
) -> None:
    routes = shop.asgi.application.application_mapping
    router = ProtocolTypeRouter({**routes, "http": type(shop.asgi.django_asgi_app)()})
    customer = asgi_client(router, issue(make_user()).key)

    order_id = place_and_read(customer, teapot)

    assert seen(seen_file) == ["POST /api/order 202", f"GET /api/order/{order_id} 200"]
