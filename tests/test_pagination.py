"""Deep pages of the whole list start from name buckets (``directory/models/listing.py``) and
list exactly what OFFSET would, through every kind of write."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Venue, VenueNameBucket, listing
from directory.pagination import VenuePaginator
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_buckets(monkeypatch):
    monkeypatch.setattr(listing, "BUCKET_STEP", 3)
    monkeypatch.setattr(listing, "BUCKET_MAX", 12)


def today():
    return timezone.localdate()


def whole_list():
    return Venue.objects.public().not_permanently_closed(today()).order_by("name", "pk")


def every_page(paginator):
    """The ids of every page, in order, following the « next » links."""
    found, number = [], 1
    while True:
        page = paginator.page(number)
        found.extend(v.pk for v in page.object_list)
        if not page.has_next():
            return found
        number += 1


def all_pages(per_page, buckets=True):
    return every_page(VenuePaginator(whole_list(), per_page, buckets_on=today() if buckets else None))


def assert_pages_match_offset():
    expected = list(whole_list().values_list("pk", flat=True))
    for per_page in (1, 2, 4, 5):
        assert all_pages(per_page) == expected, per_page


def bucket_counts():
    return dict(VenueNameBucket.objects.values_list("start_name", "listed"))


def test_pages_from_buckets_are_the_pages_offset_reads(hauts_de_france, small_buckets, monkeypatch):
    # Names shared by several venues, some across a boundary; venues closed for good (left
    # out), and closing later (still listed, not counted in the buckets).
    for n in range(26):
        VenueFactory(name=f"Lieu {n // 3:02d}", commune=hauts_de_france.lille)
    VenueFactory(name="Lieu 03", closed_permanently_on=today() - datetime.timedelta(days=1))
    VenueFactory(name="Lieu 05", closed_permanently_on=today() + datetime.timedelta(days=30))
    VenueFactory(name="Lieu 01", closed_permanently_on=today() + datetime.timedelta(days=1))
    listing.rebuild()
    assert len(bucket_counts()) > 5
    assert sum(bucket_counts().values()) == Venue.objects.filter(closed_permanently_on__isnull=True).count()
    located = []
    real_locate = listing.locate
    monkeypatch.setattr(listing, "locate", lambda *args, **kwargs: located.append(args) or real_locate(*args, **kwargs))
    assert_pages_match_offset()
    assert len(located) > 20  # every page past the first bucket
    # the buckets are used: page 5 of 2 starts from a bucket, reading from its first name
    start_name, position = listing.locate(8, today())
    assert start_name and position <= 8


def test_bucket_counts_follow_every_write(hauts_de_france, small_buckets):
    venues = [VenueFactory(name=f"Lieu {n:02d}", commune=hauts_de_france.lille) for n in range(15)]
    listing.rebuild()
    # an insert, a rename across buckets, a closure for good, a reopening, a deletion, a bulk
    # update: after each, the counts are exact and the pages those of OFFSET
    VenueFactory(name="Lieu 04 bis", commune=hauts_de_france.lille)
    assert_pages_match_offset()
    venues[1].name = "Lieu 13 bis"
    venues[1].save()
    assert_pages_match_offset()
    venues[2].closed_permanently_on = today()
    venues[2].save()
    assert_pages_match_offset()
    venues[2].closed_permanently_on = None
    venues[2].save()
    assert_pages_match_offset()
    venues[3].delete()
    assert_pages_match_offset()
    Venue.objects.filter(name__lt="Lieu 05").update(name="Zone")
    assert_pages_match_offset()
    assert sum(bucket_counts().values()) == Venue.objects.filter(closed_permanently_on__isnull=True).count()


def test_a_grown_bucket_is_rebuilt_on_read(hauts_de_france, small_buckets):
    listing.rebuild()  # no venue yet: one bucket, ''
    for n in range(20):
        VenueFactory(name=f"Lieu {n:02d}", commune=hauts_de_france.lille)
    assert bucket_counts() == {"": 20}
    assert_pages_match_offset()
    assert len(bucket_counts()) > 5 and max(bucket_counts().values()) <= 12


def test_without_buckets_pages_use_offset(hauts_de_france, small_buckets):
    for n in range(8):
        VenueFactory(name=f"Lieu {n:02d}", commune=hauts_de_france.lille)
    VenueNameBucket.objects.all().delete()  # as a test database flush leaves it
    assert listing.locate(5, today()) is None
    assert_pages_match_offset()


def test_the_list_page_uses_buckets_only_without_filters(client, hauts_de_france, small_buckets, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    for n in range(12):
        VenueFactory(name=f"Lieu {n:02d}", commune=hauts_de_france.lille)
    listing.rebuild()
    html = client.get(reverse("directory:venue_list"), {"page": 4}).content.decode()
    assert "Lieu 06" in html and "Lieu 07" in html and "Lieu 08" not in html
    # a filter: OFFSET on the filtered list
    html = client.get(reverse("directory:venue_list"), {"page": 2, "departement": "59"}).content.decode()
    assert "Lieu 02" in html and "Lieu 03" in html and "Lieu 04" not in html


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
            Venue.objects.public().not_permanently_closed(today()).search(text).order_by("-search_rank", "name", "pk")
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
    searched = Venue.objects.public().search("mediatheque").order_by("-search_rank", "name", "pk")
    with CaptureQueriesContext(connection) as queries:
        page = VenuePaginator(searched, 4).page(1)
    # one statement for the ids: the walk, then the rest (the rows are read afterwards)
    assert len(queries) == 1 and "WITH walk AS MATERIALIZED" in queries[0]["sql"]
    assert [v.name for v in page.object_list] == [f"Médiathèque {n}" for n in range(4)]


# --- text-only searches: pages from VenueSearchEntry -----------------------------------------


def entries():
    from directory.models import VenueSearchEntry

    return {e.venue_id: (e.name, e.closed_permanently_on) for e in VenueSearchEntry.objects.all()}


def test_search_entries_follow_every_write(hauts_de_france):
    venue = VenueFactory(name="Médiathèque Jules Verne", commune=hauts_de_france.lille)
    other = VenueFactory(name="Atelier", commune=hauts_de_france.lille)
    assert entries() == {venue.pk: ("Médiathèque Jules Verne", None), other.pk: ("Atelier", None)}
    venue.name = "Médiathèque Victor Hugo"
    venue.closed_permanently_on = today()
    venue.save()
    assert entries()[venue.pk] == ("Médiathèque Victor Hugo", today())
    Venue.objects.filter(pk=other.pk).update(name="Atelier bis")
    assert entries()[other.pk] == ("Atelier bis", None)
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
        searched = (
            Venue.objects.public().not_permanently_closed(today()).search(text).order_by("-search_rank", "name", "pk")
        )
        expected = list(searched.values_list("pk", flat=True))
        for per_page in (1, 2, 3, 20):
            found = every_page(VenuePaginator(searched, per_page, text_search_on=today()))
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


def test_nightly_upkeep_keeps_every_page_the_same(hauts_de_france, small_buckets):
    from django.core.management import call_command

    for n in range(20):
        VenueFactory(name=f"Médiathèque {19 - n:02d}", commune=hauts_de_france.lille)
    listing.rebuild()
    before = list(whole_list().search("mediatheque").values_list("pk", flat=True))
    VenueFactory(name="Médiathèque 00 bis", commune=hauts_de_france.lille)  # buckets drift
    call_command("maintain_directory", stdout=__import__("io").StringIO())
    assert max(bucket_counts().values()) <= 3 * 2  # fresh boundaries
    assert_pages_match_offset()
    searched = whole_list().search("mediatheque").order_by("-search_rank", "name", "pk")
    pages = VenuePaginator(searched, 4, text_search_on=today())
    found = [v.pk for n in range(1, 7) for v in pages.page(n).object_list]
    assert found == list(searched.values_list("pk", flat=True)) and len(found) == len(before) + 1
