"""One incoming SMS, end to end: throttle, answer, log (without the number)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from directory.models import SmsExchange
from directory.sms import ratelimit
from directory.sms.reply import MAX_INPUT_CHARS, build_reply, fit


def rate_limited_text() -> str:
    return fit(_("Trop de demandes depuis ce numéro. Réessayez dans une heure."))


def respond(sender: str, text: str, adapter: str) -> str:
    """The reply to send back ("" when nothing should be sent)."""
    digest = ratelimit.sender_hash(sender)
    count = ratelimit.hit(digest)
    limit = settings.SMS_RATE_LIMIT_PER_HOUR
    query = (text or "")[:MAX_INPUT_CHARS].strip()[:200]
    if count > limit:
        # Tell the sender once; after that, stay silent so a loop between two automated
        # numbers cannot burn SMS credit.
        reply_text = rate_limited_text() if count == limit + 1 else ""
        SmsExchange.objects.create(
            sender_hash=digest, adapter=adapter, query=query, reply=reply_text, rate_limited=True
        )
        return reply_text
    reply = build_reply(text)
    SmsExchange.objects.create(
        sender_hash=digest,
        adapter=adapter,
        query=query,
        reply=reply.text,
        answered=reply.answered,
        venues_count=reply.venues_count,
    )
    return reply.text
