"""The API's tokens, stored as a digest: the key itself exists only in the answer that
issued it.

A token is live while it has not expired, its user is active, and its user's password is
the one it was issued under (a digest of the password hash is kept with the token, as
Django keeps `get_session_auth_hash()` with a session). So changing a password or
deactivating a user revokes every token at once, with no signal and no second write.
`ApiToken.objects.live()` is that rule, the one definition: DRF's authentication (which
prepares it once, `shop.tokens.keys.live_token`), the websocket gate and the heartbeat
re-check all use it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Now


def key_digest(key: str) -> str:
    """What is stored of a key: its SHA-256, hex. Keys are random (160 bits), so a fast
    unsalted hash is enough: there is nothing to guess."""
    return hashlib.sha256(key.encode()).hexdigest()


def password_digest(password_hash: str) -> str:
    """A digest of a user's password hash; `PasswordDigest` is the same in SQL."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


class PasswordDigest(models.Func):
    """`password_digest` computed by Postgres, so a token's check is one query."""

    template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
    output_field = models.CharField()


class ApiTokenQuerySet(models.QuerySet):
    def live(self) -> ApiTokenQuerySet:
        """Tokens that still sign their user in: unexpired, active user, same password."""
        return self.filter(
            expires__gt=Now(),
            user__is_active=True,
            password_digest=PasswordDigest("user__password"),
        )


class ApiToken(models.Model):
    """One sign-in of a user to the API (a user may hold several, one per device)."""

    digest = models.CharField(max_length=64, unique=True, help_text="sha256 of the key, hex.")
    prefix = models.CharField(
        max_length=8, help_text="The key's first characters, to tell tokens apart."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    password_digest = models.CharField(
        max_length=64, help_text="sha256 of the user's password hash when issued."
    )
    created = models.DateTimeField()
    expires = models.DateTimeField(db_index=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}…"
