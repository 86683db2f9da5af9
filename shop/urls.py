from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from shop import asyncapi, health, metrics

# Django's own error pages answer problem+json under /api/.
handler400 = "shop.api.problems.bad_request"
handler403 = "shop.api.problems.permission_denied"
handler404 = "shop.api.problems.page_not_found"
handler500 = "shop.api.problems.server_error"

urlpatterns = [
    path("api/health", health.HealthApi.as_view(), name="health"),
    path("api/health/live", health.LiveApi.as_view(), name="health-live"),
    path("api/health/ready", health.ReadyApi.as_view(), name="health-ready"),
    path("api/asyncapi.yaml", asyncapi.document, name="asyncapi"),
    path("metrics", metrics.metrics, name="metrics"),  # Prometheus, for this host
    path("api/", include("shop.api.urls")),
    path("api/", include("contexts.catalog.urls")),
    path("api/", include("contexts.sales.urls")),
    path("api/", include("contexts.cart.urls")),
    path("api/", include("contexts.invoicing.urls")),
    path("api/", include("contexts.shipping.urls")),
    path("api/", include("contexts.integrations.urls")),
    # The products' pages moved with their table to the catalog app (catalog 0001).
    re_path(
        r"^admin/sales/product/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/catalog/product/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("", include("contexts.sales.page_urls")),  # /live, /orders/..., sign in and out
]
# /static/ is answered before routing, by WhiteNoise's middleware (shop/settings.py).
