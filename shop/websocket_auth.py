"""The gate in front of every websocket route: the origin, then who is calling.

The Origin header must be the site's own (scheme, host and port of the handshake, as
Django's CSRF check compares them) or one of SHOP_TRUSTED_ORIGINS, else the handshake is
refused (HTTP 403). The user comes from the Django session cookie, or from an
`Authorization: Token <key>` handshake header holding a live API token (`shop.tokens`),
as the REST API accepts. A token header wins over the cookie, and a bad one leaves the
user anonymous, as in DRF: it never falls back to the cookie. Each consumer decides what
an anonymous user gets.

The gate also puts `scope["reauthenticate"]` in the scope: an async callable answering
the user the same credentials sign in now (AnonymousUser once the token expired or was
revoked, the session ended, the password changed or the user was deactivated), for
consumers to re-check an open socket. `shop.websocket_guard` then limits sockets per user.

Import this module only once Django is set up (after `get_asgi_application()`).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Awaitable, Callable, Iterable
from importlib import import_module
from typing import Any

from channels.auth import AuthMiddlewareStack, get_user
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.handlers.asgi import ASGIRequest
from django.middleware.csrf import CsrfViewMiddleware

from shop.request_ids import WebsocketRequestId
from shop.tokens.keys import live_token, live_user
from shop.websocket_guard import SocketGuard

Reauthenticate = Callable[[], Awaitable[Any]]

HTTP_SCHEMES = {"ws": "http", "wss": "https"}


class SameOriginValidator(BaseMiddleware):
    """Refuses a handshake whose Origin is not the site's own or a trusted one."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if same_origin(scope):
            return await self.inner(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def same_origin(scope: dict) -> bool:
    """Django's own CSRF origin check, on the handshake seen as the HTTP request it is:
    the Origin equals `scheme://host[:port]` of the request (its Host header checked
    against ALLOWED_HOSTS), or is listed in CSRF_TRUSTED_ORIGINS (SHOP_TRUSTED_ORIGINS).
    A missing Origin is refused: every browser sends one."""
    scheme = HTTP_SCHEMES.get(scope.get("scheme", "ws"), "http")
    request = ASGIRequest(
        {**scope, "type": "http", "method": "GET", "scheme": scheme}, io.BytesIO()
    )
    if "HTTP_ORIGIN" not in request.META:
        return False
    return CsrfViewMiddleware(lambda request: None)._origin_verified(request)


class TokenAuthMiddleware(BaseMiddleware):
    """Sets `scope["user"]` from an `Authorization: Token <key>` header, when there is one,
    and `scope["reauthenticate"]` for whichever credentials the socket came with."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        key = token_key(scope.get("headers", []))
        if key is None:
            session_key = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
            scope = dict(scope, reauthenticate=functools.partial(session_user, session_key))
        else:
            token = await database_sync_to_async(live_token)(key)
            user = AnonymousUser() if token is None else token.user
            recheck = functools.partial(token_user, None if token is None else token.pk)
            scope = dict(scope, user=user, reauthenticate=recheck)
        return await self.inner(scope, receive, send)


def token_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The key of a `Token` authorization header; "" when malformed; None without one."""
    for name, value in headers:
        if name.lower() == b"authorization":
            parts = value.decode("latin1").split()
            if parts and parts[0].lower() == "token":
                return parts[1] if len(parts) == 2 else ""
    return None


async def token_user(token_pk: int | None) -> Any:
    """The user of the socket's token while it is live."""
    if token_pk is None:
        return AnonymousUser()
    return await database_sync_to_async(live_user)(token_pk) or AnonymousUser()


async def session_user(session_key: str | None) -> Any:
    """The user of the session, read afresh from the session store, as Django's
    `get_user` checks it for each request (its password hash, the user's active flag)."""
    if not session_key:
        return AnonymousUser()
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return await get_user({"session": store})


def websocket_application(routing_modules: Iterable[str]) -> Any:
    """Every route of the given routing modules (their `websocket_urlpatterns`), gated."""
    routes = [
        route for module in routing_modules for route in import_module(module).websocket_urlpatterns
    ]
    return WebsocketRequestId(
        SameOriginValidator(
            AuthMiddlewareStack(TokenAuthMiddleware(SocketGuard(URLRouter(routes))))
        )
    )
