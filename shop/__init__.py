"""Shop: an event-sourced commerce backend."""

from shop.celery import app as celery_app

__all__ = ("celery_app",)
