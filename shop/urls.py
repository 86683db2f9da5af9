from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.views import serve
from django.urls import path, re_path

from shop import health

urlpatterns = [
    path("api/health", health.HealthApi.as_view(), name="health"),
    path("admin/", admin.site.urls),
    # The admin's stylesheets and scripts, straight from the installed apps, so that
    # `make run` and a bare ASGI server give a working back-office without DEBUG or a
    # separate file server. (`django.conf.urls.static` would serve them only under DEBUG.)
    re_path(rf"^{settings.STATIC_URL.lstrip('/')}(?P<path>.+)$", serve, {"insecure": True}),
]
