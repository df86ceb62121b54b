"""Cross-cutting HTTP behaviour: a fast 503 when PostgreSQL is down, and security headers."""

import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.template.loader import render_to_string

from directory.critical_css import site_stylesheet

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """Turn "database unreachable" into a plain 503 page instead of a 500 with a traceback.

    Connections are opened with a 3 s ``connect_timeout`` and health checks
    (``CONN_HEALTH_CHECKS``), so a worker recovers by itself on the next request once the
    database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as error:
            return self._unavailable(error)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)) or (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            return self._unavailable(exception)
        return None

    def _unavailable(self, error):
        from django.db import connections
        from django.http import HttpResponse

        logger.warning("Database unavailable: %s", error)
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()
        body = render_to_string("503.html")
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "5"
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy without 'unsafe-inline': every script and style is a file."""

    def __init__(self, get_response):
        self.get_response = get_response
        tiles = settings.MAP_TILE_ORIGIN
        self.policy = "; ".join(
            [
                "default-src 'self'",
                f"img-src 'self' data: {tiles}",
                "script-src 'self'",
                "style-src 'self'",
                "font-src 'self'",
                "connect-src 'self'",
                "object-src 'none'",
                "frame-ancestors 'none'",
                "base-uri 'self'",
                "form-action 'self'",
            ]
        )

    def __call__(self, request):
        response = self.get_response(request)
        # The inlined site stylesheet (directory/critical_css.py), by its hash only.
        inline = site_stylesheet()[1]
        policy = self.policy.replace("style-src 'self'", f"style-src 'self' {inline}") if inline else self.policy
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        return response
