"""One account per username and one per email address, whatever their case.

Postgres holds the rule: unique indexes on `lower(username)`, and on `lower(email)` where
an email is given (migration shop 0002). Signup and the back-office check it first, to
answer with a field error, and a twin that slips in between the check and the insert is
refused by the index with the same error (`refused_by_index`).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.db.models import Value
from django.db.models.functions import Lower

USERNAME_TAKEN = "This username is taken."
EMAIL_TAKEN = "An account with this email address exists."
USERNAME_INDEX = "auth_user_username_lower_unique"
EMAIL_INDEX = "auth_user_email_lower_unique"
_REFUSALS = {
    USERNAME_INDEX: {"username": USERNAME_TAKEN},
    "auth_user_username_key": {"username": USERNAME_TAKEN},  # Django's exact-case index
    EMAIL_INDEX: {"email": EMAIL_TAKEN},
}


def taken(username: str | None, email: str | None, pk: int | None = None) -> dict[str, str]:
    """A message for each of `username` and `email` that an account other than `pk`
    holds in any case."""
    errors = {}
    if username and username_taken(username, pk):
        errors["username"] = USERNAME_TAKEN
    if email and email_taken(email, pk):
        errors["email"] = EMAIL_TAKEN
    return errors


def username_taken(username: str, pk: int | None = None) -> bool:
    return _holding("username", username, pk)


def email_taken(email: str, pk: int | None = None) -> bool:
    return _holding("email", email, pk)


def refused_by_index(error: IntegrityError) -> dict[str, str]:
    """The field error for an insert or update one of the indexes refused; {} if
    `error` is another integrity error."""
    name = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    return _REFUSALS.get(name, {})


def _holding(field: str, value: str, pk: int | None) -> bool:
    """Whether an account other than `pk` holds `value`, compared by Postgres's `lower`
    on both sides, as the index compares them."""
    users = get_user_model().objects.exclude(pk=pk) if pk is not None else get_user_model().objects
    return users.alias(folded=Lower(field)).filter(folded=Lower(Value(value))).exists()
