"""ASGI entry point: Django for HTTP, Channels for websockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from shop.websocket_auth import websocket_application  # noqa: E402

# Each context with live pushes lists its routing module here, one line each. When the
# sales context exists, add "contexts.sales.routing" (its consumer serves /ws/order-events,
# an eventstore.live.FeedConsumer over the sales order feed).
WEBSOCKET_ROUTING: list[str] = []

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application(WEBSOCKET_ROUTING),
    }
)
