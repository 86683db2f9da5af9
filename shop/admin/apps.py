"""Django's admin app, with Shop's site as `admin.site`."""

from django.contrib.admin.apps import AdminConfig


class BackOfficeConfig(AdminConfig):
    """Every app's `admin` module registers its pages with `admin.site`, which is then
    Shop's site: the dashboard as the index, the same login and permissions."""

    default_site = "shop.admin.site.BackOfficeSite"
