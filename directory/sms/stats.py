"""Staff statistics on SMS look-ups (no sender numbers exist to show: only salted hashes)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from directory.models import SmsExchange


def daily_counts(days: int = 30):
    """[{"day": date, "total": n, "answered": n, "unanswered": n, "rate_limited": n}], newest first."""
    since = timezone.now() - datetime.timedelta(days=days)
    return (
        SmsExchange.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            total=Count("pk"),
            answered=Count("pk", filter=Q(answered=True)),
            unanswered=Count("pk", filter=Q(answered=False, rate_limited=False)),
            rate_limited=Count("pk", filter=Q(rate_limited=True)),
        )
        .order_by("-day")
    )


def unanswered(days: int = 30):
    """Queries that found no venue (help texts, unknown codes or communes, empty areas):
    what residents asked for and the directory could not answer."""
    since = timezone.now() - datetime.timedelta(days=days)
    return SmsExchange.objects.filter(created_at__gte=since, answered=False, rate_limited=False).order_by("-created_at")
