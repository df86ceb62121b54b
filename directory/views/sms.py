"""``/sms/entrant/``: the webhook SMS gateways call with each incoming message.

The adapter is chosen by header: ``X-Twilio-Signature`` → Twilio, anything else → generic.
Every request is authenticated before being read; a missing secret fails closed (403). A
replayed request (a nonce or a Twilio MessageSid already seen, or a generic timestamp more than
``SMS_WEBHOOK_MAX_AGE_SECONDS`` from now) is refused (403) and stores nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from directory import ratelimit
from directory.sms import adapters
from directory.sms.service import respond

logger = logging.getLogger(__name__)


def _forbidden(reason: str, request) -> HttpResponse:
    logger.warning("SMS webhook refused (%s) from %s", reason, request.META.get("REMOTE_ADDR", "?"))
    return HttpResponseForbidden(b"", content_type="text/plain")


@csrf_exempt  # Gateways cannot send a CSRF token; the signature authenticates the request.
@require_POST
def incoming(request):
    # Replies go to French residents whatever language the gateway's HTTP client announces.
    with translation.override(settings.LANGUAGE_CODE):
        if "HTTP_X_TWILIO_SIGNATURE" in request.META:
            return _twilio(request)
        return _generic(request)


def _replayed(adapter: str, nonce: str) -> bool:
    """True when this nonce was already seen (PostgreSQL counter, kept ``SMS_NONCE_SECONDS``)."""
    digest = hmac.new(settings.SMS_HASH_SECRET.encode(), nonce.encode(), hashlib.sha256).hexdigest()[:40]
    return ratelimit.hit(f"sms-nonce-{adapter}", digest, settings.SMS_NONCE_SECONDS).count > 1


def _generic(request):
    secret = settings.SMS_WEBHOOK_SECRET
    if not secret:
        return _forbidden("SMS_WEBHOOK_SECRET is not set", request)
    if not settings.SMS_HASH_SECRET:
        return _forbidden("SMS_HASH_SECRET is not set", request)
    body = request.body
    stamp = adapters.read_stamp(
        request.headers.get("X-Timestamp"),
        request.headers.get("X-Nonce"),
        time.time(),
        settings.SMS_WEBHOOK_MAX_AGE_SECONDS,
    )
    if stamp is None:
        return _forbidden("missing, malformed or stale X-Timestamp / X-Nonce", request)
    if not adapters.verify_generic(secret, adapters.signed_message(body, *stamp), request.headers.get("X-Signature")):
        return _forbidden("bad or missing X-Signature", request)
    if _replayed("generic", stamp[1]):
        return _forbidden("replayed X-Nonce", request)
    try:
        message = adapters.parse_generic(body)
    except adapters.BadRequest as error:
        return JsonResponse({"error": str(error)}, status=400)
    reply = respond(message.sender, message.text, "generic")
    return JsonResponse(adapters.generic_response(reply))


def _twilio(request):
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        return _forbidden("TWILIO_AUTH_TOKEN is not set", request)
    if not settings.SMS_HASH_SECRET:
        return _forbidden("SMS_HASH_SECRET is not set", request)
    # Behind a TLS-terminating proxy the URL must read https://: SECURE_PROXY_SSL_HEADER and
    # USE_X_FORWARDED_HOST make build_absolute_uri() match the URL Twilio signed.
    url = request.build_absolute_uri()
    if not adapters.verify_twilio(token, url, request.POST, request.headers.get("X-Twilio-Signature")):
        return _forbidden("bad X-Twilio-Signature", request)
    try:
        # Twilio signs no timestamp: its MessageSid, unique per message, tells a replay.
        message_id = adapters.twilio_message_id(request.POST)
        message = adapters.parse_twilio(request.POST)
    except adapters.BadRequest as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    if _replayed("twilio", message_id):
        return _forbidden("replayed MessageSid", request)
    reply = respond(message.sender, message.text, "twilio")
    return HttpResponse(adapters.twiml_response(reply), content_type="application/xml; charset=utf-8")
