"""The carts pages: every customer's cart as last baked, and its lines. Carts belong to
their customers: staff only look."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from contexts.cart.models import Cart
from contexts.cart.queries import cart_view
from eventstore.admin.filters import TermSearch, date_range_filter, id_prefix, uuid_or_none
from eventstore.admin.readonly import ReadOnlyAdmin, id_column
from shop.admin import customers, money


class EmptyFilter(admin.SimpleListFilter):
    title = "contents"
    parameter_name = "contents"

    def lookups(self, request: HttpRequest, model_admin: object) -> list[tuple[str, str]]:
        return [("filled", "with items"), ("empty", "empty")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "filled":
            return queryset.filter(total__gt=0)
        if self.value() == "empty":
            return queryset.filter(total=0)
        return queryset


@admin.register(Cart)
class CartAdmin(TermSearch, customers.CustomerColumn, ReadOnlyAdmin):
    list_display = (id_column("cart_id"), "customer", "total_shown", "version", "updated_at")
    list_filter = (
        EmptyFilter,
        date_range_filter("updated_at", "updated"),
        customers.CustomerFilter,
    )
    search_fields = ("cart_id",)
    search_help_text = "The start of a cart id, or a customer's username or email."
    ordering = ("-updated_at", "cart_id")
    fields = ("cart_id", "customer", "total_shown", "version", "updated_at")
    readonly_fields = ("customer", "total_shown")
    total_shown = money.column("total")
    change_form_template = "admin/cart/cart_change.html"

    def matches(self, term: str) -> Q:
        matches = Q(customer_id__in=customers.matching(term))
        if by_id := id_prefix("cart_id", term):
            matches |= by_id
        return matches

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        cart_id = uuid_or_none(object_id)
        context = {"cart": cart_view(cart_id) if cart_id else None, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)
