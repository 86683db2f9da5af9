"""Shop's ASGI application with the ledger's feed at /ws/order-events, for the tests.

The websocket gate (origin, session, token) is the one shop.asgi builds; only the list
of routing modules differs.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from shop.websocket_auth import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application(["tests.pipeline.routing"]),
    }
)
