"""The back-office site: Django's admin, staff only, with a dashboard as its index."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from shop.admin import dashboard

APP_ORDER = (
    "sales",
    "catalog",
    "invoicing",
    "shipping",
    "cart",
    "integrations",
    "eventstore",
    "tokens",
)
"""The sidebar's and the index's apps, the business first: orders and the products they
are made of, then as an order goes through it; then the machinery. Any app not named
comes next, by name, and `auth` (users and groups) last."""
LAST = "auth"


class BackOfficeSite(admin.AdminSite):
    site_header = "Shop back-office"
    site_title = "Shop back-office"
    index_title = "Dashboard"
    index_template = "admin/shop/dashboard.html"
    site_url = "/live"  # "View site": the staff's live order board

    def index(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        figures = dashboard.figures(timezone.now())
        return super().index(request, {"dashboard": figures, **(extra_context or {})})

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        return sorted(super().get_app_list(request, app_label), key=_place)


def _place(app: dict) -> tuple[int, str]:
    label = app["app_label"]
    if label in APP_ORDER:
        return APP_ORDER.index(label), ""
    return len(APP_ORDER) + (label == LAST), app["name"].lower()
