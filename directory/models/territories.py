"""French territories (INSEE COG 2026), loaded by ``manage.py load_territories``."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import connections, models, transaction
from django.utils.translation import gettext_lazy as _

from directory.text import fold


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)

    class Meta:
        verbose_name = _("région")
        verbose_name_plural = _("régions")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    region = models.ForeignKey(Region, models.PROTECT, related_name="departements", verbose_name=_("région"))
    # Who residents call when nothing is found near them (SMS replies, paper sheets).
    contact_label = models.CharField(_("contact départemental"), max_length=200, blank=True)
    contact_phone = models.CharField(_("téléphone du contact départemental"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("département")
        verbose_name_plural = _("départements")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Epci(models.Model):
    code = models.CharField(_("SIREN"), max_length=9, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, blank=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    search_name = models.CharField(max_length=200, editable=False, default="")

    class Meta:
        verbose_name = _("intercommunalité (EPCI)")
        verbose_name_plural = _("intercommunalités (EPCI)")
        ordering = ["name"]
        indexes = [
            # Serves the EPCI autocomplete and free-text search (``search_name %> q``).
            GinIndex(OpClass("search_name", name="gin_trgm_ops"), name="epci_search_trgm"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)


class CommuneQuerySet(models.QuerySet):
    def matching(self, text: str):
        """Communes whose name is close to ``text`` (accents and one typo forgiven) or whose
        postal code or INSEE code is ``text``."""
        text = (text or "").strip()
        if text.isdigit() or (len(text) == 5 and text[:2].upper() in {"2A", "2B"}):
            return self.filter(models.Q(postal_codes__contains=[text]) | models.Q(code=text.upper()))
        folded = fold(text)
        return self.filter(search_name__trigram_similar=folded)

    def close_to(self, text: str, limit: int = 5, threshold: float = 0.5) -> list:
        """``matching(text)`` run at once, the first ``limit``, with a trigram similarity of at
        least ``threshold`` (PostgreSQL's default is 0.3). The higher threshold lets the trigram
        index itself drop names that merely share a few trigrams: « saint genast » rechecked
        the 4,000 « saint-… » communes one by one; « lile » → Lille is 0.57, still found."""
        with transaction.atomic(using=self.db), connections[self.db].cursor() as cursor:
            cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [threshold])
            return list(self.matching(text)[:limit])


class Commune(models.Model):
    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=200)
    search_name = models.CharField(max_length=200, editable=False, default="")
    postal_codes = ArrayField(models.CharField(max_length=5), default=list, verbose_name=_("codes postaux"))
    population = models.PositiveIntegerField(_("population"), default=0)
    departement = models.ForeignKey(Departement, models.PROTECT, related_name="communes", verbose_name=_("département"))
    epci = models.ForeignKey(
        Epci, models.SET_NULL, null=True, blank=True, related_name="communes", verbose_name=_("EPCI")
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        indexes = [
            # Typo-tolerant commune look-up: ``search_name % 'lile'``.
            GinIndex(OpClass("search_name", name="gin_trgm_ops"), name="commune_search_trgm"),
            # Postal-code look-up: ``postal_codes @> ARRAY['59000']``.
            GinIndex(fields=["postal_codes"], name="commune_postal_codes_gin"),
        ]

    def __str__(self):
        postal = self.postal_codes[0] if self.postal_codes else self.departement_id
        return f"{self.name} ({postal})"

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)

    @property
    def main_postal_code(self):
        return self.postal_codes[0] if self.postal_codes else ""


class CommuneAliasQuerySet(models.QuerySet):
    def arrondissement_of(self, commune_code: str, postal_code: str):
        """The municipal arrondissement (Paris, Lyon, Marseille) that ``postal_code`` names in
        ``commune_code``, for display (« Marseille 4e Arrondissement »); None elsewhere."""
        return (
            self.filter(
                commune_id=commune_code,
                kind=CommuneAlias.Kind.ARRONDISSEMENT,
                postal_codes__contains=[postal_code],
            )
            .order_by("code")
            .first()
        )


class CommuneAlias(models.Model):
    """Another name (and often another INSEE code) under which a current commune is written
    in real files: a delegated or associated commune of a merger, a municipal arrondissement,
    an old INSEE code, or La Poste's delivery label (« CANNES LA BOCCA », « MONTFAVET »).

    Loaded by ``manage.py load_territories`` (all rows replaced at each load: nothing points
    to an alias). The resolver (``directory/territories.py``) reads them in memory."""

    class Kind(models.TextChoices):
        DELEGATED = "commune-deleguee", _("commune déléguée")
        ASSOCIATED = "commune-associee", _("commune associée")
        ARRONDISSEMENT = "arrondissement-municipal", _("arrondissement municipal")
        OLD_CODE = "ancien-code", _("ancien code INSEE")
        POSTAL_LABEL = "libelle-acheminement", _("libellé postal")

    code = models.CharField(_("code INSEE"), max_length=5, blank=True, db_index=True)
    name = models.CharField(_("nom"), max_length=200, blank=True)
    search_name = models.CharField(max_length=200, editable=False, default="")
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    commune = models.ForeignKey(Commune, models.CASCADE, related_name="aliases", verbose_name=_("commune actuelle"))
    postal_codes = ArrayField(models.CharField(max_length=5), default=list, blank=True, verbose_name=_("codes postaux"))

    objects = CommuneAliasQuerySet.as_manager()

    class Meta:
        verbose_name = _("autre nom de commune")
        verbose_name_plural = _("autres noms de communes")
        ordering = ["commune", "kind", "name"]

    def __str__(self):
        return f"{self.name or self.code} → {self.commune_id}"

    def save(self, *args, **kwargs):
        self.search_name = fold(self.name)
        super().save(*args, **kwargs)
