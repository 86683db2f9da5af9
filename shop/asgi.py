"""ASGI entry point: Django for HTTP, Channels for websockets.

`make run` serves the live feed from this application (uvicorn) and the HTTP API from
`shop.wsgi` (granian): see docs/architecture.md, "Processes". Both answer HTTP through
Django's own handler and middleware; this one also serves every page and endpoint, so
one process behind a proxy, or a test, can run the whole site from it.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from shop import lifespan  # noqa: E402
from shop.websocket_auth import websocket_application  # noqa: E402

# Each context with live pushes lists its routing module here, one line each.
WEBSOCKET_ROUTING: list[str] = [
    "contexts.sales.routing",  # /ws/order-events: the live order feed
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application(WEBSOCKET_ROUTING),
        "lifespan": lifespan.application,  # closes the process's pools as it stops
    }
)
