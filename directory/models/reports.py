"""Residents' reports, freshness reminders sent, SMS exchanges logged (without numbers)."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory import enums


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Reports about venues ``user`` may see in the back office: the venue's mediators and
        the staff of its département moderate them."""
        from directory.models.venues import Venue

        return self.filter(venue__in=Venue.objects.viewable_by(user))

    def open(self):
        return self.filter(status=enums.ReportStatus.OPEN)


class Report(models.Model):
    """« Signaler une information erronée » from the venue page."""

    venue = models.ForeignKey("directory.Venue", models.CASCADE, related_name="reports", verbose_name=_("lieu"))
    topic = models.CharField(_("information concernée"), max_length=20, choices=enums.ReportTopic.choices)
    comment = models.TextField(_("commentaire"), max_length=2000)
    contact = models.CharField(_("contact (facultatif)"), max_length=200, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=enums.ReportStatus.choices, default=enums.ReportStatus.OPEN
    )
    created_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    closed_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("traité par")
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="report_status_created")]

    def __str__(self):
        return f"{self.venue} — {self.get_topic_display()}"

    def can_moderate(self, user) -> bool:
        return self.venue.can_view_admin(user)

    def close(self, user, when=None):
        """Mark as handled, recording who closed it and when."""
        self.status = enums.ReportStatus.CLOSED
        self.closed_at = when or timezone.now()
        self.closed_by = user
        self.save(update_fields=["status", "closed_at", "closed_by"])


class FreshnessReminder(models.Model):
    """One row per reminder e-mail sent about a stale venue, so a daily cron sends at most one
    per venue per threshold period."""

    venue = models.ForeignKey("directory.Venue", models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("relance de mise à jour")
        verbose_name_plural = _("relances de mise à jour")
        indexes = [models.Index(fields=["venue", "-sent_at"], name="reminder_venue_sent")]

    def __str__(self):
        return f"{self.venue} — {self.sent_at:%d/%m/%Y}"


class SmsExchangeQuerySet(models.QuerySet):
    def readable_by(self, user):
        """Exchanges ``user`` may read: about one of their départements (staff), every one
        (superusers, who alone read those about no département)."""
        from directory.models.people import DepartementStaff

        codes = DepartementStaff.departements_of(user)
        if codes is None:
            return self
        if not user.is_active:
            return self.none()
        return self.filter(departement_id__in=codes)

    def with_text_older_than(self, days: int):
        """Exchanges whose free text (what residents typed) and pseudonym must now go."""
        cutoff = timezone.now() - datetime.timedelta(days=days)
        return self.filter(created_at__lt=cutoff).exclude(query="", reply="", sender_hash="")

    def erase_old_text(self, days: int) -> int:
        """Blank the query, the reply and the sender pseudonym of exchanges older than ``days``
        (``SMS_TEXT_RETENTION_DAYS``, run nightly by ``maintain_directory``); counts stay."""
        return self.with_text_older_than(days).update(query="", reply="", sender_hash="")


class SmsExchange(models.Model):
    """An SMS look-up, logged for statistics. The sender is kept only as a keyed hash (a
    pseudonym, ``directory/sms/ratelimit.py``), and only for ``SMS_TEXT_RETENTION_DAYS``."""

    created_at = models.DateTimeField(_("reçu le"), auto_now_add=True, db_index=True)
    sender_hash = models.CharField(_("expéditeur (pseudonyme)"), max_length=64, blank=True, db_index=True)
    adapter = models.CharField(_("passerelle"), max_length=20)
    query = models.CharField(_("demande"), max_length=200, blank=True)
    reply = models.TextField(_("réponse envoyée"), blank=True)
    answered = models.BooleanField(_("avec réponse"), default=False)
    venues_count = models.PositiveSmallIntegerField(_("lieux proposés"), default=0)
    rate_limited = models.BooleanField(_("limitée"), default=False)
    # The département the message asked about: its staff read the exchange (superusers read the
    # ones about no département).
    departement = models.ForeignKey(
        "directory.Departement",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("département"),
    )

    objects = SmsExchangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("échange SMS")
        verbose_name_plural = _("échanges SMS")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y %H:%M} — {self.query[:40]}"
