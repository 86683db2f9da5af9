"""The sales back-office pages: orders (the catalog's are contexts/catalog/admin.py)."""

from contexts.sales.admin import orders  # noqa: F401  registers the pages
