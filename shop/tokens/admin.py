"""Staff see who holds tokens and may revoke them (delete); nobody can read a key, which
is not stored."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from shop.tokens.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "created", "expires"]
    list_select_related = ["user"]
    search_fields = ["prefix", "user__username"]
    ordering = ["-created"]
    fields = ["prefix", "user", "created", "expires"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued by signing in, never typed in

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
