"""Staff statistics on SMS look-ups (no sender numbers exist to show: only salted hashes)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from directory.models import SmsExchange


def daily_counts(days: int = 30, exchanges=None):
    """[{"day", "total", "answered_count", "unanswered_count", "rate_limited_count"}], newest
    first, of ``exchanges`` (every exchange by default; the admin gives the reader's own)."""
    since = timezone.now() - datetime.timedelta(days=days)
    exchanges = SmsExchange.objects.all() if exchanges is None else exchanges
    return (
        exchanges.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            total=Count("pk"),
            answered_count=Count("pk", filter=Q(answered=True)),
            unanswered_count=Count("pk", filter=Q(answered=False, rate_limited=False)),
            rate_limited_count=Count("pk", filter=Q(rate_limited=True)),
        )
        .order_by("-day")
    )


def unanswered(days: int = 30):
    """Queries that found no venue (help texts, unknown codes or communes, empty areas):
    what residents asked for and the directory could not answer."""
    since = timezone.now() - datetime.timedelta(days=days)
    return SmsExchange.objects.filter(created_at__gte=since, answered=False, rate_limited=False).order_by("-created_at")
