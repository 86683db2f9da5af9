"""The back-office's user pages, holding usernames and emails to the signup's rule
(`shop.account_names`): another account's name or email in any case is a field error,
where Django's own forms check only the username, and only when adding."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import User

from shop import account_names


class _OneAccountPerName:
    """A user form mixin: the username and email no other account holds."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()  # type: ignore[misc]
        pk = self.instance.pk  # type: ignore[attr-defined]
        for field, message in account_names.taken(
            cleaned.get("username"), cleaned.get("email"), pk
        ).items():
            self.add_error(field, message)  # type: ignore[attr-defined]
        return cleaned


class UserCreation(_OneAccountPerName, AdminUserCreationForm):
    def clean_username(self) -> str:
        return self.cleaned_data.get("username")  # checked in `clean`, with one message


class UserChange(_OneAccountPerName, UserChangeForm):
    pass


admin.site.unregister(User)


@admin.register(User)
class ShopUserAdmin(UserAdmin):
    form = UserChange
    add_form = UserCreation
