"""Closure periods of venues: when a venue is closed, and which of its channels stay open."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory import enums


class ClosurePeriodQuerySet(models.QuerySet):
    def covering(self, on: datetime.date):
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))

    def current_or_upcoming(self, on: datetime.date):
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))

    # A closure belongs to its venue: the venue's rules decide.
    def editable_by(self, user):
        from directory.models.venues import Venue

        return self.filter(venue__in=Venue.objects.editable_by(user))

    def viewable_by(self, user):
        from directory.models.venues import Venue

        return self.filter(venue__in=Venue.objects.viewable_by(user))


class ClosurePeriod(models.Model):
    """A temporary closure. The venue's status today is derived from these, never stored."""

    venue = models.ForeignKey("directory.Venue", models.CASCADE, related_name="closures", verbose_name=_("lieu"))
    starts_on = models.DateField(_("fermé à partir du"))
    ends_on = models.DateField(_("jusqu'au (inclus)"), null=True, blank=True, help_text=_("Vide : date inconnue."))
    reason = models.CharField(
        _("motif"), max_length=20, choices=enums.ClosureReason.choices, default=enums.ClosureReason.OTHER
    )
    public_message = models.CharField(
        _("message au public"),
        max_length=500,
        blank=True,
        help_text=_("Ex. « Fermé jusqu'au 12 mai, joignable par SMS au 06 39 98 00 00 »"),
    )
    open_channels = models.ManyToManyField(
        "directory.Channel", blank=True, related_name="+", verbose_name=_("canaux qui restent ouverts")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("par")
    )

    objects = ClosurePeriodQuerySet.as_manager()
    # The channels staying open are public data too: their changes are in the history.
    history = HistoricalRecords(m2m_fields=[open_channels])

    class Meta:
        verbose_name = _("période de fermeture")
        verbose_name_plural = _("périodes de fermeture")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="closure_ends_after_start",
                violation_error_message=_("La date de fin doit être postérieure ou égale à la date de début."),
            ),
        ]
        indexes = [models.Index(fields=["venue", "starts_on", "ends_on"], name="closure_venue_dates")]

    def __str__(self):
        if self.ends_on:
            return _("Fermé du %(start)s au %(end)s") % {
                "start": self.starts_on.strftime("%d/%m/%Y"),
                "end": self.ends_on.strftime("%d/%m/%Y"),
            }
        return _("Fermé depuis le %(start)s") % {"start": self.starts_on.strftime("%d/%m/%Y")}

    def can_edit(self, user) -> bool:
        return self.venue.can_edit(user)

    def can_view_admin(self, user) -> bool:
        return self.venue.can_view_admin(user)

    def covers(self, on: datetime.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)

    def named_channel_ids(self) -> set:
        """The channels this closure names as staying open (``open_channel_ids`` when the page
        read them as JSON, else ``open_channels``, prefetched or not)."""
        ids = getattr(self, "open_channel_ids", None)
        if ids is None:
            ids = [channel.pk for channel in self.open_channels.all()] if self.pk else []
        return set(ids)

    def keeps_working(self, channel_id, kind: str) -> bool:
        """THE rule for « what still works during a closure »: when the closure names channels
        staying open, exactly those; when it names none, every channel but the drop-in at the
        venue (``enums.ON_SITE_KINDS``): phone, SMS, post, signage on the door and online
        channels go on. Poster, paper sheet, SMS reply, venue page and coverage all ask this
        (SQL twin: ``Channel.objects.working_on``)."""
        named = self.named_channel_ids()
        if named:
            return channel_id in named
        return kind not in enums.ON_SITE_KINDS
