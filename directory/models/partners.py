"""Partner keys for the embeddable directory (``/widget/``) and the API (issue 19, part 1).

A key is optional: anonymous use keeps today's limits (the widget is a public page, the API
has its per-client rate). A partner with a key gets its own daily quotas, its usage counted per
day, and — for the widget — a frame that only its own sites may show.

The key itself is stored **hashed** (SHA-256) with a short visible prefix, and shown once, on
the page that follows its creation. A key is a random 192-bit token, so a plain hash is enough
(no slow password hash: nothing to guess from a dictionary) and the look-up stays one index
probe; a copy of the database (backups, exports, a staff screen) then gives nobody a usable
key. A partner who loses it gets a new one.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "gll_"
# What the staff pages show of a key to tell keys apart: « gll_Ab3dE9 ».
VISIBLE_LENGTH = len(KEY_PREFIX) + 6


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


class PartnerKeyQuerySet(models.QuerySet):
    def editable_by(self, user):
        """Keys ``user`` may see and change: superusers all, département staff those of their
        départements (a key without département is national: superusers only)."""
        from directory.models.people import DepartementStaff

        departements = DepartementStaff.departements_of(user)
        if departements is None:
            return self
        return self.filter(departement_id__in=departements)

    def matching(self, raw: str):
        """The key whose hash is ``raw``'s (one unique-index probe)."""
        return self.filter(key_hash=hash_key(raw))


class PartnerKey(models.Model):
    name = models.CharField(_("partenaire"), max_length=200)
    contact_name = models.CharField(_("personne à contacter"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail du contact"))
    departement = models.ForeignKey(
        "directory.Departement",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_keys",
        verbose_name=_("département"),
        help_text=_("Le département du partenaire ; vide pour un partenaire national (administrateurs seulement)."),
    )
    key_hash = models.CharField(_("empreinte de la clé"), max_length=64, unique=True, editable=False)
    visible_prefix = models.CharField(_("début de la clé"), max_length=VISIBLE_LENGTH, editable=False)
    allowed_hosts = ArrayField(
        models.CharField(max_length=260),
        verbose_name=_("sites autorisés"),
        default=list,
        help_text=_(
            "Un nom de domaine par ligne (www.mairie-exemple.fr, *.exemple.org) : seuls ces sites "
            "peuvent afficher l'annuaire intégré avec cette clé."
        ),
    )
    api_daily_quota = models.PositiveIntegerField(_("requêtes API par jour"), default=10_000)
    widget_daily_quota = models.PositiveIntegerField(_("affichages du widget par jour"), default=20_000)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("créée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = PartnerKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("clé partenaire")
        verbose_name_plural = _("clés partenaires")
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name} ({self.visible_prefix}…)"

    def issue(self) -> str:
        """Give the key a new random value; returns it (the only time it is readable)."""
        raw = new_raw_key()
        self.key_hash = hash_key(raw)
        self.visible_prefix = raw[:VISIBLE_LENGTH]
        return raw

    def can_edit(self, user) -> bool:
        """Superusers; département staff for keys of their départements."""
        from directory.models.people import DepartementStaff

        if not (user.is_authenticated and user.is_active):
            return False
        departements = DepartementStaff.departements_of(user)
        return departements is None or (self.departement_id is not None and self.departement_id in departements)

    @staticmethod
    def can_issue(user) -> bool:
        from directory.models.people import DepartementStaff

        return DepartementStaff.oversees_any(user)


class PartnerKeyUsage(models.Model):
    """One row per key and day: requests to the API and views of the widget, incremented by one
    atomic statement per request (``directory/partners.py``), so writes stay bounded."""

    key = models.ForeignKey(PartnerKey, models.CASCADE, related_name="usage", verbose_name=_("clé"))
    day = models.DateField(_("jour"))
    api_requests = models.PositiveIntegerField(_("requêtes API"), default=0)
    widget_views = models.PositiveIntegerField(_("affichages du widget"), default=0)

    class Meta:
        verbose_name = _("utilisation d'une clé")
        verbose_name_plural = _("utilisations des clés")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="partnerkeyusage_key_day")]

    def __str__(self):
        return f"{self.key_id} {self.day}: {self.api_requests} / {self.widget_views}"
