"""A view outside DRF (the back-office, the live pages, sign-in) that meets a database
outage answers 503 with Retry-After: a problem under /api/, a plain page elsewhere.

DRF views have their own lever (`shop.api.problems.exception_handler`). Django's 500
handler (`shop.api.problems.server_error`) turns an outage into 503 too, and is the only
lever for one a middleware meets (a session saved after the view), but it is reached
only once Django has treated the error as unhandled: reported through
`got_request_exception`, and under DEBUG answered with the debug page. An outage is not
a bug, so the views' outages are answered here, before that.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

from shop.api.problems import DATABASE_DOWN, database_unavailable

log = logging.getLogger(__name__)


class DatabaseOutageMiddleware(MiddlewareMixin):
    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN):
            return None
        log.warning("database unavailable: %s", exception)
        return database_unavailable(request)
