"""List filters the stock admin lacks: free-text inputs, ids and date ranges; and
`TermSearch`, the search of the event store's and the contexts' lists (the integrations'
and the tokens' lists keep Django's own `search_fields`).

Django's own filters offer a link per choice; ids, customers and vendors have far too
many values for that, so these render a small GET form that keeps the other filters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

HEX_DIGITS = frozenset("0123456789abcdef")


class InputFilter(admin.ListFilter):
    """A filter typed into a box. Subclasses name `parameters` and `filter` by them."""

    template = "admin/eventstore/input_filter.html"
    parameters: tuple[tuple[str, str, str], ...] = ()
    """(query parameter, label, input type) for each box."""

    def __init__(self, request: HttpRequest, params: dict, model: Any, model_admin: Any):
        super().__init__(request, params, model, model_admin)
        for name, _, _ in self.parameters:
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1].strip()
        others = request.GET.copy()
        for name in [*self.expected_parameters(), "p"]:
            others.pop(name, None)
        self.other_parameters = [(k, v) for k in others for v in others.getlist(k)]

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return [name for name, _, _ in self.parameters]

    def boxes(self) -> list[dict[str, str]]:
        return [
            {
                "name": name,
                "label": label,
                "type": kind,
                "value": self.used_parameters.get(name, ""),
            }
            for name, label, kind in self.parameters
        ]

    def choices(self, changelist: Any) -> list:
        return []

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        values = {k: v for k, v in self.used_parameters.items() if v}
        return self.filter(queryset, values) if values else queryset

    def filter(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
        raise NotImplementedError


def date_range_filter(field: str, title: str) -> type[InputFilter]:
    """A from/to date filter on `field`; both ends inclusive, days in UTC."""

    class DateRange(InputFilter):
        parameters = (
            (f"{field}_from", "from", "date"),
            (f"{field}_to", "to", "date"),
        )

        def filter(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
            start, end = values.get(f"{field}_from"), values.get(f"{field}_to")
            if start := _day(start):
                queryset = queryset.filter(**{f"{field}__gte": start})
            if end := _day(end):
                queryset = queryset.filter(**{f"{field}__lt": end + dt.timedelta(days=1)})
            return queryset

    DateRange.title = title
    return DateRange


def id_filter(field: str, title: str) -> type[InputFilter]:
    """A box named `title` for one id: the rows whose `field` is that id, and none at all
    when what was typed is not an id."""

    class IdFilter(InputFilter):
        parameters = ((title, f"{title} id", "text"),)

        def filter(self, queryset: QuerySet, values: dict[str, str]) -> QuerySet:
            wanted = uuid_or_none(values[title])
            return queryset.filter(**{field: wanted}) if wanted else queryset.none()

    IdFilter.title = title
    return IdFilter


class TermSearch(admin.ModelAdmin):
    """The search box as one term: blank shows every row, and anything else the rows
    `matches(term)` selects, never a duplicate. Django's own search splits the term into
    words, each matching some field, which cannot say "the start of an id" or "a customer's
    username"; `search_fields` only turns the box on."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(self.matches(term)), False

    def matches(self, term: str) -> Q:
        """The rows the stripped, non-blank `term` finds."""
        raise NotImplementedError


def _day(value: str | None) -> dt.datetime | None:
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value.strip())
    except ValueError:
        return None


def id_prefix(field: str, term: str) -> Q | None:
    """Ids starting with `term` (dashes optional), as a range the index serves."""
    digits = term.strip().replace("-", "").lower()
    if not digits or len(digits) > 32 or any(c not in HEX_DIGITS for c in digits):
        return None
    low, high = UUID(digits.ljust(32, "0")), UUID(digits.ljust(32, "f"))
    return Q(**{f"{field}__range": (low, high)})
