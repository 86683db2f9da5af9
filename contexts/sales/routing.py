"""The sales websocket routes, listed in shop.asgi's WEBSOCKET_ROUTING."""

from django.urls import path

from contexts.sales.consumers import OrderEventsConsumer

websocket_urlpatterns = [path("ws/order-events", OrderEventsConsumer.as_asgi())]
