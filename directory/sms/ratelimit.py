"""Per-sender throttling and the keyed hash (pseudonym) that stands in for the sender's number."""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers
from django.conf import settings

from directory import ratelimit

WINDOW_SECONDS = 3600


def normalised_sender(number: str) -> str:
    """E.164 (``+33639981111``) for every writing of a number (``06 39 98 11 11``,
    ``0033639981111``…), so each writing does not get its own limit; what cannot be read as a
    number (a short code, an alphanumeric sender) is kept without its spaces and punctuation."""
    text = re.sub(r"[\s.\-()]", "", number or "")
    try:
        parsed = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(parsed):
        return text
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def sender_hash(number: str) -> str:
    """HMAC-SHA256(``SMS_HASH_SECRET``, E.164 number): the only form in which a sender is ever
    stored or counted. A pseudonym, not an anonymisation: whoever holds the secret can test a
    number; without it, the 10^9 French mobile numbers cannot be tried against the hashes."""
    key = settings.SMS_HASH_SECRET.encode()
    return hmac.new(key, normalised_sender(number).encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def hit(sender_digest: str) -> int:
    """Count one message from this sender in the current hour window; return the count
    (atomic, in PostgreSQL: ``directory.ratelimit.hit``)."""
    return ratelimit.hit("sms", sender_digest, WINDOW_SECONDS).count
