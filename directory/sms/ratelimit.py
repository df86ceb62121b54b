"""Per-sender throttling and the salted hash that stands in for the sender's number."""

from __future__ import annotations

import hashlib
import re

from django.conf import settings

from directory import ratelimit

WINDOW_SECONDS = 3600


def sender_hash(number: str) -> str:
    """sha256(salt + number): the only form in which a sender is ever stored or cached.
    Spaces and dots are dropped so « 06 39 98 00 00 » and « 0639980000 » count as one sender."""
    normalised = re.sub(r"[\s.\-()]", "", number or "")
    return hashlib.sha256((settings.SMS_HASH_SALT + normalised).encode()).hexdigest()


def hit(sender_digest: str) -> int:
    """Count one message from this sender in the current hour window; return the count
    (atomic, in PostgreSQL: ``directory.ratelimit.hit``)."""
    return ratelimit.hit("sms", sender_digest, WINDOW_SECONDS).count
