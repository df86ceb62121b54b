"""Distance figures of the coverage page: per scenario, the population whose commune is within
10, 20 and 30 km of a venue with an in-person channel working that day (the one « reachable »
definition, closures included), a mobile venue's stops at distance 0, communes without a
position counted apart; the page's table, the export columns, the query count, and the grid
search against a brute-force reference."""

import csv
import datetime
import io
import math
import random
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from directory import coverage, coverage_distance, coverage_maps, enums
from tests.factories import ChannelFactory, ClosurePeriodFactory, UserFactory, VenueFactory

URL = reverse("directory:coverage")
AREA = enums.ServiceArea
LILLE = (50.63, 3.06)
# Hauts-de-France fixture populations.
POP = {"lille": 236_710, "villeneuve": 62_000, "cysoing": 4_900, "templeuve": 6_100, "arras": 41_000}


def north(km):
    """A position ``km`` kilometres north of Lille (1° of latitude = 111.19 km)."""
    return (round(LILLE[0] + km / coverage_distance.KM_PER_DEGREE, 6), LILLE[1])


# Lille 0, Villeneuve 5 km, Cysoing 15 km, Templeuve 26 km north; Arras 40 km south. Every
# pairwise distance is at least 1 km away from a threshold.
PLACES = {"lille": 0, "villeneuve": 5, "cysoing": 15, "templeuve": 26, "arras": -40}


@pytest.fixture
def world(monkeypatch, hauts_de_france):
    t = hauts_de_france
    t.positions = {getattr(t, name).code: north(km) for name, km in PLACES.items()}
    monkeypatch.setattr(coverage_maps, "commune_positions", lambda: t.positions)
    return t


def _figures(t):
    communes = [(getattr(t, name).code, POP[name], getattr(t, name).departement_id) for name in POP]
    found = coverage_distance.drop_ins(timezone.localdate(), t.positions)
    return coverage_distance.figures(communes, found, t.positions)


def _drop_in(t, commune="lille", at=0, scenario=None, **venue):
    venue.setdefault("service_area", AREA.COMMUNE)
    lat, lon = north(at) if at is not None else (None, None)
    place = VenueFactory(commune=getattr(t, commune), latitude=lat, longitude=lon, **venue)
    channel = ChannelFactory(venue=place, in_person=True, **({"scenario": scenario} if scenario else {}))
    return place, channel


def _open(t):
    _drop_in(t)


def _phone_only(t):
    ChannelFactory(venue=VenueFactory(commune=t.lille, latitude=LILLE[0], longitude=LILLE[1]))


def _closed(t):
    place, _channel = _drop_in(t)
    ClosurePeriodFactory(venue=place)  # names no channel staying open: the drop-in stops


def _closure_keeps_the_drop_in(t):
    place, channel = _drop_in(t)
    ClosurePeriodFactory(venue=place).open_channels.set([channel])


def _closure_keeps_only_the_phone(t):
    place, _channel = _drop_in(t)
    phone = ChannelFactory(venue=place)
    ClosurePeriodFactory(venue=place).open_channels.set([phone])


def _closure_to_come(t):
    place, _channel = _drop_in(t)
    soon = timezone.localdate() + datetime.timedelta(days=5)
    ClosurePeriodFactory(venue=place, starts_on=soon, ends_on=soon + datetime.timedelta(days=3))


def _closed_for_good(t):
    _drop_in(t, closed_for_good=True)


def _scenario_2_drop_in(t):
    _drop_in(t, scenario=2)


def _mobile_stop(t):
    # A bus based in Arras (no coordinates: its commune's position) stopping at Templeuve.
    bus, _channel = _drop_in(t, commune="arras", at=None, service_area=AREA.COMMUNES)
    bus.service_area_communes.set([t.templeuve])


def _near(s10, s20, s30):
    return {10: s10, 20: s20, 30: s30}


