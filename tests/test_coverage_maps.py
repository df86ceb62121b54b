"""Maps of gaps and distances: the France map coloured by the selected share, one
département's communes reached or not, the population within 10/20/30 km of an in-person
drop-in, all with their data as tables."""

import pytest
from django.urls import reverse

from directory import coverage_maps, enums
from tests.factories import ChannelFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

URL = reverse("directory:coverage")
AREA = enums.ServiceArea
LILLE = (50.63, 3.06)


def north(km):
    """A position ``km`` kilometres north of Lille (1° of latitude ≈ 111.2 km)."""
    return (LILLE[0] + km / 111.19, LILLE[1])


@pytest.fixture
def positions(monkeypatch, hauts_de_france):
    t = hauts_de_france
    known = {
        t.lille.code: LILLE,
        t.villeneuve.code: north(8),
        t.cysoing.code: north(15),
        t.templeuve.code: north(25),
        t.arras.code: north(-45),
    }
    monkeypatch.setattr(coverage_maps, "commune_positions", lambda: known)
    return known


def test_the_shipped_data_files_load():
    coverage_maps.departement_shapes.cache_clear()
    shapes = coverage_maps.departement_shapes()
    assert len(shapes["paths"]) == 96 and {"59", "2A", "2B", "75"} <= set(shapes["paths"])
    assert "CC BY 4.0" in shapes["source"]
    assert shapes["paths"]["59"].startswith("M") and shapes["paths"]["59"].endswith("z")
    positions = coverage_maps.commune_positions()
    assert len(positions) > 34_000
    lat, lon = positions["59411"] if "59411" in positions else next(iter(positions.values()))
    assert -90 <= lat <= 90 and -180 <= lon <= 180


def test_the_france_map_is_coloured_by_the_selected_share(client, positions, hauts_de_france):
    t = hauts_de_france
    lille = VenueFactory(commune=t.lille, service_area=AREA.COMMUNE)
    ChannelFactory(venue=lille, in_person=True)
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL, {"niveau": "france", "scenario": "1"})
    shapes = {s["code"]: s for s in response.context["france_map"]["shapes"]}
    assert len(shapes) == 96
    # Nord: Lille's 236,710 of 309,710 inhabitants (76.4 %); Pas-de-Calais: nobody.
    assert shapes["59"]["css"] == "share-1" and shapes["59"]["label"] == "Nord (59) : 76,4\u202f%"
    assert shapes["62"]["css"] == "share-0"
    assert shapes["75"]["css"] == "share-none" and shapes["75"]["url"] == ""
    assert "niveau=departement&code=59" in shapes["59"]["url"]
    html = response.content.decode()
    assert '<svg class="france-map"' in html and "CC BY 4.0" in html
    assert [r["code"] for r in response.context["france_rows"]] == ["62", "59"]  # worst first
    # The distance figures beside it (tests/test_coverage_distance.py): Lille, Villeneuve (8 km)…
    near = response.context["near"]
    assert [cell["population"] for cell in near["lines"][0]["cells"]] == [236710 + 62000] * 3


def test_the_commune_map_marks_reached_and_unreached_communes(client, positions, hauts_de_france):
    t = hauts_de_france
    lille = VenueFactory(commune=t.lille, service_area=AREA.COMMUNE)
    ChannelFactory(venue=lille, in_person=True)
    nord_line = VenueFactory(commune=t.lille, service_area=AREA.DEPARTEMENT)
    ChannelFactory(venue=nord_line, sms=True)
    client.force_login(UserFactory(is_superuser=True))

    response = client.get(URL, {"niveau": "departement", "code": "59", "scenario": "1"})
    commune_map = response.context["commune_map"]
    marks = {m["name"]: m["reached"] for m in commune_map["marks"]}
    assert marks == {"Lille": True, "Villeneuve-d'Ascq": False, "Cysoing": False, "Templeuve-en-Pévèle": False}
    assert commune_map["missing"] == 0
    html = response.content.decode()
    assert 'class="mark-reached"' in html and 'class="mark-unreached"' in html
    # Unreached communes first in the table that stands in for the map.
    assert [r["reached"] for r in commune_map["rows"]] == [False, False, False, True]

    # Scenario 2 « tout canal »: the département-wide SMS line reaches every commune...
    everyone = client.get(URL, {"niveau": "departement", "code": "59", "scenario": "2"}).context["commune_map"]
    assert all(m["reached"] for m in everyone["marks"])
    # ...not in « proximité », which shows the gaps it hides.
    nearby = client.get(URL, {"niveau": "departement", "code": "59", "scenario": "2", "vue": "proximite"})
    assert {m["name"] for m in nearby.context["commune_map"]["marks"] if not m["reached"]} == {
        "Villeneuve-d'Ascq",
        "Cysoing",
        "Templeuve-en-Pévèle",
    }


def test_communes_without_a_position_stay_in_the_table(client, monkeypatch, hauts_de_france):
    monkeypatch.setattr(coverage_maps, "commune_positions", lambda: {hauts_de_france.lille.code: LILLE})
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL, {"niveau": "epci", "code": hauts_de_france.pevele.code})
    commune_map = response.context["commune_map"]
    assert commune_map["marks"] == [] and commune_map["missing"] == 2
    assert len(commune_map["rows"]) == 2
    assert "n'ont pas de position connue" in response.content.decode()
