"""Customers on back-office pages: usernames for customer ids, and the reverse.

Commands and events know a customer only by `customer_id_for(user)`, a UUID5 of the
user's primary key, so there is no customer table to join. Going from user to customer
is a hash; going back needs every user's hash, which this module keeps per process and
extends with newly created users only (a user's primary key never changes).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest

from eventstore.admin.filters import InputFilter
from shop.customers import customer_id_for, exactly, matching

__all__ = ["CustomerColumn", "CustomerFilter", "exactly", "matching", "usernames"]

LATE_COMMITS = 1000  # rescan this many primary keys below the highest seen


class _Index:
    """customer id -> user primary key, for every user this process has seen."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pks: dict[UUID, int] = {}
        self.highest = 0

    def users_of(self, customer_ids: Iterable[UUID]) -> dict[UUID, int]:
        wanted = set(customer_ids)
        with self.lock:
            if wanted - self.pks.keys():
                self._add_new_users()
            return {c: self.pks[c] for c in wanted if c in self.pks}

    def _add_new_users(self) -> None:
        """Users created since the last look; a window below the highest key catches
        users whose transactions committed out of key order."""
        users = get_user_model().objects.filter(pk__gt=self.highest - LATE_COMMITS)
        for pk in users.values_list("pk", flat=True):
            self.pks[customer_id_for(_Key(pk))] = pk
            self.highest = max(self.highest, pk)


class _Key:
    """Just enough of a user for `customer_id_for`."""

    def __init__(self, pk: int) -> None:
        self.pk = pk


_index = _Index()


def usernames(customer_ids: Iterable[UUID]) -> dict[UUID, str]:
    """The username of each customer id that belongs to a user."""
    pks = _index.users_of(customer_ids)
    names = dict(get_user_model().objects.filter(pk__in=pks.values()).values_list("pk", "username"))
    return {customer: names[pk] for customer, pk in pks.items() if pk in names}


class CustomerChangeList(ChangeList):
    """A change list whose rows know their customer's username (`customer_name`), found
    for the whole page in one query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        names = usernames(row.customer_id for row in self.result_list)
        for row in self.result_list:
            row.customer_name = names.get(row.customer_id, "")


class CustomerColumn(admin.ModelAdmin):
    """A `customer` column (username, else the id) for rows with a `customer_id`."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CustomerChangeList

    @admin.display(description="customer", ordering="customer_id")
    def customer(self, row: Any) -> str:
        name = getattr(row, "customer_name", None)
        if name is None:  # a detail page: one row, one lookup
            name = usernames([row.customer_id]).get(row.customer_id, "")
        return name or str(row.customer_id)


class CustomerFilter(InputFilter):
    """Rows of one customer, named by username, email or customer id."""

    title = "customer"
    parameters = (("customer", "username, email or customer id", "text"),)

    def filter(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
        customer = exactly(values["customer"])
        return queryset.filter(customer_id=customer) if customer else queryset.none()
