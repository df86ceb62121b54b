"""The change feed for re-users: /api/v1/changements/ and the Atom feed per territory."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.changes import changes_since, decode_cursor, encode_cursor, parse_since
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def before():
    return timezone.now() - datetime.timedelta(seconds=1)


def feed(client, **params):
    response = client.get(reverse("api:change-list"), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_created_updated_and_removed_venues_since_a_time(client, hauts_de_france, before):
    t = hauts_de_france
    old = VenueFactory(commune=t.lille, name="Médiathèque ancienne")
    old_gone = VenueFactory(commune=t.lille, name="Lieu fermé")
    untouched = VenueFactory(commune=t.arras, name="Sans changement")
    # Back-date the three venues' creation: they existed before the harvest time.
    for venue in (old, old_gone, untouched):
        venue.history.update(history_date=before - datetime.timedelta(days=3))
    since = before - datetime.timedelta(days=1)

    new = VenueFactory(commune=t.cysoing, name="Nouveau lieu")
    ChannelFactory(venue=old, sms=True)  # a channel added counts as an update of its venue
    gone_slug = old_gone.slug
    old_gone.delete()

    results = feed(client, depuis=since.isoformat())["resultats"]
    by_slug = {r["lieu"]: r for r in results}
    assert set(by_slug) == {new.slug, old.slug, gone_slug}
    assert by_slug[new.slug]["type"] == "creation"
    assert by_slug[old.slug]["type"] == "modification"
    assert by_slug[gone_slug]["type"] == "suppression"
    assert by_slug[gone_slug]["url"] is None
    assert by_slug[old.slug]["url"].endswith(reverse("api:venue-detail", args=[old.slug]))
    assert by_slug[new.slug]["code_insee"] == t.cysoing.code
    # Oldest change first.
    dates = [r["date"] for r in results]
    assert dates == sorted(dates)


def test_a_closure_counts_as_an_update(client, hauts_de_france, before):
    venue = VenueFactory(commune=hauts_de_france.lille)
    venue.history.update(history_date=before - datetime.timedelta(days=3))
    ClosurePeriodFactory(venue=venue, starts_on=timezone.localdate(), ends_on=None)
    results = feed(client, depuis=(before - datetime.timedelta(days=1)).isoformat())["resultats"]
    assert [(r["lieu"], r["type"]) for r in results] == [(venue.slug, "modification")]


def test_cursor_pages_cover_every_change_once(client, hauts_de_france, before):
    venues = [VenueFactory(commune=hauts_de_france.lille) for _ in range(7)]
    seen = []
    page = feed(client, depuis=before.isoformat(), limite=3)
    while True:
        seen += [r["lieu"] for r in page["resultats"]]
        assert len(page["resultats"]) <= 3
        if not page["suivant"]:
            break
        response = client.get(page["suivant"])
        assert response.status_code == 200
        page = response.json()
    assert sorted(seen) == sorted(v.slug for v in venues)


def test_territory_filter(client, hauts_de_france, before):
    t = hauts_de_france
    in_nord = VenueFactory(commune=t.lille)
    VenueFactory(commune=t.arras)
    for territory in ("59", t.lille.code, "200093201"):
        results = feed(client, depuis=before.isoformat(), territoire=territory)["resultats"]
        assert [r["lieu"] for r in results] == [in_nord.slug], territory


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "depuis"),
        ({"depuis": "hier"}, "depuis"),
        ({"depuis": "2026-13-40"}, "depuis"),
        ({"depuis": "2026-11-30", "curseur": "pas-un-curseur"}, "curseur"),
        ({"depuis": "2026-11-30", "territoire": "99999"}, "territoire"),
        ({"depuis": "2026-11-30", "limite": "0"}, "limite"),
        ({"depuis": "2026-11-30", "limite": "abc"}, "limite"),
        ({"depuis": "2026-11-30", "limite": "201"}, "limite"),
    ],
)
def test_bad_parameters_get_a_french_400(client, hauts_de_france, params, field):
    response = client.get(reverse("api:change-list"), params)
    assert response.status_code == 400
    assert field in response.json()


def test_cursor_round_trip_and_garbage():
    at = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC)
    assert decode_cursor(encode_cursor(at, 42)) == (at, 42)
    for garbage in ("", "x", "====", encode_cursor(at, 42)[:-4], "MjAyNi0xMS0zMHwtMQ"):
        assert decode_cursor(garbage) is None


def test_parse_since_accepts_dates_and_zones():
    assert parse_since("2026-11-30") == timezone.make_aware(datetime.datetime(2026, 11, 30))
    assert parse_since("2026-11-30T08:00:00Z") == datetime.datetime(2026, 11, 30, 8, tzinfo=datetime.UTC)
    for bad in ("", "2026", "30/11/2026", "x" * 100, "1900-01-01"):
        assert parse_since(bad) is None


def test_a_page_costs_two_queries_whatever_the_number_of_changes(hauts_de_france, before, django_assert_num_queries):
    for _ in range(5):
        ChannelFactory(venue=VenueFactory(commune=hauts_de_france.lille))
    with django_assert_num_queries(2):
        changes = changes_since(before, limit=100)
    assert len(changes) == 5


def test_atom_feed_per_territory(client, hauts_de_france, before):
    t = hauts_de_france
    venue = VenueFactory(commune=t.lille, name="Centre social Arbrisseau")
    VenueFactory(commune=t.arras, name="Ailleurs")
    response = client.get(reverse("directory:territory_changes", args=["59"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    titles = [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")]
    assert titles == ["Nouveau lieu : Centre social Arbrisseau"]
    link = root.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert link.endswith(venue.get_absolute_url())
    assert client.get(reverse("directory:territory_changes", args=["99999"])).status_code == 404
