"""The sales back-office pages: orders and the product catalog."""

from contexts.sales.admin import orders, products  # noqa: F401  registers the pages
