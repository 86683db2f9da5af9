from django.contrib import admin
from django.urls import path

from shop import health

urlpatterns = [
    path("api/health", health.HealthApi.as_view(), name="health"),
    path("admin/", admin.site.urls),
]
