"""E-mail the members of structures whose venues are about to go stale or about to leave the
results, with a link to confirm each one.

Two steps follow the last confirmation (never confirmed: the creation or import):
``FRESHNESS_THRESHOLD_DAYS`` (the public page and card say « Informations non vérifiées depuis
le … ») and ``FRESHNESS_HIDE_AFTER_DAYS`` (the venue leaves the default results). A reminder
goes ``FRESHNESS_REMINDER_DAYS_BEFORE`` days before each step, once per step; past the second,
once per ``FRESHNESS_THRESHOLD_DAYS``. Run daily by cron (the ``FreshnessReminder`` rows are the
memory); each member gets one e-mail listing all their due venues.

The same e-mail lists each venue's channels flagged by the automatic checks
(``ChannelCheck.objects.flagged()``) with the reason and the « Mon lieu » link; a newly flagged
channel also brings its venue into the e-mail when no freshness reminder is due, once per
failure (``ChannelCheck.flag_notified_at``)."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Case, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from directory.models import ChannelCheck, FreshnessReminder, Venue
from directory.notifications import send_freshness_reminder


def _days(n):
    return datetime.timedelta(days=n)


def venues_due(now=None):
    """Venues not permanently closed, of a structure with members, within
    ``FRESHNESS_REMINDER_DAYS_BEFORE`` days of a step (or past it) and not reminded since that
    reminder window opened."""
    now = now or timezone.now()
    stale_after = _days(settings.FRESHNESS_THRESHOLD_DAYS)
    hide_after = _days(settings.FRESHNESS_HIDE_AFTER_DAYS)
    before = _days(settings.FRESHNESS_REMINDER_DAYS_BEFORE)
    checked = Coalesce(F("verified_at"), F("created_at"))
    # When the current reminder window opened: before the first step, before the second, then
    # once per threshold period.
    window_start = Case(
        When(
            checked_at__lte=now - hide_after + before,
            then=Greatest(ExpressionWrapper(checked + hide_after - before, DateTimeField()), Value(now - stale_after)),
        ),
        default=ExpressionWrapper(checked + stale_after - before, DateTimeField()),
        output_field=DateTimeField(),
    )
    recent = FreshnessReminder.objects.filter(venue=OuterRef("pk"), sent_at__gte=OuterRef("window_start"))
    return (
        Venue.objects.alias(checked_at=checked)
        .filter(checked_at__lte=now - stale_after + before)
        .alias(window_start=window_start)
        .not_permanently_closed(timezone.localdate(now))
        .filter(structure__memberships__isnull=False)
        .exclude(Exists(recent))
        .distinct()
        .select_related("commune", "structure")
        .order_by("sort_name", "pk")
    )


def flags_to_send(due_ids, now=None):
    """The flagged checks to list: every flagged channel of a due venue, plus the flags never
    e-mailed since their failure began, of venues in activity with a structure. One query."""
    now = now or timezone.now()
    not_yet_told = Q(flag_notified_at__isnull=True) | Q(flag_notified_at__lt=F("failing_since"))
    return (
        ChannelCheck.objects.flagged()
        .filter(Q(channel__venue__in=list(due_ids)) | not_yet_told)
        .filter(channel__venue__structure__isnull=False)
        .exclude(channel__venue__closed_permanently_on__lte=timezone.localdate(now))
        .select_related("channel__venue__commune", "channel__venue__structure")
        .order_by("channel__venue__name", "channel__venue_id", "channel__position", "channel_id")
    )


class Command(BaseCommand):
    help = "Envoie les relances de mise à jour aux membres des structures dont des lieux sont anciens."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Affiche ce qui serait envoyé, sans rien envoyer.")

    def handle(self, *args, dry_run=False, **options):
        User = get_user_model()
        now = timezone.now()
        venues = list(venues_due(now))
        due_ids = {venue.pk for venue in venues}
        flags = defaultdict(list)
        listed = list(venues)
        for check in flags_to_send(due_ids, now):
            venue = check.channel.venue
            if venue.pk not in due_ids and venue.pk not in flags:
                listed.append(venue)
            flags[venue.pk].append(check)
        listed.sort(key=lambda venue: (venue.name, venue.pk))
        by_structure = defaultdict(list)
        for venue in listed:
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
            sent += send_freshness_reminder(user, mine, flags=flags, due=due_ids)
        with transaction.atomic():
            FreshnessReminder.objects.bulk_create(
                FreshnessReminder(venue=venue, recipients=recipients[venue.pk]) for venue in venues
            )
            # Told once per failure: the flags of venues that reached someone.
            told = [check.pk for pk, checks in flags.items() if recipients[pk] for check in checks]
            ChannelCheck.objects.filter(pk__in=told).update(flag_notified_at=now)
        flagged = sum(len(checks) for checks in flags.values())
        self.stdout.write(
            f"{len(venues)} lieu(x) relancé(s), {flagged} canal(aux) en panne signalé(s), {sent} e-mail(s) envoyé(s)."
        )