FROM_LILLE = _near(
    POP["lille"] + POP["villeneuve"],  # 0 and 5 km
    POP["lille"] + POP["villeneuve"] + POP["cysoing"],  # 15 km
    POP["lille"] + POP["villeneuve"] + POP["cysoing"] + POP["templeuve"],  # 26 km; Arras 40 km
)
NOTHING = _near(0, 0, 0)
# Templeuve (a stop) and Arras (the bus's base) at 0; Cysoing 11 km; Villeneuve 21, Lille 26.
FROM_THE_BUS = _near(
    POP["templeuve"] + POP["arras"],
    POP["templeuve"] + POP["arras"] + POP["cysoing"],
    sum(POP.values()),
)
CASES = {
    "a drop-in open today": (_open, {1: FROM_LILLE, 2: FROM_LILLE, 3: FROM_LILLE}),
    "a phone is not a place to go": (_phone_only, {1: NOTHING, 2: NOTHING, 3: NOTHING}),
    "a closure naming no channel stops the drop-in": (_closed, {1: NOTHING, 2: NOTHING, 3: NOTHING}),
    "a closure keeping the drop-in": (_closure_keeps_the_drop_in, {1: FROM_LILLE, 2: FROM_LILLE, 3: FROM_LILLE}),
    "a closure keeping only the phone": (_closure_keeps_only_the_phone, {1: NOTHING, 2: NOTHING, 3: NOTHING}),
    "a closure still to come": (_closure_to_come, {1: FROM_LILLE, 2: FROM_LILLE, 3: FROM_LILLE}),
    "closed for good": (_closed_for_good, {1: NOTHING, 2: NOTHING, 3: NOTHING}),
    "a drop-in typed scenario 2": (_scenario_2_drop_in, {1: NOTHING, 2: FROM_LILLE, 3: FROM_LILLE}),
    "a mobile stop counts at distance 0": (_mobile_stop, {1: FROM_THE_BUS, 2: FROM_THE_BUS, 3: FROM_THE_BUS}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_population_within_each_distance(world, case):
    build, expected = case
    build(world)
    totals, rows = _figures(world)
    assert totals.near == expected
    assert (totals.population, totals.unknown_population, totals.unknown_communes) == (sum(POP.values()), 0, 0)
    # Rows (départements here) add up to the territory.
    assert rows["59"].near[1][30] + rows["62"].near[1][30] == expected[1][30]


@pytest.mark.django_db
def test_a_commune_without_position_is_counted_apart(world):
    del world.positions[world.arras.code]
    _open(world)
    totals, _rows = _figures(world)
    assert totals.near == dict.fromkeys(coverage.SCENARIOS, FROM_LILLE)
    assert (totals.unknown_communes, totals.unknown_population) == (1, POP["arras"])
    assert totals.known_population == sum(POP.values()) - POP["arras"]
    # Shares are of the population whose distance is known: Arras is neither reached nor not.
    assert totals.pct(1, 30) == coverage._round_pct(FROM_LILLE[30], totals.known_population)
    assert totals.values()["near_unknown"] == POP["arras"]


@pytest.mark.django_db
def test_a_commune_without_position_but_with_a_drop_in_is_at_distance_0(world):
    del world.positions[world.arras.code]
    _drop_in(world, commune="arras", at=-40)
    totals, _rows = _figures(world)
    assert totals.unknown_communes == 0
    assert totals.near[1] == _near(POP["arras"], POP["arras"], POP["arras"])


@pytest.mark.django_db
def test_the_drop_in_points_follow_the_shared_definition(world):
    t = world
    _drop_in(t, commune="arras", at=-41)  # its own coordinates
    _closed(t)
    bus, _channel = _drop_in(t, commune="cysoing", at=None, service_area=AREA.COMMUNES)
    bus.service_area_communes.set([t.templeuve])
    found = coverage_distance.drop_ins(timezone.localdate(), t.positions)
    assert found.points == {
        tuple(round(x, 4) for x in north(-41)): 1,
        t.positions[t.cysoing.code]: 1,
        t.positions[t.templeuve.code]: 1,
    }
    assert found.hosts == {t.arras.code: 1, t.cysoing.code: 1, t.templeuve.code: 1}


def _brute_force(position, points):
    """(s10, s20, s30) by great-circle distance to every point."""
    best = []
    for km in coverage_distance.DISTANCES_KM:
        within = [s for p, s in points.items() if _haversine(position, p) <= km]
        best.append(min(within, default=coverage_distance.NONE))
    return tuple(best)


def _haversine(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * coverage_distance.EARTH_KM * math.asin(math.sqrt(h))


@pytest.mark.parametrize("centre", [(50.6, 3.0), (43.3, 5.4), (-21.1, 55.5), (46.8, -56.2)])
def test_the_grid_search_agrees_with_a_brute_force_search(centre):
    """Random communes and drop-ins in a 1.2° box (northern France, Provence, Réunion,
    Saint-Pierre-et-Miquelon): the same bands as comparing every pair, except within 50 m of a
    threshold (the grid uses a flat-earth distance, exact to a few metres at 30 km)."""
    rng = random.Random(16)

    def spot():
        return (round(centre[0] + rng.uniform(-0.6, 0.6), 5), round(centre[1] + rng.uniform(-0.8, 0.8), 5))

    points = {spot(): rng.choice((1, 1, 2, 3)) for _ in range(40)}
    positions = {f"{i:05d}": spot() for i in range(600)}
    found = coverage_distance.DropIns(points=points)
    bands = coverage_distance.reach(list(positions), found, positions)
    compared = 0
    for code, position in positions.items():
        gaps = [abs(_haversine(position, p) - km) for p in points for km in coverage_distance.DISTANCES_KM]
        if min(gaps) < 0.05:
            continue
        assert bands[code] == _brute_force(position, points), code
        compared += 1
    assert compared > 500


# --- the page and the files -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_the_table_in_french(client, world):
    _open(world)
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL, {"niveau": "region", "code": world.region.code})
    html = response.content.decode()
    assert "Population à moins de 10 / 20 / 30 km d'un lieu d'accueil physique" in html
    near = response.context["near"]
    assert [line["km"] for line in near["lines"]] == [10, 20, 30]
    first = near["lines"][0]["cells"][0]
    assert (first["population"], str(first["pct"])) == (FROM_LILLE[10], "85.2")
    # French formatting: narrow no-break space between thousands, decimal comma.
    assert "85,2\u202f%" in html and "298\u202f710 hab." in html
    assert "Position inconnue : aucune commune." in html


@pytest.mark.django_db
def test_the_page_query_count_is_locked(client, world, django_assert_num_queries):
    _open(world)
    _mobile_stop(world)
    client.force_login(UserFactory(is_superuser=True))
    # session, user, coverage statement, stale list, the territory's communes, the drop-ins
    # (each with the smallest scenario reaching it), the stops of the mobile ones
    with django_assert_num_queries(7):
        assert client.get(URL, {"niveau": "france"}).status_code == 200


def _french_csv(response):
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")
    return list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))


