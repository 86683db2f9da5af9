"""The back-office site: Django's admin, staff only, with a dashboard as its index."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from shop.admin import dashboard


class BackOfficeSite(admin.AdminSite):
    site_header = "Shop back-office"
    site_title = "Shop back-office"
    index_title = "Dashboard"
    index_template = "admin/shop/dashboard.html"

    def index(self, request: HttpRequest, extra_context: Any = None) -> TemplateResponse:
        figures = dashboard.figures(timezone.now())
        return super().index(request, {"dashboard": figures, **(extra_context or {})})
