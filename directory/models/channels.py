"""A channel: one way to reach a venue, tagged with the least-equipped access scenario that can
use it. Validation, normalisation and rendering are delegated to ``directory.channels.KINDS``."""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory import enums
from directory.channels import get_kind


class ChannelQuerySet(models.QuerySet):
    def usable_in(self, scenario: int):
        """Channels usable in ``scenario`` (``reachability.usable_q``: in scenario 1, only the
        kinds that need no device, whatever scenario was typed)."""
        from directory.reachability import usable_q

        return self.filter(usable_q(int(scenario)))

    def working_on(self, on):
        """Channels that still work on ``on``: the SQL twin of ``ClosurePeriod.keeps_working``
        (``tests/test_closure_rule.py`` checks that both agree on a table of cases). A channel
        stops when its venue is closed for good, or when a closure covering ``on`` names other
        channels but not this one, or names none and the channel is on site (the drop-in)."""
        return self.exclude(venue__closed_permanently_on__lte=on).kept_by_closures(on)

    def kept_by_closures(self, on):
        """``working_on`` without the venue's closing date: the channels no closure covering
        ``on`` stops. For a query that checks the venue itself (``reachable_q``): the join to
        the venue for each channel is then a second reading of the same row."""
        from directory.models.closures import ClosurePeriod

        through = ClosurePeriod.open_channels.through.objects
        covering = ClosurePeriod.objects.covering(on).filter(venue_id=OuterRef("venue_id"))
        names_any = Exists(through.filter(closureperiod_id=OuterRef("pk")))
        names_this = Exists(through.filter(closureperiod_id=OuterRef("pk"), channel_id=OuterRef(OuterRef("pk"))))
        return self.filter(~Exists(covering.filter(names_any).filter(~names_this))).filter(
            ~Q(kind__in=enums.ON_SITE_KINDS) | ~Exists(covering.filter(~names_any))
        )

    def flagged(self):
        """Channels whose latest automatic check is flagged (``flagged_q``)."""
        return self.filter(flagged_q("last_check__"))

    # A channel belongs to its venue: the venue's rules decide.
    def editable_by(self, user):
        from directory.models.venues import Venue

        return self.filter(venue__in=Venue.objects.editable_by(user))

    def viewable_by(self, user):
        from directory.models.venues import Venue

        return self.filter(venue__in=Venue.objects.viewable_by(user))


