"""The catalog's back-office pages: a list and a page per product. Products are created,
repriced and discontinued only by commands, like any API client would."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from contexts.catalog.domain import ChangeProductPrice, CreateProduct, DiscontinueProduct
from contexts.catalog.models import Product
from eventstore.admin.actions import CommandAction, CommandActionsMixin
from eventstore.admin.filters import TermSearch, date_range_filter, id_filter, id_prefix
from eventstore.admin.readonly import ReadOnlyAdmin, short_id_html
from eventstore.models import Command
from shop.admin import money
from shop.money import MoneyFormField

PRODUCTS_BAKER = ("sales.products",)


class CreateForm(forms.Form):
    vendor_id = forms.UUIDField(help_text="The vendor's id; a new id starts a new vendor.")
    name = forms.CharField(max_length=200)
    price = MoneyFormField()


class PriceForm(forms.Form):
    price = MoneyFormField(label="new price")


def create(row: None, data: dict[str, Any]) -> CreateProduct:
    return CreateProduct(uuid.uuid4(), data["vendor_id"], data["name"], data["price"])


def reprice(product: Product, data: dict[str, Any]) -> ChangeProductPrice:
    return ChangeProductPrice(product.product_id, data["price"])


def discontinue(product: Product, data: dict[str, Any]) -> DiscontinueProduct:
    return DiscontinueProduct(product.product_id)


ACTIONS = (
    CommandAction(
        "create",
        "Create product",
        CreateProduct,
        "manage the catalog",
        create,
        CreateForm,
        on_row=False,
        baked_by=PRODUCTS_BAKER,
    ),
    CommandAction(
        "reprice",
        "Change price",
        ChangeProductPrice,
        "manage the catalog",
        reprice,
        PriceForm,
        baked_by=PRODUCTS_BAKER,
        help_text="Orders already placed keep their prices.",
    ),
    CommandAction(
        "discontinue",
        "Discontinue",
        DiscontinueProduct,
        "manage the catalog",
        discontinue,
        baked_by=PRODUCTS_BAKER,
        help_text="A discontinued product can no longer be ordered or checked out.",
    ),
)


VendorFilter = id_filter("vendor_id", "vendor")


@admin.register(Product)
class ProductAdmin(TermSearch, CommandActionsMixin, ReadOnlyAdmin):
    list_display = ("name", "price_shown", "active", "vendor", "created_at", "updated_at")
    list_filter = ("active", VendorFilter, date_range_filter("created_at", "created"))
    search_fields = ("name",)
    search_help_text = "Part of a product's name, or the start of its id."
    ordering = ("name", "product_id")
    fields = ("product_id", "name", "price_shown", "active", "vendor", "created_at", "updated_at")
    readonly_fields = ("vendor", "price_shown")
    command_actions = ACTIONS
    price_shown = money.column("price")
    change_form_template = "admin/eventstore/change_form.html"
    change_list_template = "admin/eventstore/change_list.html"

    def matches(self, term: str) -> Q:
        matches = Q(name__icontains=term)
        if by_id := id_prefix("product_id", term):
            matches |= by_id
        return matches

    @admin.display(description="vendor", ordering="vendor_id")
    def vendor(self, product: Product) -> SafeString:
        orders = reverse("admin:sales_ordersummary_changelist")
        return format_html(
            '<a href="{}?vendor={}" title="its orders">{}</a>',
            orders,
            product.vendor_id,
            short_id_html(product.vendor_id),
        )

    def after_action(
        self, request: HttpRequest, action: CommandAction, row: Any, command: Command
    ) -> HttpResponse:
        """A created product's page once it is baked; the list while it is not."""
        if row is None and Product.objects.filter(pk=command.stream_id).exists():
            return HttpResponseRedirect(
                reverse("admin:catalog_product_change", args=[command.stream_id])
            )
        return super().after_action(request, action, row, command)
