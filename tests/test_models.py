"""Venue and closure models: database constraints, clean(), slugs and search text."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from directory.models import ClosurePeriod, Structure, Venue
from tests.factories import ClosurePeriodFactory, StructureFactory, VenueFactory

pytestmark = pytest.mark.django_db


def assert_integrity_error(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        VenueFactory(**fields)


# --- database constraints -----------------------------------------------------------------------


def test_coordinates_are_both_or_none(hauts_de_france):
    lille = hauts_de_france.lille
    assert_integrity_error(commune=lille, latitude=50.63, longitude=None)
    assert_integrity_error(commune=lille, latitude=None, longitude=3.06)
    assert VenueFactory(commune=lille, latitude=None, longitude=None).pk
    assert VenueFactory(commune=lille, latitude=50.63, longitude=3.06).pk


@pytest.mark.parametrize(("lat", "lon"), [(90.5, 3.0), (-91, 3.0), (50.0, 180.1), (50.0, -181)])
def test_coordinates_must_be_in_range(hauts_de_france, lat, lon):
    assert_integrity_error(commune=hauts_de_france.lille, latitude=lat, longitude=lon)


def test_coordinates_on_the_bounds_are_accepted(hauts_de_france):
    assert VenueFactory(commune=hauts_de_france.lille, latitude=90, longitude=-180).pk


@pytest.mark.parametrize("postal_code", ["5900", "ABCDE", "59 00", "5900A", ""])
def test_postal_code_must_have_five_digits(hauts_de_france, postal_code):
    assert_integrity_error(commune=hauts_de_france.lille, postal_code=postal_code)


def test_source_and_external_id_are_unique_together(hauts_de_france):
    lille = hauts_de_france.lille
    VenueFactory(commune=lille, source="import-59", external_id="lieu-1")
    VenueFactory(commune=lille, source="import-62", external_id="lieu-1")  # other source: fine
    assert_integrity_error(commune=lille, source="import-59", external_id="lieu-1")


def test_many_venues_may_have_no_external_id(hauts_de_france):
    VenueFactory(commune=hauts_de_france.lille, source="saisie", external_id="")
    VenueFactory(commune=hauts_de_france.lille, source="saisie", external_id="")
    assert Venue.objects.filter(source="saisie").count() == 2


def test_closure_cannot_end_before_it_starts(hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    today = timezone.localdate()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClosurePeriodFactory(venue=venue, starts_on=today, ends_on=today - datetime.timedelta(days=1))
    # A one-day closure and an open-ended one are fine.
    assert ClosurePeriodFactory(venue=venue, starts_on=today, ends_on=today).pk
    assert ClosurePeriodFactory(venue=venue, starts_on=today, ends_on=None).pk


def test_closure_full_clean_reports_the_date_order_in_french(hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    today = timezone.localdate()
    closure = ClosurePeriod(venue=venue, starts_on=today, ends_on=today - datetime.timedelta(days=2))
    with pytest.raises(ValidationError, match="date de fin doit être postérieure"):
        closure.full_clean()


# --- clean() ------------------------------------------------------------------------------------


def test_clean_refuses_a_postal_code_of_another_commune(hauts_de_france):
    venue = VenueFactory.build(commune=hauts_de_france.cysoing, postal_code="59000", structure=None)
    with pytest.raises(ValidationError) as info:
        venue.full_clean()
    assert info.value.message_dict["postal_code"] == ["Le code postal 59000 ne correspond pas à la commune Cysoing."]


def test_clean_accepts_any_postal_code_of_the_commune(hauts_de_france):
    for code in hauts_de_france.lille.postal_codes:
        venue = VenueFactory.build(commune=hauts_de_france.lille, postal_code=code, structure=None)
        venue.full_clean()


def test_clean_explains_unreadable_opening_hours(hauts_de_france):
    venue = VenueFactory.build(commune=hauts_de_france.lille, opening_hours="lundi 9h-12h", structure=None)
    with pytest.raises(ValidationError) as info:
        venue.full_clean()
    assert "Horaires illisibles" in info.value.message_dict["opening_hours"][0]
    assert "format OpenStreetMap" in info.value.message_dict["opening_hours"][0]


def test_clean_accepts_valid_opening_hours(hauts_de_france):
    venue = VenueFactory.build(
        commune=hauts_de_france.lille,
        opening_hours="Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off",
        structure=None,
    )
    venue.full_clean()


def test_clean_refuses_half_coordinates(hauts_de_france):
    venue = VenueFactory.build(commune=hauts_de_france.lille, latitude=50.6, longitude=None, structure=None)
    with pytest.raises(ValidationError, match="latitude et la longitude"):
        venue.full_clean()


def test_clean_refuses_a_bad_pivot(hauts_de_france):
    venue = VenueFactory.build(commune=hauts_de_france.lille, pivot="12-34", structure=None)
    with pytest.raises(ValidationError) as info:
        venue.full_clean()
    assert "pivot" in info.value.message_dict


# --- slug and search text -----------------------------------------------------------------------


def test_slugs_are_generated_unique_and_stable(hauts_de_france):
    first = VenueFactory(name="Centre social Mosaïque", commune=hauts_de_france.lille)
    second = VenueFactory(name="Centre social Mosaïque", commune=hauts_de_france.lille)
    assert first.slug == "centre-social-mosaique-lille"
    assert second.slug == "centre-social-mosaique-lille-2"
    first.name = "Centre social Mosaïque (Fives)"
    first.save()
    first.refresh_from_db()
    assert first.slug == "centre-social-mosaique-lille"


def test_a_name_without_letters_still_gets_a_slug(hauts_de_france):
    venue = VenueFactory(name="!!!", commune=hauts_de_france.lille)
    assert venue.slug == "lille"
    assert VenueFactory(name="!!!", commune=hauts_de_france.lille).slug == "lille-2"


def test_structure_slug_is_unique(db):
    assert StructureFactory(name="Ville de Lille").slug == "ville-de-lille"
    assert StructureFactory(name="Ville de Lille").slug == "ville-de-lille-2"
    assert Structure.objects.count() == 2


def test_search_text_is_folded_and_follows_edits(hauts_de_france):
    structure = StructureFactory(name="CC Pévèle-Carembault")
    venue = VenueFactory(
        name="Médiathèque  œuvres",
        commune=hauts_de_france.templeuve,
        structure=structure,
        structure_parente="Réseau Graines de Lire",
    )
    venue.refresh_from_db()
    assert (
        venue.search_text == "mediatheque oeuvres templeuve-en-pevele 59242 cc pevele-carembault reseau graines de lire"
    )
    venue.name = "Espace numérique"
    venue.save()
    venue.refresh_from_db()
    assert venue.search_text.startswith("espace numerique templeuve-en-pevele")
    assert Venue.objects.search("mediatheque").count() == 0
    assert list(Venue.objects.search("pévèle numérique")) == [venue]
