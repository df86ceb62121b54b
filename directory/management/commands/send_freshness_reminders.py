"""E-mail the members of structures whose venues are stale, with a link to confirm each one.

Run daily by cron: a venue gets at most one reminder per ``FRESHNESS_THRESHOLD_DAYS`` (the
``FreshnessReminder`` rows are the memory), and each member gets one e-mail listing all their
stale venues."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from directory.models import FreshnessReminder, Venue
from directory.notifications import send_freshness_reminder


def venues_due(now=None):
    """Stale, not permanently closed venues of a structure with members, not reminded within
    the threshold period."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.FRESHNESS_THRESHOLD_DAYS)
    recent = FreshnessReminder.objects.filter(venue=OuterRef("pk"), sent_at__gte=since)
    return (
        Venue.objects.stale(now)
        .not_permanently_closed(timezone.localdate(now))
        .filter(structure__memberships__isnull=False)
        .exclude(Exists(recent))
        .distinct()
        .select_related("commune", "structure")
        .order_by("name", "pk")
    )


class Command(BaseCommand):
    help = "Envoie les relances de mise à jour aux membres des structures dont des lieux sont anciens."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Affiche ce qui serait envoyé, sans rien envoyer.")

    def handle(self, *args, dry_run=False, **options):
        User = get_user_model()
        venues = list(venues_due())
        by_structure = defaultdict(list)
        for venue in venues:
            by_structure[venue.structure_id].append(venue)
        members = (
            User.objects.filter(is_active=True, memberships__structure_id__in=by_structure)
            .exclude(email="")
            .prefetch_related("memberships")
            .distinct()
        )
        per_user = []
        recipients = defaultdict(int)
        for user in members:
            mine = [v for m in user.memberships.all() for v in by_structure.get(m.structure_id, [])]
            if mine:
                per_user.append((user, mine))
                for venue in mine:
                    recipients[venue.pk] += 1
        if dry_run:
            for user, mine in per_user:
                self.stdout.write(f"{user.email}: {', '.join(v.name for v in mine)}")
            self.stdout.write(f"{len(venues)} lieu(x), {len(per_user)} e-mail(s) (simulation, rien envoyé).")
            return
        sent = 0
        for user, mine in per_user:
            sent += send_freshness_reminder(user, mine)
        with transaction.atomic():
            FreshnessReminder.objects.bulk_create(
                FreshnessReminder(venue=venue, recipients=recipients[venue.pk]) for venue in venues
            )
        self.stdout.write(f"{len(venues)} lieu(x) relancé(s), {sent} e-mail(s) envoyé(s).")
