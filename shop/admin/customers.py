"""Customers on back-office pages: usernames for customer ids, and the reverse.

Commands and events know a customer only by `customer_id_for(user)`, a UUID5 of the
user's primary key, so there is no customer table to join: `shop.customers` maps ids
to usernames and names to ids.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from eventstore.admin.filters import InputFilter
from eventstore.admin.readonly import short_id_html
from shop.customers import exactly, matching, usernames

__all__ = ["CustomerColumn", "CustomerFilter", "exactly", "matching", "usernames"]


class CustomerChangeList(ChangeList):
    """A change list whose rows know their customer's username (`customer_name`), found
    for the whole page in one query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        names = usernames(row.customer_id for row in self.result_list)
        for row in self.result_list:
            row.customer_name = names.get(row.customer_id, "")


class CustomerColumn(admin.ModelAdmin):
    """A `customer` column (username, else the id: short in a list) for rows with a
    `customer_id`."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CustomerChangeList

    @admin.display(description="customer", ordering="customer_id")
    def customer(self, row: Any) -> SafeString | str:
        name = getattr(row, "customer_name", None)
        if name is None:  # a detail page: one row, one lookup, the whole id
            return usernames([row.customer_id]).get(row.customer_id) or str(row.customer_id)
        return name or short_id_html(row.customer_id)


class CustomerFilter(InputFilter):
    """Rows of one customer, named by username, email or customer id."""

    title = "customer"
    parameters = (("customer", "username, email or customer id", "text"),)

    def filter(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
        customer = exactly(values["customer"])
        return queryset.filter(customer_id=customer) if customer else queryset.none()
