"""The orders pages: a filtered, searchable list (and its CSV export), and each order's
page with its lines, invoice, shipment, every event of its timeline, and the actions."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import URLPattern, path

from contexts.sales import queries
from contexts.sales.admin.order_actions import ACTIONS
from contexts.sales.domain import OrderStatus
from contexts.sales.models import OrderLine, OrderSummary
from contexts.shared.values import stored
from eventstore.admin.actions import CommandActionsMixin
from eventstore.admin.filters import InputFilter, TermSearch, date_range_filter, uuid_or_none
from eventstore.admin.readonly import ReadOnlyAdmin, id_column
from shop.admin import customers, money
from shop.money import currency

CSV_CHUNK = 2000
CSV_COLUMNS = [
    "id", "customer", "customer_id", "status", "total", "currency", "items", "placed", "updated"
]  # fmt: skip


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(s.value, s.value) for s in stored(OrderStatus)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(status=self.value()) if self.value() else queryset


class VendorFilter(InputFilter):
    title = "vendor"
    parameters = (("vendor", "vendor id", "text"),)

    def filter(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
        vendor = uuid_or_none(values["vendor"])
        if vendor is None:
            return queryset.none()
        return queryset.filter(
            order_id__in=OrderLine.objects.filter(vendor_id=vendor).values("order_id")
        )


@admin.register(OrderSummary)
class OrderAdmin(TermSearch, CommandActionsMixin, customers.CustomerColumn, ReadOnlyAdmin):
    list_display = (
        id_column("order_id"),
        "customer",
        "status",
        "total_shown",
        "placed_at",
        "updated_at",
    )
    list_filter = (
        StatusFilter,
        date_range_filter("placed_at", "placed"),
        customers.CustomerFilter,
        VendorFilter,
    )
    search_fields = ("order_id",)
    search_help_text = "An order id (or its start), a customer's username or email, a product name."
    ordering = ("-placed_at", "order_id")
    fields = (
        "order_id", "customer", "status", "total_shown", "item_count", "placed_at", "updated_at"
    )  # fmt: skip
    readonly_fields = ("customer", "total_shown")
    command_actions = ACTIONS
    total_shown = money.column("total")
    change_form_template = "admin/sales/order_change.html"
    change_list_template = "admin/sales/order_change_list.html"

    def matches(self, term: str) -> Q:
        by_order = Q(order_id__in=queries.order_summaries(search=term).values("order_id"))
        return by_order | Q(customer_id__in=customers.matching(term))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        order_id = uuid_or_none(object_id)
        page = queries.order_page(order_id) if order_id else None
        return super().change_view(
            request, object_id, form_url, {"page": page, **(extra_context or {})}
        )

    def get_urls(self) -> list[URLPattern]:
        export = self.admin_site.admin_view(self.export_view)
        return [path("export.csv", export, name="sales_ordersummary_export"), *super().get_urls()]

    def export_view(self, request: HttpRequest) -> StreamingHttpResponse:
        """The list as filtered and searched, every page of it, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        orders = self.get_changelist_instance(request).get_queryset(request)
        response = StreamingHttpResponse(_csv_lines(orders), content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="orders.csv"'
        return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(orders: QuerySet[OrderSummary]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    chunk: list[OrderSummary] = []
    for order in orders.iterator(chunk_size=CSV_CHUNK):
        chunk.append(order)
        if len(chunk) == CSV_CHUNK:
            yield from _csv_rows(writer, chunk)
            chunk = []
    yield from _csv_rows(writer, chunk)


def _csv_rows(writer: Any, orders: list[OrderSummary]) -> Iterator[str]:
    names = customers.usernames(order.customer_id for order in orders)
    for o in orders:
        yield writer.writerow(
            [
                o.order_id,
                names.get(o.customer_id, ""),
                o.customer_id,
                o.status,
                o.total,
                currency(),
                o.item_count,
                o.placed_at.isoformat(),
                o.updated_at.isoformat(),
            ]
        )
