"""A mobile venue is where it stops (issue 13, the resident's path): « Autour de moi », the
distance on cards, the « nearest » venues of a place search and « Pendant la fermeture » place
a bus at its nearest stop (``directory/models/distance.py``), not at its home base, and say
which stop it is and its day (« à 2,3 km — arrêt à Mons-en-Pévèle, le jeudi »)."""

import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from directory import enums, territories
from directory.models import Venue
from directory.nearest import days_text, stop_days
from tests.factories import ChannelFactory, ClosurePeriodFactory, CommuneFactory, VenueFactory

pytestmark = pytest.mark.django_db

LIST = reverse("directory:venue_list")
# A resident standing about 2 km west of Mons-en-Pévèle's town hall.
USER = (50.4793, 3.07)
MONS = (50.4804, 3.0996)  # its position in directory/data/commune_positions.json.gz
NEAR = f"{USER[0]},{USER[1]}"


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def world(hauts_de_france):
    hdf = hauts_de_france
    hdf.mons = CommuneFactory(
        code="59411",
        name="Mons-en-Pévèle",
        departement=hdf.nord,
        epci=hdf.pevele,
        postal_codes=["59246"],
        population=2100,
    )
    hdf.hazebrouck = CommuneFactory(
        code="59295", name="Hazebrouck", departement=hdf.nord, postal_codes=["59190"], population=21000
    )
    # A fixed venue about 8 km from the resident, in Templeuve-en-Pévèle.
    hdf.fixed = VenueFactory(
        name="Espace numérique de Templeuve",
        commune=hdf.templeuve,
        postal_code="59242",
        latitude=50.5234,
        longitude=3.1781,
        service_area=enums.ServiceArea.DEPARTEMENT,
    )
    ChannelFactory(venue=hdf.fixed, value="+33353011020")
    # A bus based in Hazebrouck (about 45 km away) whose stop is Mons-en-Pévèle, on Thursdays.
    hdf.bus = VenueFactory(
        name="Bus France Services",
        commune=hdf.hazebrouck,
        postal_code="59190",
        latitude=50.7236,
        longitude=2.5386,
        itinerance=[enums.Itinerance.ITINERANT],
        service_area=enums.ServiceArea.DEPARTEMENT,
    )
    ChannelFactory(
        venue=hdf.bus,
        in_person=True,
        value="Parking de la salle des fêtes de Mons-en-Pévèle",
        label="Arrêt du jeudi",
    )
    ChannelFactory(venue=hdf.bus, value="+33353011021")
    hdf.bus.refresh_from_db()
    return hdf


def km(a, b) -> float:
    return territories.distance_km(a, b)


def places(html: str) -> list[str]:
    return re.findall(r'<p class="venue-place">(.*?)</p>', html)


def names(html: str) -> list[str]:
    return re.findall(r'class="venue-name"><a [^>]*>(.*?)</a>', html)


def distance_shown(value: float) -> str:
    from directory.templatetags.directory_tags import distance

    return distance(value)


def test_stops_are_kept_with_their_positions(world):
    assert world.bus.stop_communes == ["59411"]
    assert world.bus.stop_points == [list(territories.positions()["59411"])]
    # A venue that is not mobile has no stops, whatever its channels say.
    assert world.fixed.stop_communes == [] and world.fixed.stop_points == []


def test_a_bus_stopping_next_to_the_resident_comes_before_a_nearer_fixed_venue(client, world):
    assert km(USER, (world.bus.latitude, world.bus.longitude)) > 40
    assert 5 < km(USER, (world.fixed.latitude, world.fixed.longitude)) < 12
    html = client.get(LIST, {"near": NEAR}).content.decode()
    assert names(html)[:2] == ["Bus France Services", "Espace numérique de Templeuve"]
    stop_km = distance_shown(km(USER, MONS))
    assert places(html)[0] == f"Hazebrouck (59190) · à {stop_km} — arrêt à Mons-en-Pévèle, le jeudi"
    assert places(html)[1].startswith("Templeuve-en-Pévèle (59242) · à ") and "arrêt" not in places(html)[1]
    # The API orders and measures the same way.
    data = client.get("/api/v1/lieux/", {"near": NEAR}).json()
    assert [v["name"] for v in data["results"]][:2] == ["Bus France Services", "Espace numérique de Templeuve"]
    assert data["results"][0]["distance_km"] == pytest.approx(km(USER, MONS), rel=0.01)


def test_autour_de_moi_queries_are_locked(client, world, django_assert_num_queries):
    # One page: the page's ids (KNN walk + the venues with stops, one statement), its rows.
    with django_assert_num_queries(2):
        client.get(LIST, {"near": NEAR})
    for n in range(25):
        ChannelFactory(
            venue=VenueFactory(name=f"Lieu {n:02}", commune=world.lille, latitude=50.60 + n / 1000, longitude=3.05)
        )
    # More pages follow: + the capped count; with a scenario, the same.
    with django_assert_num_queries(3):
        client.get(LIST, {"near": NEAR, "scenario": 3})
    # The last page: its ids say the total, no count.
    with django_assert_num_queries(2):
        client.get(LIST, {"near": NEAR, "page": 2})


