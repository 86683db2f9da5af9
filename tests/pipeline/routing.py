"""The ledger's websocket routes, served at the path the sales feed will use."""

from django.urls import path

from tests.pipeline.consumers import LedgerFeedConsumer

websocket_urlpatterns = [path("ws/order-events", LedgerFeedConsumer.as_asgi())]
