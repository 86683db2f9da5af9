"""DRF's `Authorization: Token <key>` scheme, over Shop's hashed, expiring tokens."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from shop.tokens.keys import live_token


class ApiTokenAuthentication(TokenAuthentication):
    """DRF's header parsing and answers, with `ApiToken.objects.live()` as the check: an
    unknown, expired or revoked key is one 401, so it tells a guesser nothing."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = live_token(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return token.user, token
