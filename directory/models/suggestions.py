"""Suggestions from the public (« Proposer un lieu », « Proposer une modification »), moderated:
a change by the venue's mediators, a new venue by the staff of its département. Accepting one
writes through ``directory.actions`` (history names who proposed it)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory import enums


class SuggestionQuerySet(models.QuerySet):
    def moderated_by(self, user):
        """The queue of ``user``: changes to the venues they edit, new venues of the
        départements they are staff of; everything for superusers."""
        from directory.models.venues import Venue

        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            Q(kind=enums.SuggestionKind.CHANGE, venue__in=Venue.objects.editable_by(user))
            | Q(kind=enums.SuggestionKind.NEW_VENUE, departement__staff__user=user)
        ).distinct()

    def open(self):
        return self.filter(status=enums.SuggestionStatus.OPEN)


class Suggestion(models.Model):
    kind = models.CharField(_("type"), max_length=20, choices=enums.SuggestionKind.choices)
    status = models.CharField(
        _("état"), max_length=10, choices=enums.SuggestionStatus.choices, default=enums.SuggestionStatus.OPEN
    )
    venue = models.ForeignKey(
        "directory.Venue", models.CASCADE, null=True, blank=True, related_name="suggestions", verbose_name=_("lieu")
    )
    commune = models.ForeignKey(
        "directory.Commune", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("commune")
    )
    departement = models.ForeignKey(
        "directory.Departement",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="suggestions",
        verbose_name=_("département"),
    )
    name = models.CharField(_("nom du lieu"), max_length=250, blank=True)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    site_web = models.URLField(_("site web"), max_length=500, blank=True)
    hours = models.CharField(_("horaires"), max_length=500, blank=True)
    comment = models.TextField(_("commentaire"), max_length=2000)
    contact = models.CharField(_("contact (facultatif)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("proposition du public")
        verbose_name_plural = _("propositions du public")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=enums.SuggestionKind.NEW_VENUE, commune__isnull=False, departement__isnull=False)
                | Q(kind=enums.SuggestionKind.CHANGE, venue__isnull=False),
                name="suggestion_kind_target",
                violation_error_message=_("Une modification vise un lieu ; un nouveau lieu, une commune."),
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="suggestion_status_created")]

    def __str__(self):
        target = self.venue.name if self.venue_id else self.name
        return f"{self.get_kind_display()} — {target}"

    def can_moderate(self, user) -> bool:
        return Suggestion.objects.moderated_by(user).filter(pk=self.pk).exists()

    @property
    def proposer(self) -> str:
        return self.contact or str(_("un habitant (anonyme)"))
