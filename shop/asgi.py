"""ASGI entry point: Django for HTTP, Channels for websockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from shop.api.hot import hot_paths  # noqa: E402
from shop.websocket_auth import websocket_application  # noqa: E402

# The API requests answered in the event loop (see shop/api/hot.py), one module each.
HOT_ROUTES: list[str] = [
    "contexts.sales.hot",  # POST /api/order, GET /api/order/{orderId}
]

# Each context with live pushes lists its routing module here, one line each.
WEBSOCKET_ROUTING: list[str] = [
    "contexts.sales.routing",  # /ws/order-events: the live order feed
]

application = ProtocolTypeRouter(
    {
        "http": hot_paths(django_asgi_app, HOT_ROUTES),
        "websocket": websocket_application(WEBSOCKET_ROUTING),
    }
)
