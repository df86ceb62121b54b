"""Likely duplicates between venues, and the redirects left by merges (see
``directory/duplicates.py`` for the score, docs/back-office.md for the staff workflow)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from directory import enums


class LikelyDuplicateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Pairs a back-office user may see: superusers every pair, département staff the pairs
        with at least one venue in their départements; mediators and structure managers none
        (they tell their département staff)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        from directory.models.people import DepartementStaff

        departements = DepartementStaff.objects.filter(user=user).values("departement_id")
        return self.filter(
            Q(first__commune__departement_id__in=departements) | Q(second__commune__departement_id__in=departements)
        )

    def proposed(self):
        return self.filter(status=enums.DuplicateStatus.PROPOSED)

    def involving(self, venue):
        return self.filter(Q(first=venue) | Q(second=venue))


class LikelyDuplicate(models.Model):
    """Two venues that look like the same place, with what the score was made of. Stored
    once per pair (``first`` has the smaller id), so « distinct » is remembered for good."""

    first = models.ForeignKey("directory.Venue", models.CASCADE, related_name="+", verbose_name=_("lieu 1"))
    second = models.ForeignKey("directory.Venue", models.CASCADE, related_name="+", verbose_name=_("lieu 2"))
    score = models.PositiveSmallIntegerField(_("score"))
    same_pivot = models.BooleanField(_("même pivot"), default=False)
    name_similarity = models.FloatField(_("similarité des noms"), default=0)
    address_similarity = models.FloatField(_("similarité des adresses"), default=0)
    same_address = models.BooleanField(_("même adresse"), default=False)
    same_commune = models.BooleanField(_("même commune"), default=False)
    distance_m = models.FloatField(_("distance (m)"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=enums.DuplicateStatus.choices, default=enums.DuplicateStatus.PROPOSED
    )
    origin = models.CharField(
        _("trouvé par"), max_length=10, choices=enums.DuplicateOrigin.choices, default=enums.DuplicateOrigin.SCAN
    )
    found_at = models.DateTimeField(_("trouvé le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("par")
    )

    objects = LikelyDuplicateQuerySet.as_manager()

    class Meta:
        verbose_name = _("doublon probable")
        verbose_name_plural = _("doublons probables")
        ordering = ["-score", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first__lt=F("second")),
                name="duplicate_ordered_pair",
                violation_error_message=_("Une paire de doublons relie deux lieux différents."),
            ),
            models.UniqueConstraint(
                fields=["first", "second"],
                name="duplicate_unique_pair",
                violation_error_message=_("Cette paire de lieux est déjà enregistrée."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-score"], name="duplicate_status_score"),
            models.Index(fields=["second"], name="duplicate_second"),
        ]

    def __str__(self):
        return f"{self.first} ≈ {self.second} ({self.score})"

    @property
    def features(self):
        from directory.duplicates import Features

        return Features(
            same_pivot=self.same_pivot,
            name_similarity=self.name_similarity,
            address_similarity=self.address_similarity,
            same_address=self.same_address,
            same_commune=self.same_commune,
            distance_m=self.distance_m,
        )

    def reasons(self) -> str:
        return self.features.explain()

    # --- permissions (``departements``: the user's, when the caller read them once) ------------
    @staticmethod
    def _departements(user, departements):
        from directory.models.people import DepartementStaff

        return DepartementStaff.departements_of(user) if departements is None else departements

    def can_view(self, user, departements=None) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_superuser:
            return True
        mine = self._departements(user, departements)
        return bool({self.first.commune.departement_id, self.second.commune.departement_id} & mine)

    def can_mark_distinct(self, user, departements=None) -> bool:
        """Saying two venues are distinct changes neither: whoever sees the pair."""
        return self.can_view(user, departements)

    def can_merge(self, user, departements=None) -> bool:
        """Merging deletes one venue and rewrites the other: superusers, and département staff
        when both venues are in their départements."""
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_superuser:
            return True
        mine = self._departements(user, departements)
        return {self.first.commune.departement_id, self.second.commune.departement_id} <= mine


class VenueRedirect(models.Model):
    """The public address of a venue merged into another: ``/lieux/<old_slug>/`` answers
    301 to the survivor (``directory.views.public.venue_detail``)."""

    old_slug = models.SlugField(_("ancien identifiant d'URL"), max_length=80, unique=True)
    venue = models.ForeignKey(
        "directory.Venue", models.CASCADE, related_name="redirects", verbose_name=_("lieu conservé")
    )
    # The absorbed venue's identity in the national standard, for the record.
    source = models.CharField(_("source"), max_length=200, blank=True)
    external_id = models.CharField(_("identifiant (standard)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("par")
    )

    class Meta:
        verbose_name = _("redirection après fusion")
        verbose_name_plural = _("redirections après fusion")

    def __str__(self):
        return f"{self.old_slug} → {self.venue_id}"
