"""Issuing a token, and finding whose a presented key is."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from shop import prepared
from shop.tokens.models import ApiToken, key_digest, password_digest

KEY_BYTES = 20
"""A key is 40 hex digits, the form DRF's tokens had, so clients keep their parsers."""

PREFIX_LENGTH = 8


@dataclass(frozen=True)
class Issued:
    key: str
    expires: dt.datetime


def issue(user: Any) -> Issued:
    """A new token for `user`, valid for SHOP_TOKEN_TTL seconds. The user's dead tokens
    (expired, or of an old password) are dropped on the way: they can never sign in."""
    key = secrets.token_hex(KEY_BYTES)
    now = timezone.now()
    expires = now + dt.timedelta(seconds=settings.SHOP_TOKEN_TTL)
    with transaction.atomic():
        live = ApiToken.objects.live().filter(user=user).values("pk")
        ApiToken.objects.filter(user=user).exclude(pk__in=live).delete()
        ApiToken.objects.create(
            digest=key_digest(key), prefix=key[:PREFIX_LENGTH], user=user,
            password_digest=password_digest(user.password), created=now, expires=expires,
        )  # fmt: skip
    return Issued(key, expires)


def _token_fields() -> list[str]:
    return [field.attname for field in ApiToken._meta.concrete_fields]


def _user_fields() -> list[str]:
    return [field.attname for field in get_user_model()._meta.concrete_fields]


_LIVE_BY_DIGEST = prepared.Prepared(
    lambda digest: (
        ApiToken.objects.live()
        .filter(digest=digest)
        .values_list(*_token_fields(), *(f"user__{name}" for name in _user_fields()))
    ),
    prepared.text("digest"),
)
"""Every API request runs this: prepared, not built anew each time (`shop.prepared`)."""


def live_token(key: str) -> ApiToken | None:
    """The live token with this key, its user loaded; None for any other key."""
    if not key:
        return None
    row = _LIVE_BY_DIGEST.first(digest=key_digest(key))
    if row is None:
        return None
    token_fields, user_fields = _token_fields(), _user_fields()
    token = ApiToken.from_db("default", token_fields, row[: len(token_fields)])
    token.user = get_user_model().from_db("default", user_fields, row[len(token_fields) :])
    return token


def live_user(token_pk: int) -> Any | None:
    """The user of a token that is still live; None once it is not (a re-check)."""
    token = ApiToken.objects.live().select_related("user").filter(pk=token_pk).first()
    return None if token is None else token.user