class Channel(models.Model):
    venue = models.ForeignKey("directory.Venue", models.CASCADE, related_name="channels", verbose_name=_("lieu"))
    kind = models.CharField(_("type"), max_length=20, choices=enums.ChannelKind.choices)
    value = models.CharField(
        _("valeur"), max_length=500, help_text=_("Numéro, adresse web, e-mail ou texte selon le type.")
    )
    label = models.CharField(
        _("intitulé"), max_length=200, blank=True, help_text=_("Ex. « Accueil », « Groupe aide alimentaire »")
    )
    availability = models.CharField(
        _("disponibilité"), max_length=200, blank=True, help_text=_("Ex. « mardi 14h-17h »")
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    scenario = models.PositiveSmallIntegerField(
        _("accessible dès le scénario"),
        choices=enums.AccessScenario.choices,
        blank=True,
        help_text=_("Le scénario le moins équipé qui peut utiliser ce canal ; par défaut selon le type."),
    )
    # Which field of the national standard this channel came from or goes to (telephone,
    # courriels, site_web, prise_rdv), so import → export round-trips unchanged.
    standard_field = models.CharField(max_length=20, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChannelQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("canal de contact")
        verbose_name_plural = _("canaux de contact")
        ordering = ["scenario", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scenario__gte=1, scenario__lte=3),
                name="channel_scenario_range",
                violation_error_message=_("Le scénario doit être 1, 2 ou 3."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=enums.ChannelKind.values),
                name="channel_kind_known",
                violation_error_message=_("Type de canal inconnu."),
            ),
            models.CheckConstraint(
                condition=~Q(value=""),
                name="channel_value_not_empty",
                violation_error_message=_("La valeur du canal ne peut pas être vide."),
            ),
        ]
        indexes = [
            # Prefetch of a page's channels usable in a scenario, and reachability Exists().
            models.Index(fields=["venue", "scenario"], name="channel_venue_scenario"),
            models.Index(fields=["kind", "venue"], name="channel_kind_venue"),
        ]

    def __str__(self):
        return f"{self.kind_spec.label} : {self.display_value}"

    @property
    def kind_spec(self):
        return get_kind(self.kind)

    def clean(self):
        super().clean()
        if self.kind not in enums.ChannelKind.values:
            raise ValidationError({"kind": _("Type de canal inconnu.")})
        try:
            self.value = self.kind_spec.normalise(self.value)
        except ValidationError as error:
            raise ValidationError({"value": error.messages}) from None
        if self.scenario in (None, ""):
            self.scenario = self.kind_spec.default_scenario

    def save(self, *args, **kwargs):
        # Only an unset scenario gets the default: 0 or 4 must hit the range constraint.
        if self.scenario in (None, ""):
            self.scenario = self.kind_spec.default_scenario
        update_fields = kwargs.get("update_fields")
        if self.pk and not self._state.adding and (update_fields is None or "value" in update_fields):
            # A check is about a value: a corrected channel (« Mon lieu », the admin, an import)
            # loses the old value's check and its flag; the next ``check_channels`` checks it.
            ChannelCheck.objects.filter(channel_id=self.pk).exclude(channel__value=self.value).delete()
        super().save(*args, **kwargs)
        self._refresh_venue_stops()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._refresh_venue_stops()
        return result

    def _refresh_venue_stops(self):
        # A mobile venue's stops are read from its in-person channels (Venue.stop_communes).
        if self.kind in enums.ON_SITE_KINDS and self.venue_id:
            venue = self.venue
            if enums.Itinerance.ITINERANT in (venue.itinerance or []) or venue.stop_communes:
                venue.refresh_stops()

    @property
    def href(self):
        return self.kind_spec.href(self.value)

    @property
    def display_value(self):
        return self.kind_spec.display(self.value)

    @property
    def display_label(self):
        return self.label or self.kind_spec.label

    def can_edit(self, user) -> bool:
        return self.venue.can_edit(user)

    def can_view_admin(self, user) -> bool:
        return self.venue.can_view_admin(user)

    def usable_in(self, scenario: int) -> bool:
        from directory.reachability import channel_usable_in

        return channel_usable_in(self.kind, self.scenario, int(scenario))

    @property
    def latest_check(self):
        """The latest automatic check, or None (select_related ``last_check`` to avoid a query)."""
        try:
            return self.last_check
        except ObjectDoesNotExist:
            return None

    @property
    def is_flagged(self) -> bool:
        """Python twin of ``Channel.objects.flagged()``."""
        check = self.latest_check
        return check is not None and check.is_flagged


def flag_after_days() -> int:
    """How many days in a row a channel must fail before it is flagged (at least 1)."""
    from django.conf import settings

    return max(1, int(settings.CHANNEL_CHECK_FLAG_DAYS))


def flagged_q(prefix: str = "") -> Q:
    """THE definition of a flagged channel check, as a condition on ``ChannelCheck`` (through
    ``prefix``, e.g. ``last_check__`` from a channel): at least N failed checks in a row
    (a success resets the count), the first and the last of them at least N - 1 calendar days
    apart (local time: a check run twice a day does not flag in one day), and no manual
    « Le lien fonctionne » since the last failing check. N is ``CHANNEL_CHECK_FLAG_DAYS``.

    Twins: ``ChannelCheck.is_flagged`` (Python) and ``flagged_sql`` (the raw coverage SQL);
    ``tests/test_channel_flags.py`` checks that the three agree on a table of histories."""
    from django.db.models import F
    from django.db.models.functions import TruncDate
    from django.db.models.lookups import GreaterThanOrEqual
    from django.utils import timezone

    n = flag_after_days()
    tz = timezone.get_current_timezone()
    days_apart = TruncDate(f"{prefix}checked_at", tzinfo=tz) - TruncDate(f"{prefix}failing_since", tzinfo=tz)
    return (
        Q(**{f"{prefix}failures__gte": n, f"{prefix}failing_since__isnull": False})
        & Q(GreaterThanOrEqual(days_apart, datetime.timedelta(days=n - 1)))
        & (Q(**{f"{prefix}confirmed_at__isnull": True}) | Q(**{f"{prefix}confirmed_at__lt": F(f"{prefix}checked_at")}))
    )


