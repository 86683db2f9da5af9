"""Failed sign-ins: at most `SHOP_LOGIN_FAILURE_LIMIT` per account, and as many from one
client address, within `SHOP_LOGIN_LOCKOUT_MINUTES`; past either, every sign-in with that
username or from that address is refused, the right password too, until the period has
passed since the last failure.

django-axes keeps the count for every caller of `authenticate()`: the API's token
endpoint, the admin's and the pages' sign-in forms. Its backend comes before Django's
(AUTHENTICATION_BACKENDS) and refuses a locked-out username or address before the next
backend runs, so a refused guess costs a read, never a password hash. Attempts are rows
in Postgres (axes' database handler): signing in needs Postgres anyway, so the limit
holds exactly as long as sign-in works, and a Redis outage neither opens nor closes it.
Axes is configured with the functions below (settings.py, `AXES_*`).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shop.api.problems import problem_response

LOCKED_OUT = (
    "Too many failed sign-ins for this account or from this address. "
    "Try again in {minutes} minutes."
)


def failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """AXES_FAILURE_LIMIT: failures per username, and per address, before the lock-out."""
    return settings.SHOP_LOGIN_FAILURE_LIMIT


def lockout_period(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: how long failures count, and a lock-out lasts."""
    return timedelta(minutes=settings.SHOP_LOGIN_LOCKOUT_MINUTES)


def username_of(request: HttpRequest, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username tried, lower-cased, as usernames are unique
    whatever their case: `Alice` and `alice` share one count."""
    if credentials is not None:
        username = credentials.get("username")
    else:
        username = request.POST.get("username")
    return username.lower() if isinstance(username, str) else None


def lockout_response(request: HttpRequest, *_: object) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After; problem+json under /api/, else a page
    that says why and when to come back."""
    minutes = settings.SHOP_LOGIN_LOCKOUT_MINUTES
    detail = LOCKED_OUT.format(minutes=minutes)
    if request.path.startswith("/api/"):
        response = problem_response(429, detail)
    else:
        context = {"detail": detail, "back": request.path}
        response = render(request, "shop/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(lockout_period(request).total_seconds()))
    return response
