"""One incoming SMS, end to end: sanitise, throttle, answer, log (without the number)."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.utils.translation import gettext as _

from directory.models import SmsExchange
from directory.sms import ratelimit
from directory.sms.reply import MAX_INPUT_CHARS, build_reply, fit

# Control and format characters (bidi overrides, zero-width) other than line breaks and tabs.
_INVISIBLE = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def sanitised(text: str) -> str:
    """What a gateway sent, made safe to parse and store. GSM 03.38 codes « @ » as 0x00 and
    some gateways pass it on as NUL: NUL is read as « @ » (PostgreSQL refuses NUL in text).
    Lone surrogates (invalid UTF-16 escapes in JSON) become U+FFFD; invisible controls go."""
    text = (text or "").replace("\x00", "@")
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if _has_surrogate(text) else text
    return unicodedata.normalize("NFC", _INVISIBLE.sub("", text))


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def rate_limited_text() -> str:
    return fit(_("Trop de demandes depuis ce numéro. Réessayez dans une heure."))


def respond(sender: str, text: str, adapter: str) -> str:
    """The reply to send back ("" when nothing should be sent)."""
    text = sanitised(text)
    digest = ratelimit.sender_hash(sanitised(sender))
    count = ratelimit.hit(digest)
    limit = settings.SMS_RATE_LIMIT_PER_HOUR
    query = text[:MAX_INPUT_CHARS].strip()[:200]
    if count > limit + 1:
        # Silence after telling once, so a loop between two automated numbers cannot burn SMS
        # credit; and no row either, or a replaying sender would grow the table without bound.
        return ""
    if count == limit + 1:
        reply_text = rate_limited_text()
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
        departement_id=reply.departement_id,
    )
    return reply.text
