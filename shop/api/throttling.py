"""Per-user request rates, counted in the Django cache (Redis).

DRF's throttles read their rates once, at import; these read them on every request, so
settings (and tests) can change them: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _LiveRate:
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_LiveRate, UserRateThrottle):
    """A signed-in user's requests, whatever address they come from."""


class AnonThrottle(_LiveRate, AnonRateThrottle):
    """Anonymous requests, per client address."""
