"""Cross-cutting HTTP behaviour: request bodies bounded per path, a fast 503 when PostgreSQL is
down, and security headers."""

import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string

from directory.critical_css import site_stylesheet

logger = logging.getLogger(__name__)


def body_limit(path: str) -> int:
    """The largest body, in bytes, a POST to ``path`` may declare: the open-data upload takes
    ``IMPORT_MAX_BYTES`` and the public validator ``VALIDATOR_MAX_BYTES`` (plus the multipart
    envelope), the SMS webhook a message, everything else (forms, the admin)
    ``REQUEST_MAX_BYTES``."""
    if path.startswith("/gestion/import/"):
        return settings.IMPORT_MAX_BYTES + 1024 * 1024
    if path.startswith("/sms/"):
        return settings.SMS_MAX_BYTES
    if path.startswith("/open-data/valider/"):
        # The public validator refuses larger files itself, with its own French page.
        return settings.VALIDATOR_MAX_BYTES + 1024 * 1024
    return settings.REQUEST_MAX_BYTES


class RequestSizeLimitMiddleware:
    """Refuse a body larger than its path accepts from its ``Content-Length``, before anything
    reads it: Django bounds form fields (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but not uploaded files,
    so an anonymous client could have 100 MB written to disk by the report form. The proxy in
    front applies one overall limit (README, « Deploy »); this one is per path. Bodies without
    ``Content-Length`` are not read by Django (WSGI), so they need no check here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return HttpResponseBadRequest(b"", content_type="text/plain")
        limit = body_limit(request.path_info)
        if length > limit:
            body = render_to_string("413.html", {"limit": filesizeformat(limit)})
            response = HttpResponse(body, status=413)
            # The client may still be sending: tell it the connection ends here.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


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


def content_security_policy(style_sources: str = "", frame_ancestors: str = "'none'") -> str:
    """The site's Content-Security-Policy: no inline script or style but the stylesheets allowed
    by their hash (``style_sources``), framed by nobody but ``frame_ancestors`` (only the
    widget, ``directory/views/embed.py``, is framed: by anyone, or by a partner key's sites)."""
    tiles = settings.MAP_TILE_ORIGIN
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src 'self' data: {tiles}",
            "script-src 'self'",
            f"style-src 'self' {style_sources}".strip(),
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            f"frame-ancestors {frame_ancestors}",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


class SecurityHeadersMiddleware:
    """Content-Security-Policy without 'unsafe-inline': every script and style is a file. A view
    that sets its own policy (the widget) keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            # The inlined site stylesheet (directory/critical_css.py), by its hash only.
            response["Content-Security-Policy"] = content_security_policy(site_stylesheet()[1])
        response.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        return response