def test_pages_by_distance_follow_the_one_distance(world):
    """Every page read by the KNN walk + the venues with stops is the slice of the list sorted
    by the one distance (computed for every venue)."""
    for n in range(30):
        VenueFactory(name=f"Lieu {n:02}", commune=world.lille, latitude=50.40 + n / 100, longitude=3.00 + n / 200)
    for n, commune in enumerate(["Lille", "Cysoing", "Templeuve-en-Pévèle"]):
        bus = VenueFactory(
            name=f"Bus {n}",
            commune=world.arras if n == 0 else world.lille,
            latitude=50.9,
            longitude=2.3,
            itinerance=[enums.Itinerance.ITINERANT, enums.Itinerance.FIXE] if n == 2 else [enums.Itinerance.ITINERANT],
        )
        ChannelFactory(venue=bus, in_person=True, value=f"Place de la mairie de {commune}")
    queryset = Venue.objects.near(*USER).order_by("distance_order", "sort_name", "pk")
    everything = list(queryset.values_list("pk", flat=True))
    assert len(everything) == 35
    for offset in (0, 7, 20, 30):
        assert queryset.nearest_ids(USER, offset, 7) == everything[offset : offset + 7]
    assert [v.pk for v in queryset.nearest(USER, 4)] == everything[:4]


def test_the_knn_index_and_the_stops_index_serve_the_page(world):
    from directory.models.distance import placed_by_stops

    def plan(sql, params):
        with connection.cursor() as cursor:
            # Few rows here: forbid what a small table would rather do, to see what PostgreSQL
            # can use (bench/nearest_stops.py shows the plans at 20,000 venues).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            # Without a scan of the table, a full scan of the narrow covering index
            # (venue_coverage) and a sort is what a tiny table would do instead of the KNN walk.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())

    page = Venue.objects.near(*USER).order_by("distance_order", "sort_name", "pk").nearest_ids_sql(USER, 0, 21)
    # The embedded server (PostgreSQL 18) walks the KNN index in distance order, ties by sort
    # name after. PostgreSQL 15 (the CI's second server) plans these few rows its own way, by
    # the table's statistics of the moment: its plan is not asserted (docs/directory.md).
    if connection.pg_version >= 160000:
        assert re.search(r"Index Scan using venue_earth_knn .*\n\s+Order By", plan(*page))
    # The venues with stops: the partial index's condition is the query's.
    with_stops = Venue.objects.filter(placed_by_stops()).order_by().values_list("pk").query.sql_with_params()
    assert "venue_placed_by_stops" in plan(*with_stops)


def test_a_stop_without_a_known_position_is_placed_at_the_home_base(client, world, monkeypatch):
    known = dict(territories.positions())
    del known["59411"]
    monkeypatch.setattr(territories, "_positions", known)
    world.bus.refresh_stops()
    assert world.bus.stop_points == [[None, None]]
    html = client.get(LIST, {"near": NEAR}).content.decode()
    assert names(html)[:2] == ["Espace numérique de Templeuve", "Bus France Services"]
    home_km = distance_shown(km(USER, (world.bus.latitude, world.bus.longitude)))
    # The distance is the home base's: no stop is named for it.
    assert places(html)[1] == f"Hazebrouck (59190) · à {home_km}"


def test_a_bus_that_also_receives_at_its_base_is_as_near_as_the_nearer_of_both(client, world):
    Venue.objects.filter(pk=world.bus.pk).update(
        itinerance=[enums.Itinerance.ITINERANT, enums.Itinerance.FIXE], latitude=50.47, longitude=3.065
    )
    html = client.get(LIST, {"near": NEAR}).content.decode()
    assert names(html)[0] == "Bus France Services"
    assert places(html)[0] == f"Hazebrouck (59190) · à {distance_shown(km(USER, (50.47, 3.065)))}"


def test_the_venue_page_from_autour_de_moi_says_which_stop_is_nearest(client, world, django_assert_num_queries):
    back = f"near={USER[0]}%2C{USER[1]}&scenario=2"
    # The sheet's one query (+ the département's name for its service area), distance included.
    with django_assert_num_queries(2):
        html = client.get(world.bus.get_absolute_url(), {"retour": back}).content.decode()
    stop_km = distance_shown(km(USER, MONS))
    assert f"Depuis votre position : à {stop_km} — arrêt à Mons-en-Pévèle, le jeudi" in html
    html = client.get(world.fixed.get_absolute_url(), {"retour": back}).content.decode()
    assert "Depuis votre position : à " in html and "arrêt" not in html.split("Depuis votre position")[1][:80]
    # Without a position, or with a bad one, nothing is said.
    for query in ({}, {"retour": "near=abc"}, {"retour": "q=lille"}):
        assert "Depuis votre position" not in client.get(world.bus.get_absolute_url(), query).content.decode()