def flagged_sql(alias: str) -> str:
    """SQL twin of ``flagged_q`` on the ``ChannelCheck`` row aliased ``alias``, for the raw
    coverage and completeness statements (no parameters: N is an integer setting and the time
    zone a validated zone name)."""
    from django.utils import timezone

    n = flag_after_days()
    tz = str(timezone.get_current_timezone())
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", tz):
        raise ValueError(tz)
    return (
        f"({alias}.failures >= {n} AND {alias}.failing_since IS NOT NULL"
        f" AND ({alias}.checked_at AT TIME ZONE '{tz}')::date"
        f" - ({alias}.failing_since AT TIME ZONE '{tz}')::date >= {n - 1}"
        f" AND ({alias}.confirmed_at IS NULL OR {alias}.confirmed_at < {alias}.checked_at))"
    )


def flagged_channel_sql(channel_alias: str) -> str:
    """SQL: the channel aliased ``channel_alias`` is flagged."""
    table = ChannelCheck._meta.db_table
    return f"EXISTS (SELECT 1 FROM {table} fk WHERE fk.channel_id = {channel_alias}.id AND {flagged_sql('fk')})"  # noqa: S608  # nosec B608


class ChannelCheckQuerySet(models.QuerySet):
    def flagged(self):
        """Checks failing ``CHANNEL_CHECK_FLAG_DAYS`` days in a row (``flagged_q``): shown to the
        venue's mediators and counted by staff; never hidden from the public on that ground."""
        return self.filter(flagged_q())


class ChannelCheck(models.Model):
    """The latest automatic check of a channel (``manage.py check_channels``): one row per
    channel, its current state rather than a log, so the daily job stays a bounded UPDATE."""

    channel = models.OneToOneField(
        Channel, models.CASCADE, primary_key=True, related_name="last_check", verbose_name=_("canal")
    )
    checked_at = models.DateTimeField(_("dernière vérification"))
    last_ok_at = models.DateTimeField(_("dernière réponse correcte"), null=True, blank=True)
    failing_since = models.DateTimeField(_("en échec depuis"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("échecs consécutifs"), default=0)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    # « Le lien fonctionne » in « Mon lieu »: clears the flag until the next failing check.
    confirmed_at = models.DateTimeField(_("confirmé fonctionnel le"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmé fonctionnel par"),
    )
    # When the reminder e-mail last told the mediators about this failure (once per failure).
    flag_notified_at = models.DateTimeField(_("panne signalée par e-mail le"), null=True, blank=True)

    objects = ChannelCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("vérification d'un canal")
        verbose_name_plural = _("vérifications des canaux")
        constraints = [
            models.CheckConstraint(
                condition=Q(failures=0, failing_since__isnull=True) | Q(failures__gt=0, failing_since__isnull=False),
                name="channelcheck_failing_since_iff_failures",
                violation_error_message=_("Un canal en échec a une date de début d'échec, et seulement lui."),
            ),
        ]

    def __str__(self):
        return f"{self.channel_id}: {self.reason or 'ok'}"

    @property
    def is_failing(self) -> bool:
        return self.failures > 0

    @property
    def is_flagged(self) -> bool:
        """Python twin of ``flagged_q`` (same rule, on this row)."""
        from django.utils import timezone

        n = flag_after_days()
        if self.failures < n or self.failing_since is None:
            return False
        days_apart = timezone.localdate(self.checked_at) - timezone.localdate(self.failing_since)
        if days_apart < datetime.timedelta(days=n - 1):
            return False
        return self.confirmed_at is None or self.confirmed_at < self.checked_at
