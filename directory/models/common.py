"""What the models of venues and structures share: validators, the one slug routine, the
array-of-choices field, the edit-conflict error."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

pivot_validator = RegexValidator(
    r"^[a-zA-Z0-9]{9,14}$",
    _("Le pivot doit être un SIRET (14 chiffres), un SIREN (9 chiffres) ou un RNA (W suivi de 9 chiffres)."),
)
postal_code_validator = RegexValidator(r"^\d{5}$", _("Le code postal doit comporter 5 chiffres."))


def choices_array(choices, verbose_name, max_length=120):
    return ArrayField(
        models.CharField(max_length=max_length, choices=choices.choices),
        default=list,
        blank=True,
        verbose_name=verbose_name,
    )


def unique_slug(model, text: str, instance_pk=None, taken: set[str] | None = None) -> str:
    """The one slug routine (``save`` of venues and structures, the importer): ``text``
    slugified (« lieu » when nothing is left), then « -2 », « -3 »… until no other row of
    ``model`` has it. ``taken``: the slugs in use when the caller holds them (a bulk import:
    no query per slug); the new slug is added to it."""
    max_length = model._meta.get_field("slug").max_length
    base = (slugify(text) or "lieu")[: max_length - 6].strip("-")

    def in_use(slug: str) -> bool:
        if taken is not None:
            return slug in taken
        return model.objects.filter(slug=slug).exclude(pk=instance_pk).exists()

    slug, n = base, 2
    while in_use(slug):
        slug, n = f"{base}-{n}", n + 1
    if taken is not None:
        taken.add(slug)
    return slug


class VersionConflict(Exception):
    """Raised when a venue is saved from a stale copy: someone else saved it meanwhile."""

    def __init__(self, venue, expected_version):
        self.venue = venue
        self.expected_version = expected_version
        super().__init__(f"Venue {venue.pk} changed since version {expected_version}.")


# A commune's département is the start of its INSEE code: 2 characters (``59``, ``2A``), 3 for
# overseas (``974``, ``988``). SQL function ``gll_departement_code`` (migration 0006, IMMUTABLE so
# that an index can use it); ``tests/test_territories.py`` checks the rule on every commune of
# the shipped COG.
