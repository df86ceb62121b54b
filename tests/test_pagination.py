"""Pages of venue lists: bounded pages on the HTML list, the bounded walk of text searches,
text-only searches from ``VenueSearchEntry``, and the API's keyset pages; every page lists
exactly what OFFSET would, in French order."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Venue
from directory.pagination import PageBeyondLimit, VenuePaginator, keyset_page
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def whole_list():
    return Venue.objects.public().not_permanently_closed(today()).order_by("sort_name", "pk")


def every_page(paginator):
    """The ids of every page, in order, following the « next » links."""
    found, number = [], 1
    while True:
        page = paginator.page(number)
        found.extend(v.pk for v in page.object_list)
        if not page.has_next():
            return found
        number += 1


def test_the_list_is_in_french_order(hauts_de_france):
    for name in ("CORIF", "Centre social", "Épicerie numérique", "Espace", "atelier", "Œuvre", "Zèbre", "École"):
        VenueFactory(name=name, commune=hauts_de_france.lille)
    names = [v.name for v in whole_list()]
    assert names == ["atelier", "Centre social", "CORIF", "École", "Épicerie numérique", "Espace", "Œuvre", "Zèbre"]


def test_pages_stop_at_the_limit_and_say_so(client, hauts_de_france, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    settings.DIRECTORY_MAX_PAGES = 3
    for n in range(9):
        VenueFactory(name=f"Lieu {n:02d}", commune=hauts_de_france.lille)
    paginator = VenuePaginator(whole_list(), 2, max_pages=3)
    assert every_page(paginator) == list(whole_list().values_list("pk", flat=True))[:6]
    last = paginator.page(3)
    assert last.at_limit and not last.has_next()
    with pytest.raises(PageBeyondLimit):
        paginator.page(4)
    html = client.get(reverse("directory:venue_list"), {"page": 3}).content.decode()
    assert "Lieu 04" in html and "Lieu 05" in html and "Affinez votre recherche" in html
    assert 'rel="next"' not in html
    # a page past the limit: the last one shown, with a notice, never a 404
    response = client.get(reverse("directory:venue_list"), {"page": 40})
    html = response.content.decode()
    assert response.status_code == 200 and "Lieu 04" in html and "premières pages" in html
    # a shorter list asked past its end: its last page
    html = client.get(reverse("directory:venue_list"), {"page": 3, "q": "lieu 01"}).content.decode()
    assert "Cette page n&#x27;existe pas" in html


def test_keyset_pages_are_the_pages_offset_reads(hauts_de_france):
    # Names shared by several venues (ties broken by id), case and accents mixed.
    for n in range(13):
        VenueFactory(name=("Lieu" if n % 2 else "LIEU") + f" {n // 3:02d}", commune=hauts_de_france.lille)
    VenueFactory(name="Élan", commune=hauts_de_france.lille)
    expected = list(whole_list().values_list("pk", flat=True))
    for size in (1, 2, 5, 20):
        found, after = [], None
        while True:
            rows, more = keyset_page(whole_list(), after, size)
            found.extend(v.pk for v in rows)
            if not more:
                break
            after = (rows[-1].sort_name, rows[-1].pk)
        assert found == expected, size


def test_a_keyset_page_is_an_index_range(hauts_de_france):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    VenueFactory(name="Lieu", commune=hauts_de_france.lille)
    with CaptureQueriesContext(connection) as queries:
        keyset_page(whole_list(), ("lieu", 0), 20)
    assert '("directory_venue"."sort_name", "directory_venue"."id") >' in queries[0]["sql"]


# --- text searches: the bounded walk ---------------------------------------------------------


@pytest.mark.parametrize("walk_limit", [1, 3, 7, 1000])
def test_search_pages_by_bounded_walk_are_the_pages_offset_reads(hauts_de_france, monkeypatch, walk_limit):
    from directory import pagination

    monkeypatch.setattr(pagination, "WALK_LIMIT", walk_limit)
    # Médiathèques clustered late in the alphabet, after many other names; some share a name
    # (ties at the walk's bound); one closed for good.
    for n in range(9):
        VenueFactory(name=f"Atelier {n}", commune=hauts_de_france.lille)
    for n in range(11):
        VenueFactory(name=f"Médiathèque {n // 2}", commune=hauts_de_france.lille)
    VenueFactory(name="Médiathèque 9", closed_permanently_on=today() - datetime.timedelta(days=3))
    for text in ("mediatheque", "atelier", "lille", "zzzz"):
        searched = (
            Venue.objects.public()
            .not_permanently_closed(today())
            .search(text)
            .order_by("-search_rank", "sort_name", "pk")
        )
        expected = list(searched.values_list("pk", flat=True))
        for per_page in (1, 2, 3, 5, 20):
            found = every_page(VenuePaginator(searched, per_page))
            assert found == expected, (text, per_page)


def test_a_clustered_common_word_is_read_from_the_full_text_index(hauts_de_france, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from directory import pagination

    monkeypatch.setattr(pagination, "WALK_LIMIT", 5)
    for n in range(6):
        VenueFactory(name=f"Atelier {n}", commune=hauts_de_france.lille)
        VenueFactory(name=f"Médiathèque {n}", commune=hauts_de_france.lille)
    searched = Venue.objects.public().search("mediatheque").order_by("-search_rank", "sort_name", "pk")
    with CaptureQueriesContext(connection) as queries:
        page = VenuePaginator(searched, 4).page(1)
    # one statement for the ids: the walk, then the rest (the rows are read afterwards)
    assert len(queries) == 1 and "WITH walk AS MATERIALIZED" in queries[0]["sql"]
    assert [v.name for v in page.object_list] == [f"Médiathèque {n}" for n in range(4)]


# --- text-only searches: pages from VenueSearchEntry -----------------------------------------


def entries():
    from directory.models import VenueSearchEntry

    return {e.venue_id: (e.sort_name, e.closed_permanently_on) for e in VenueSearchEntry.objects.all()}


def test_search_entries_follow_every_write(hauts_de_france):
    venue = VenueFactory(name="Médiathèque Jules Verne", commune=hauts_de_france.lille)
    other = VenueFactory(name="Atelier", commune=hauts_de_france.lille)
    assert entries() == {venue.pk: ("mediatheque jules verne", None), other.pk: ("atelier", None)}
    venue.name = "Médiathèque Victor Hugo"
    venue.closed_permanently_on = today()
    venue.save()
    assert entries()[venue.pk] == ("mediatheque victor hugo", today())
    Venue.objects.filter(pk=other.pk).update(name="Atelier bis")
    assert entries()[other.pk] == ("atelier bis", None)
    # the last confirmation follows too (hidden venues leave text searches)
    confirmed = timezone.now()
    Venue.objects.filter(pk=other.pk).update(verified_at=confirmed)
    from directory.models import VenueSearchEntry

    assert VenueSearchEntry.objects.get(pk=other.pk).last_checked_at == confirmed
    venue.delete()
    assert set(entries()) == {other.pk}
    from directory.models import VenueSearchEntry

    entry = VenueSearchEntry.objects.get()
    assert entry.search_vector == Venue.objects.values_list("search_vector", flat=True).get(pk=other.pk)


@pytest.mark.parametrize("walk_limit", [1, 4, 1000])
def test_text_only_search_pages_from_entries_are_the_pages_offset_reads(hauts_de_france, monkeypatch, walk_limit):
    from directory import pagination

    monkeypatch.setattr(pagination, "WALK_LIMIT", walk_limit)
    for n in range(7):
        VenueFactory(name=f"Atelier {n}", commune=hauts_de_france.cysoing)
    for n in range(9):
        VenueFactory(name=f"Médiathèque {n // 2}", commune=hauts_de_france.lille)
    VenueFactory(name="Médiathèque 8", closed_permanently_on=today() - datetime.timedelta(days=1))
    VenueFactory(name="Médiathèque 9", closed_permanently_on=today() + datetime.timedelta(days=9))
    for text in ("mediatheque", "mediateque", "atelier cysoing", "lille", "zzzzqq"):
        search = Venue.objects.public().not_permanently_closed(today()).text_search(text)
        searched = search.venues.order_by("-search_rank", "sort_name", "pk")
        expected = list(searched.values_list("pk", flat=True))
        full_text = (search.query, today(), Venue.hiding_cutoff()) if search.query is not None else None
        for per_page in (1, 2, 3, 20):
            found = every_page(VenuePaginator(searched, per_page, full_text=full_text))
            assert found == expected, (text, per_page)


def test_the_list_page_reads_a_text_only_search_from_entries(client, hauts_de_france):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    VenueFactory(name="Médiathèque Jules Verne", commune=hauts_de_france.lille)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("directory:venue_list"), {"q": "mediatheque"}).content.decode()
    assert "Médiathèque Jules Verne" in html
    assert any("directory_venuesearchentry" in q["sql"] for q in queries.captured_queries)
    # with another filter, the venue table
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("directory:venue_list"), {"q": "mediatheque", "scenario": "3"}).content.decode()
    assert not any("directory_venuesearchentry" in q["sql"] for q in queries.captured_queries)


def test_hidden_venues_stay_out_of_text_only_searches(client, hauts_de_france):
    old = timezone.now() - datetime.timedelta(days=800)
    VenueFactory(name="Médiathèque oubliée", commune=hauts_de_france.lille, verified_at=old)
    VenueFactory(name="Médiathèque vivante", commune=hauts_de_france.lille)
    html = client.get(reverse("directory:venue_list"), {"q": "mediatheque"}).content.decode()
    assert "Médiathèque vivante" in html and "Médiathèque oubliée" not in html


def test_nightly_upkeep_keeps_every_page_the_same(hauts_de_france):
    from django.core.management import call_command

    for n in range(20):
        VenueFactory(name=f"Médiathèque {19 - n:02d}", commune=hauts_de_france.lille)
    before = list(whole_list().search("mediatheque").values_list("pk", flat=True))
    VenueFactory(name="Médiathèque 00 bis", commune=hauts_de_france.lille)  # entries out of order
    call_command("maintain_directory", stdout=__import__("io").StringIO())
    search = whole_list().text_search("mediatheque")
    searched = search.venues.order_by("-search_rank", "sort_name", "pk")
    pages = VenuePaginator(searched, 4, full_text=(search.query, today(), Venue.hiding_cutoff()))
    found = [v.pk for n in range(1, 7) for v in pages.page(n).object_list]
    assert found == list(searched.values_list("pk", flat=True)) and len(found) == len(before) + 1
