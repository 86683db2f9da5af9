"""The gate in front of every websocket route: the origin, then who is calling.

The Origin header must match ALLOWED_HOSTS, else the handshake is refused (HTTP 403).
The user comes from the Django session cookie, or from an `Authorization: Token <key>`
handshake header holding a live API token (`shop.tokens`), as the REST API accepts. A
token header wins over the cookie, and a bad one leaves the user anonymous, as in DRF:
it never falls back to the cookie. Each consumer decides what an anonymous user gets.

Import this module only once Django is set up (after `get_asgi_application()`).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser

from shop.tokens.keys import live_token


class TokenAuthMiddleware(BaseMiddleware):
    """Sets `scope["user"]` from an `Authorization: Token <key>` header, when there is one."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        key = token_key(scope.get("headers", []))
        if key is not None:
            scope = dict(scope, user=await user_for_token(key))
        return await self.inner(scope, receive, send)


def token_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The key of a `Token` authorization header; "" when malformed; None without one."""
    for name, value in headers:
        if name.lower() == b"authorization":
            parts = value.decode("latin1").split()
            if parts and parts[0].lower() == "token":
                return parts[1] if len(parts) == 2 else ""
    return None


@database_sync_to_async
def user_for_token(key: str) -> Any:
    token = live_token(key)
    if token is None:
        return AnonymousUser()
    return token.user


def websocket_application(routing_modules: Iterable[str]) -> Any:
    """Every route of the given routing modules (their `websocket_urlpatterns`), gated."""
    routes = [
        route for module in routing_modules for route in import_module(module).websocket_urlpatterns
    ]
    return AllowedHostsOriginValidator(AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(routes))))
