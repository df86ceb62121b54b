"""Free-text search (``Venue.objects.search``): typos, accents, punctuation, postal codes,
relevance order, and the indexes that serve it."""

import pytest
from django.db import connection

from directory.models import SearchWord, Venue
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
        # Statistics as they are, not as autovacuum last saw them: the plan of a five-row table
        # otherwise depends on when it ran.
        cursor.execute("ANALYZE directory_venue, directory_commune")
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_text_search_is_served_by_the_full_text_then_the_word_list_index(venues):
    # Ordered as the list orders a search (relevance first): with ``enable_seqscan = off`` on
    # four rows, the default order (name, id) would walk the ``venue_name_id`` index instead.
    # Words found: the full-text index, or for a common word the name index (name order,
    # stopping at the page).
    plan = _plan(Venue.objects.search("mediatheque").order_by("-search_rank", "name", "pk").only("pk"))
    assert "venue_search_fts" in plan or "venue_name_id" in plan
    assert "search_vector @@" in plan
    assert "Seq Scan on directory_venue" not in plan
    # A typo (no word found): its look-alikes come from the word list's trigram index, then the
    # venues from the full-text index again. (A few thousand words, as at national scale: on
    # twenty, reading the whole primary key is cheaper.)
    SearchWord.objects.bulk_create(SearchWord(word=f"{n:x}mot{n * 7919 % 10007:x}") for n in range(5000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_searchword")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT word FROM directory_searchword WHERE word %% %s ORDER BY word <-> %s LIMIT 5",
            ["lile", "lile"],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "searchword_trgm" in plan
    plan = _plan(Venue.objects.search("lile").order_by("-search_rank", "name", "pk").only("pk"))
    assert "search_vector @@" in plan
    assert "Seq Scan on directory_venue" not in plan


def test_a_typo_lists_the_venues_of_the_closest_word(hauts_de_france):
    for name in ("Centre Lille", "Espace Lille Sud", "Maison de Lisle", "Lieu de Lillers"):
        VenueFactory(name=name, commune=hauts_de_france.cysoing)
    # « lile » is closest to « lille » (0.57), then « lisle » (0.375) and « lillers » (0.3)
    results = Venue.objects.text_search("lile")
    assert sorted(v.name for v in results.venues) == ["Centre Lille", "Espace Lille Sud"]
    assert results.correction == "lille"
    # the page is told what was searched instead; words found as typed need no note
    assert Venue.objects.text_search("lille").correction is None


def test_a_typo_in_one_word_of_several(hauts_de_france):
    VenueFactory(name="Médiathèque Jules Verne", commune=hauts_de_france.cysoing)
    VenueFactory(name="Médiathèque Victor Hugo", commune=hauts_de_france.cysoing)
    VenueFactory(name="Maison Jules Ferry", commune=hauts_de_france.cysoing)
    assert found("mediateque jules") == ["Médiathèque Jules Verne"]
    # a word nothing looks like is left out; French stop words never decide
    assert found("mediatheque de jules zzzzqq") == ["Médiathèque Jules Verne"]


def test_when_the_closest_words_are_never_together_any_look_alike_does(hauts_de_france):
    VenueFactory(name="Maison de Lisle", commune=hauts_de_france.cysoing)
    VenueFactory(name="Centre Lille", commune=hauts_de_france.arras, postal_code="62000")
    # « lile cysoing »: « lille » is closest, but Cysoing has no venue with it; « lisle » is
    # the next look-alike. (« lilas » would be found as typed: both stem to « lil ».)
    results = Venue.objects.text_search("lile cysoing")
    assert [v.name for v in results.venues] == ["Maison de Lisle"]
    assert results.correction == ""


# --- the word list ---------------------------------------------------------------------------


def words():
    return set(SearchWord.objects.values_list("word", flat=True))


def test_the_word_list_follows_every_write(hauts_de_france):
    venue = VenueFactory(name="Espace Jacquard", commune=hauts_de_france.cysoing)
    # words of the name, the commune, the structure; hyphenated parts; no stop word, no
    # one-letter word
    assert {"espace", "jacquard", "cysoing"} <= words()
    assert "de" not in words() and "d" not in words()
    venue.name = "Espace Vaucanson"
    venue.save()
    assert "vaucanson" in words() and "jacquard" not in words()
    # a word another venue still uses stays
    other = VenueFactory(name="Atelier Vaucanson", commune=hauts_de_france.cysoing)
    venue.delete()
    assert "vaucanson" in words() and "espace" not in words()
    # bulk writes (imports use COPY and UPDATE … FROM) go through the same triggers
    Venue.objects.filter(pk=other.pk).update(search_text="atelier tisserand cysoing")
    assert "tisserand" in words() and "vaucanson" not in words()
    Venue.objects.all().delete()
    assert words() == set()


def test_the_word_list_is_cut_like_queries(hauts_de_france):
    VenueFactory(name="Point numérique de Villeneuve-d'Ascq", commune=hauts_de_france.villeneuve)
    assert {"point", "numerique", "villeneuve", "ascq"} <= words()
    assert not any("-" in word or "'" in word for word in words())


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
    assert "directory_venue_commune_id" in plan, plan
    assert "Seq Scan on directory_venue" not in plan


@pytest.mark.parametrize(
    "typed, meant, mistakes",
    [("socail", "social", 1), ("lile", "lille", 1), ("mediateque", "mediatheque", 1), ("lile", "lilas", 2),
     ("ab", "ba", 1), ("", "abc", 3), ("cysoing", "cysoing", 0)],
)  # fmt: skip
def test_typing_mistakes_count_a_swap_as_one(typed, meant, mistakes):
    from directory.models.search import typing_mistakes

    assert typing_mistakes(typed, meant) == mistakes


def test_two_swapped_letters_are_forgiven(hauts_de_france):
    # « socail » shares few trigrams with « social » (0.27) but is one typing mistake away
    VenueFactory(name="Centre social de Fives", commune=hauts_de_france.lille)
    VenueFactory(name="Centre de loisirs", commune=hauts_de_france.lille)
    results = Venue.objects.text_search("centre socail")
    assert [v.name for v in results.venues] == ["Centre social de Fives"]
    assert results.correction == "centre social"