@pytest.mark.django_db
def test_the_files_carry_the_distance_columns(client, world):
    _open(world)
    client.force_login(UserFactory(is_superuser=True))
    params = {"niveau": "region", "code": world.region.code}
    parsed = _french_csv(client.get(URL, {**params, "format": "csv"}))
    header = parsed[0]
    labels = [str(label) for _key, label in coverage_distance.columns()]
    assert header == [str(label) for _key, label in coverage.columns()] + labels
    assert len(labels) == 19
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in parsed[1:]}
    nord, total = rows["Nord"], rows["Total"]
    assert nord["Population à moins de 10 km, scénario 1"] == str(FROM_LILLE[10])
    assert nord["Population à moins de 30 km, scénario 3"] == str(FROM_LILLE[30])
    assert rows["Pas-de-Calais"]["Population à moins de 30 km, scénario 1"] == "0"
    assert total["Part à moins de 10 km, scénario 1 (%)"] == "85,2"  # decimal comma
    assert total["Population à position inconnue"] == "0"
    workbook = client.get(URL, {**params, "format": "xlsx"})
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "Part à moins de 10 km, scénario 1 (%)" in strings and "Population à position inconnue" in strings
    assert f"<v>{FROM_LILLE[10]}</v>" in sheet and "<v>85.2</v>" in sheet  # numbers stay numbers


def test_the_shipped_positions_cover_nearly_every_commune():
    import gzip
    import json

    from directory.territories import POSITIONS_FILE

    with gzip.open(POSITIONS_FILE, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    counts = data["current_communes"]
    assert counts["total"] == 34_969
    assert counts["mairie"] + counts["contour"] + counts["geonames"] >= 34_900
    lat, lon = data["positions"]["59350"]  # Lille's town hall
    assert _haversine((lat, lon), (50.6311, 3.0709)) < 1


@pytest.mark.django_db
def test_a_commune_without_position_and_a_scenario_2_drop_in_stays_unknown(world):
    """Its distance in scenario 1 is not known: it is not counted as unreached there."""
    del world.positions[world.arras.code]
    _drop_in(world, commune="arras", at=-40, scenario=2)
    totals, _rows = _figures(world)
    assert (totals.unknown_communes, totals.unknown_population) == (1, POP["arras"])
    assert totals.near == dict.fromkeys(coverage.SCENARIOS, NOTHING)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_territory_reads_only_the_drop_ins_within_reach_and_gets_the_same_figures(world, case):
    """Below France, only the drop-ins within the largest distance of the territory's communes
    are read (``box_around``): the figures are those of every drop-in of France."""
    build, _expected = case
    build(world)
    # Far away, outside any box around these communes: must not change anything.
    _drop_in(world, commune="arras", at=-400)
    on = timezone.localdate()
    for names in (["cysoing"], ["templeuve", "cysoing"], ["arras"], list(POP)):
        communes = [(getattr(world, n).code, POP[n], getattr(world, n).departement_id) for n in names]
        box = coverage_distance.box_around([c[0] for c in communes], world.positions)
        found = coverage_distance.drop_ins(on, world.positions, box, [c[0] for c in communes])
        boxed = coverage_distance.figures(communes, found, world.positions)
        every = coverage_distance.figures(communes, coverage_distance.drop_ins(on, world.positions), world.positions)
        assert boxed[0].near == every[0].near, names


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_grouped_scenario_query_agrees_with_reachable_q(world, case):
    """``smallest_reaching_scenario`` (one grouped query) and the shared definition
    ``reachable_q`` give every venue the same smallest scenario, on each case of the table and
    on a few days around the closures."""
    import datetime

    from directory.models import Venue
    from directory.reachability import IN_PERSON_KINDS, reachable_q

    build, _expected = case
    build(world)
    _drop_in(world, commune="villeneuve", at=5, scenario=2)
    today = timezone.localdate()
    for on in (today, today + datetime.timedelta(days=3), today + datetime.timedelta(days=40)):
        grouped = dict(coverage_distance.smallest_reaching_scenario(on).values_list("venue_id", "smallest"))
        expected = {}
        for scenario in (3, 2, 1):
            for pk in Venue.objects.filter(reachable_q(scenario, on, kinds=IN_PERSON_KINDS)).values_list(
                "pk", flat=True
            ):
                expected[pk] = scenario
        assert grouped == expected, on
