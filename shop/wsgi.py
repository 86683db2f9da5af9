"""WSGI entry point: the HTTP API and pages as `make run` serves them (granian's WSGI
interface, several processes of several threads; docs/architecture.md, "Processes").

Plain WSGI runs each request on one thread from start to end: Django's middleware is
synchronous, and under ASGI every middleware hands each request to a thread and back.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
application = get_wsgi_application()

from shop.lifespan import close_at_exit  # noqa: E402  once Django is set up

close_at_exit()  # WSGI has no lifespan: the pools close as the worker process exits