def test_closure_alternatives_place_a_bus_at_its_nearest_stop(client, world):
    closed = VenueFactory(
        name="Mairie de Mons-en-Pévèle",
        commune=world.mons,
        postal_code="59246",
        latitude=50.4800,
        longitude=3.0990,
    )
    ChannelFactory(venue=closed, value="+33353011022")
    ClosurePeriodFactory(venue=closed)
    today = timezone.localdate()
    found = list(Venue.objects.open_alternatives_to(closed, None, today))
    assert [v.name for v in found] == ["Bus France Services", "Espace numérique de Templeuve"]
    assert found[0].alternative_km == pytest.approx(km((50.48, 3.099), MONS), rel=0.02)
    html = client.get(closed.get_absolute_url()).content.decode()
    block = html.split('id="pendant-fermeture"')[1]
    assert block.index("Bus France Services") < block.index("Espace numérique de Templeuve")
    assert "Hazebrouck · à " in block and " — arrêt à Mons-en-Pévèle, le jeudi" in block


def test_place_search_groups_and_nearest_use_the_nearest_stop(client, world):
    # Cysoing: both serve it (département-wide services). Templeuve's venue is 6 km away, the
    # bus's stop 13 km and its home base 50 km: the card measures from the stop.
    html = client.get(LIST, {"q": "cysoing"}).content.decode()
    assert names(html)[:2] == ["Espace numérique de Templeuve", "Bus France Services"]
    cysoing = territories.positions()["59168"]
    stop_km = distance_shown(km(cysoing, MONS))
    assert f"Hazebrouck (59190) · à {stop_km} — arrêt à Mons-en-Pévèle, le jeudi" in places(html)
    # Searching the stop's commune: the bus is there, on its day (no distance to itself).
    html = client.get(LIST, {"q": "mons en pevele"}).content.decode()
    assert names(html)[0] == "Bus France Services"
    assert places(html)[0] == "Hazebrouck (59190) · arrêt à Mons-en-Pévèle, le jeudi"


def test_the_nearest_venues_of_a_place_nobody_serves_use_the_nearest_stop(client, world, django_assert_num_queries):
    # Nobody serves Bersée (next to Mons-en-Pévèle) once the venues serve only their commune.
    CommuneFactory(code="59071", name="Bersée", departement=world.nord, epci=world.pevele, postal_codes=["59235"])
    Venue.objects.update(service_area=enums.ServiceArea.COMMUNE)
    territories.forget_shared_index()  # read again with Bersée
    client.get(LIST, {"q": "bersee"})  # the commune index, loaded once per process
    # The page's ids; the name block (words as typed, one query); the nearest venues, KNN walk
    # and venues with stops in ONE query; the département's contact, read twice (here and by
    # the offline tools block).
    with django_assert_num_queries(5):
        html = client.get(LIST, {"q": "bersee"}).content.decode()
    assert "Aucun lieu ne dessert" in html
    nearest = html.split("Aucun lieu ne dessert")[1]
    assert nearest.index("Bus France Services") < nearest.index("Espace numérique de Templeuve")
    bersee = territories.positions()["59071"]
    assert f"Hazebrouck · à {distance_shown(km(bersee, MONS))} — arrêt à Mons-en-Pévèle, le jeudi" in nearest


@pytest.mark.parametrize(
    ("value", "label", "availability", "days"),
    [
        ("Parking de Mons-en-Pévèle", "Arrêt du jeudi", "", "le jeudi"),
        ("Templeuve-en-Pévèle le mardi ; Mons-en-Pévèle les jeudis", "Arrêts", "", "le jeudi"),
        ("Place de Mons-en-Pévèle", "", "Le 1er mercredi du mois, 9 h – 12 h", "le premier mercredi du mois"),
        ("Mons-en-Pévèle, mardi et vendredi matin", "", "", "le mardi et le vendredi"),
        ("Place de la mairie de Cysoing", "Arrêt du jeudi", "", ""),  # another stop
        ("Mons-en-Pévèle, devant l'église", "", "", ""),  # no day said
    ],
)
def test_the_day_of_a_stop_comes_from_the_channel_naming_it(value, label, availability, days):
    rows = [{"kind": enums.ChannelKind.IN_PERSON, "value": value, "label": label, "availability": availability}]
    assert days_text(stop_days(rows, "Mons-en-Pévèle")) == days


def test_a_stop_in_the_bus_own_commune_is_not_named_twice(client, world):
    Venue.objects.filter(pk=world.bus.pk).update(commune=world.mons, postal_code="59246")
    html = client.get(LIST, {"near": NEAR}).content.decode()
    assert (
        places(html)[0]
        == f"Mons-en-Pévèle (59246) · à {distance_shown(km(USER, MONS))} — arrêt dans sa commune, le jeudi"
    )


def test_refresh_stops_after_bulk_loads_fills_positions(world):
    from directory.maintenance import refresh_stops

    Venue.objects.filter(pk=world.bus.pk).update(stop_communes=[], stop_points=[])
    assert refresh_stops() == 1
    world.bus.refresh_from_db()
    assert world.bus.stop_points == [list(territories.positions()["59411"])]
    assert refresh_stops() == 0
