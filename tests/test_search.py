"""Free-text search (``Venue.objects.search``): typos, accents, punctuation, postal codes,
relevance order, and the indexes that serve it."""

import pytest
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection

from directory.models import Venue
from tests.factories import StructureFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def venues(hauts_de_france):
    t = hauts_de_france
    return {
        "lille": VenueFactory(name="Espace public numérique", commune=t.lille, postal_code="59160"),
        "villeneuve": VenueFactory(name="Maison de quartier", commune=t.villeneuve, postal_code="59650"),
        "cysoing": VenueFactory(name="Médiathèque", commune=t.cysoing, postal_code="59830"),
        "templeuve": VenueFactory(name="Centre social de la Pévèle", commune=t.templeuve, postal_code="59242"),
        "arras": VenueFactory(
            name="Point numérique CAF",
            commune=t.arras,
            postal_code="62000",
            structure=StructureFactory(name="Caisse d'allocations familiales du Pas-de-Calais"),
        ),
    }


def found(text):
    return [v.name for v in Venue.objects.search(text).order_by("-search_rank", "name")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("lile", "Espace public numérique"),  # one letter missing
        ("lilles", "Espace public numérique"),  # one letter too many
        ("pevele", "Centre social de la Pévèle"),  # no accents
        ("PÉVÈLE", "Centre social de la Pévèle"),  # upper case with accents
        ("villeneuve dascq", "Maison de quartier"),
        ("Villeneuve d'Ascq", "Maison de quartier"),
        ("villeneuve-d’ascq", "Maison de quartier"),  # typographic apostrophe
        ("mediatheque cysoing", "Médiathèque"),
        ("cysoin", "Médiathèque"),
        ("allocations familiales", "Point numérique CAF"),  # structure name
        ("centres sociaux", "Centre social de la Pévèle"),  # French stemming
    ],
)
def test_typos_accents_and_punctuation(venues, text, expected):
    results = found(text)
    assert results and results[0] == expected


def test_search_does_not_return_everything(venues):
    assert found("arras") == ["Point numérique CAF"]
    assert found("templeuve") == ["Centre social de la Pévèle"]
    assert found("zzzzqqq") == []


@pytest.mark.parametrize(
    "code, expected",
    [
        ("59650", ["Maison de quartier"]),
        ("59830", ["Médiathèque"]),
        # Lille has several postal codes: its venue is found by any of them.
        ("59000", ["Espace public numérique"]),
        ("59800", ["Espace public numérique"]),
        ("75001", []),
    ],
)
def test_postal_codes(venues, code, expected):
    assert found(code) == expected


def test_relevance_order(hauts_de_france):
    VenueFactory(name="Lieu de Lillers", commune=hauts_de_france.arras, postal_code="62000")
    VenueFactory(name="Centre de Lille", commune=hauts_de_france.lille, postal_code="59000")
    assert found("lille")[0] == "Centre de Lille"


@pytest.mark.parametrize("text", ["", "   ", "'", "<>", "--", "%", "_"])
def test_empty_or_punctuation_only_queries_do_not_filter(venues, text):
    assert Venue.objects.search(text).count() == len(venues)


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "a" * 5000, "' OR 1=1 --", "%_%", "\\"])
def test_hostile_text_is_plain_text(venues, text):
    # Never an error: at worst no result.
    assert isinstance(found(text), list)


def _plan(queryset):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_text_search_is_served_by_the_full_text_then_the_trigram_index(venues):
    # Ordered as the list orders a search (relevance first): with ``enable_seqscan = off`` on
    # four rows, the default order (name, id) would walk the ``venue_name_id`` index instead.
    # Words found: the full-text index, or for a common word the name index (name order,
    # stopping at the page); never the trigram index.
    plan = _plan(Venue.objects.search("mediatheque").order_by("-search_rank", "name", "pk").only("pk"))
    assert ("venue_search_fts" in plan or "venue_name_id" in plan) and "venue_search_trgm" not in plan
    assert "search_vector @@" in plan
    assert "Seq Scan on directory_venue" not in plan
    # A typo (no word found): the closest venues come from the trigram index (in search()),
    # then the list reads them by id.
    similarity = TrigramWordSimilarity("lile", "search_text")
    closest = Venue.objects.filter(search_text__trigram_word_similar="lile").annotate(similarity=similarity)
    plan = _plan(closest.order_by("-similarity", "pk").values_list("pk", flat=True)[:200])
    assert "venue_search_trgm" in plan
    assert "Seq Scan on directory_venue" not in plan


def test_a_typo_lists_the_closest_venues_only(hauts_de_france, settings, monkeypatch):
    from directory.models import venues as venue_module

    monkeypatch.setattr(venue_module, "TYPO_RESULTS", 2)
    for name in ("Centre Lille", "Espace Lille Sud", "Maison Lilles", "Atelier Lille-Hellemmes"):
        VenueFactory(name=name, commune=hauts_de_france.cysoing)
    closest = found("lile")
    assert len(closest) == 2


def test_found_words_win_over_look_alikes(hauts_de_france):
    """« Médis » is a commune: its venues, not every « médiathèque » that starts alike."""
    VenueFactory(name="Médiathèque de Cysoing", commune=hauts_de_france.cysoing)
    VenueFactory(name="Espace numérique de Médis", commune=hauts_de_france.lille)
    assert found("medis") == ["Espace numérique de Médis"]
    assert found("Médis") == ["Espace numérique de Médis"]
    # a typo still finds by similarity when no word matches
    assert "Médiathèque de Cysoing" in found("mediateque")


def test_postal_code_search_uses_the_commune_id_index(venues):
    plan = _plan(Venue.objects.search("59000").only("pk"))
    assert "directory_venue_commune_id" in plan
    assert "Seq Scan on directory_venue" not in plan
