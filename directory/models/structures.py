"""Structures: the organisations that run venues (a CAF, a town, an association)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory import enums
from directory.models.common import pivot_validator, unique_slug


class StructureQuerySet(models.QuerySet):
    def editable_by(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user).distinct()

    def managed_by(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user, memberships__role=enums.MembershipRole.MANAGER).distinct()

    def viewable_by(self, user):
        """Structures a back-office user may see: their own, and for département staff every
        structure with a venue (or its main seat) in their départements."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            Q(memberships__user=user)
            | Q(departement__staff__user=user)
            | Q(venues__commune__departement__staff__user=user)
        ).distinct()


class Structure(models.Model):
    """The organisation that runs venues (centre social network, CAF, association, commune…)."""

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True, blank=True)
    kind = models.CharField(
        _("type"), max_length=30, choices=enums.StructureKind.choices, default=enums.StructureKind.OTHER
    )
    pivot = models.CharField(
        _("pivot (SIRET ou RNA)"),
        max_length=14,
        blank=True,
        validators=[pivot_validator],
        help_text=_("Identifiant SIRET, SIREN ou RNA, comme dans le standard national."),
    )
    email = models.EmailField(_("e-mail de contact"), blank=True)
    departement = models.ForeignKey(
        "directory.Departement",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
        verbose_name=_("département principal"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Structure, self.name, self.pk)
        super().save(*args, **kwargs)

    def is_member(self, user) -> bool:
        return bool(user.is_authenticated and user.is_active and self.memberships.filter(user=user).exists())

    def can_edit(self, user) -> bool:
        return bool(user.is_authenticated and user.is_active and (user.is_superuser or self.is_member(user)))

    def can_manage_members(self, user) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        return user.is_superuser or self.memberships.filter(user=user, role=enums.MembershipRole.MANAGER).exists()

    def can_view_admin(self, user) -> bool:
        return Structure.objects.viewable_by(user).filter(pk=self.pk).exists()
