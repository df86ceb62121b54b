"""One box that understands places (issue 13, part 1): ``places.read_place`` on the real COG
(in memory), and the list it gives: the venues serving the place in labelled groups, venue-name
matches apart, nearest venues and the département's contact for a place nobody serves."""

import gzip
import json

import pytest
from django.urls import reverse

from directory import enums
from directory.places import rank_by_proximity, read_place
from directory.territories import AliasInfo, CommuneIndex, CommuneInfo
from tests.factories import ChannelFactory, VenueFactory

LIST = reverse("directory:venue_list")


@pytest.fixture(scope="module")
def france():
    with gzip.open("directory/data/territories.json.gz", "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    communes = [CommuneInfo(c[0], c[1], c[2], tuple(c[4]), c[5] or 0) for c in data["communes"]]
    aliases = [AliasInfo(a[0], a[1], a[2], a[3], tuple(a[4])) for a in data["aliases"]]
    return CommuneIndex(communes, aliases)


@pytest.mark.parametrize(
    ("typed", "codes", "words"),
    [
        ("mons en pevele", ["59411"], ""),
        ("Mons-en-Pévèle", ["59411"], ""),
        ("MONS EN PEVELE", ["59411"], ""),
        ("59246", ["59411"], ""),
        ("st etienne", ["42218"], ""),
        ("Saint-Étienne", ["42218"], ""),
        ("Paris 15e", ["75056"], ""),
        ("mansle", ["16206"], ""),  # a delegated commune
        ("templeuve", ["59586"], ""),  # the start of one commune's name
        ("cysoing mediatheque", ["59168"], "mediatheque"),
        ("médiathèque de Cysoing", ["59168"], "mediatheque de"),
        ("59000 lille", ["59350"], ""),
    ],
)
def test_places_in_any_spelling(france, typed, codes, words):
    place = read_place(typed, france).place
    assert place is not None, typed
    assert place.codes == codes
    assert place.words == words


def test_a_postal_code_is_never_an_insee_code(france):
    # 59242 is Templeuve-en-Pévèle's postal code; the commune whose INSEE code is 59242 is another.
    place = read_place("59242", france).place
    assert "59586" in place.codes and "59242" not in place.codes
    assert all("59242" in france.by_code[code].postal_codes for code in place.codes)
    reading = read_place("99999", france)
    assert reading.place is None and reading.unknown_postal_code == "99999"


def test_homonyms_are_ambiguous_and_ranked_by_proximity(france):
    reading = read_place("saint denis", france)
    assert reading.place is None and len(reading.suggestions) > 2
    ranked = rank_by_proximity(reading.suggestions, {"11"})
    assert ranked[0].departement == "11"  # near the venues found by name first
    assert rank_by_proximity(reading.suggestions, set())[0].departement in {"93", "974"}  # then by size


def test_lille_is_lille(france):
    reading = read_place("lille", france)
    assert [c.name for c in reading.place.communes] == ["Lille"] and reading.suggestions == []
    # Only the start of several names: suggestions, offered only when no venue matches.
    partial = read_place("lill", france)
    assert partial.place is None and partial.partial


@pytest.mark.parametrize("typed", ["centre social", "médiathèque", "bus numérique", "caf", ""])
def test_venue_words_are_not_places(france, typed):
    assert read_place(typed, france).place is None


def test_a_word_that_only_starts_a_commune_name_is_flagged(france):
    # « mairie » starts exactly one commune's name (Mairieux) without being one of its words:
    # the reading says so, and the list reads it as a place only if no venue uses the word.
    mairie = read_place("mairie", france)
    assert [c.code for c in mairie.place.communes] == ["59370"] and mairie.by_prefix == "mairie"
    # « templeuve » is a word of Templeuve-en-Pévèle's own name: a place, whatever the venues say.
    assert read_place("templeuve", france).by_prefix == ""


@pytest.mark.django_db
def test_a_common_venue_word_is_searched_not_read_as_a_commune(client, hauts_de_france, settings):
    from unittest import mock

    from directory import territories

    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    VenueFactory(name="Mairie annexe de Fives", commune=hauts_de_france.lille)
    territories.forget_shared_index()
    known = list(territories.shared_index().by_code.values())
    index = CommuneIndex([CommuneInfo("59370", "Mairieux", "59", ("59600",), 900), *known], [])
    with mock.patch("directory.places.territories.shared_index", return_value=index):
        html = client.get(LIST, {"q": "mairie"}).content.decode()
    assert "Mairie annexe de Fives" in html and "Mairieux" not in html


# --- the list ------------------------------------------------------------------------------------


@pytest.fixture
def served(hauts_de_france, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    hdf = hauts_de_france
    located = VenueFactory(name="Espace de Templeuve", commune=hdf.templeuve, latitude=50.528, longitude=3.175)
    ChannelFactory(venue=located)
    nearby = VenueFactory(name="Centre de Cysoing", commune=hdf.cysoing, latitude=50.569, longitude=3.216)
    ChannelFactory(venue=nearby)
    wide = VenueFactory(name="Ligne du Nord", commune=hdf.lille, service_area=enums.ServiceArea.DEPARTEMENT)
    ChannelFactory(venue=wide)
    web_only = VenueFactory(name="Site de Templeuve", commune=hdf.templeuve)
    ChannelFactory(venue=web_only, website=True)
    VenueFactory(name="Lieu d'Arras", commune=hdf.arras, postal_code="62000", latitude=50.29, longitude=2.78)
    return hdf


def groups(html):
    import re

    results = html.split('id="resultats"')[1]
    found = []
    for match in re.finditer(
        r'<h3 class="place-group">(.*?)</h3>|<h3 id="lieu-\d+" class="venue-name"><a [^>]*>(.*?)</a>', results
    ):
        heading, name = match.groups()
        if heading:
            found.append((heading, []))
        else:
            found[-1][1].append(name)
    return found


@pytest.mark.parametrize("typed", ["templeuve en pevele", "59242", "Templeuve-en-Pévèle"])
def test_a_served_commune_lists_who_serves_it_in_groups(client, served, typed, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        html = client.get(LIST, {"q": typed, "scenario": 2}).content.decode()
    assert "Aucun lieu trouvé" not in html
    found = groups(html)
    names = [name for _heading, names in found for name in names]
    assert names.index("Espace de Templeuve") < names.index("Centre de Cysoing") < names.index("Ligne du Nord")
    assert "Site de Templeuve" not in names  # nothing usable with a phone alone
    assert found[-1][0] == "Pour tout le département (59)"
    assert "Lieu d&#x27;Arras" not in html


def test_venue_name_matches_are_a_separate_block(client, served):
    VenueFactory(
        name="Médiathèque Templeuve-en-Pévèle", commune=served.arras, postal_code="62000", service_area="commune"
    )
    html = client.get(LIST, {"q": "templeuve en pevele"}).content.decode()
    block = html.split('id="par-nom"')[1]
    assert "Médiathèque Templeuve-en-Pévèle" in block


def test_a_commune_nobody_serves_gets_the_nearest_and_the_contact(client, served):
    served.pdc.contact_label = "Inclusion numérique du Pas-de-Calais"
    served.pdc.contact_phone = "+33353019998"
    served.pdc.save()
    html = client.get(LIST, {"q": "arras", "scenario": 2}).content.decode()
    assert "Aucun lieu ne dessert Arras (62000)" in html
    assert "Les lieux les plus proches" in html and "Espace de Templeuve" in html
    assert "Inclusion numérique du Pas-de-Calais" in html and 'href="tel:+33353019998"' in html


def test_commune_and_venue_words(client, served):
    html = client.get(LIST, {"q": "cysoing centre"}).content.decode()
    names = [n for _h, ns in groups(html) for n in ns]
    assert names == ["Centre de Cysoing"]
    html = client.get(LIST, {"q": "cysoing piscine"}).content.decode()
    assert "Aucun lieu « piscine » ne dessert cette commune" in html
    assert "Centre de Cysoing" in html


def test_back_to_the_list_keeps_the_search(client, served):
    html = client.get(LIST, {"q": "59242", "scenario": 2}).content.decode()
    assert "retour=q%3D59242%26scenario%3D2" in html
    venue = served.templeuve.venues.get(name="Espace de Templeuve")
    sheet = client.get(venue.get_absolute_url(), {"scenario": 2, "retour": "q=59242&scenario=2"}).content.decode()
    assert f'href="{LIST}?q=59242&amp;scenario=2">Retour à l\'annuaire' in sheet


def test_the_api_reads_places_too(client, served):
    data = client.get("/api/v1/lieux/", {"q": "59242", "scenario": 2}).json()
    assert [v["name"] for v in data["results"]][:1] == ["Espace de Templeuve"]


def test_a_mobile_venue_is_where_it_stops(client, served):
    from directory.places import communes_named_in

    bus = VenueFactory(
        name="Bus numérique",
        commune=served.cysoing,
        itinerance=[enums.Itinerance.ITINERANT],
        latitude=50.569,
        longitude=3.216,
    )
    ChannelFactory(
        venue=bus, in_person=True, value="Parking de la salle des fêtes de Templeuve-en-Pévèle", label="Arrêt"
    )
    bus.refresh_from_db()
    assert bus.stop_communes == [served.templeuve.code]
    assert communes_named_in("Place de la mairie de Lille", {"59"}) == ["59350"]
    assert communes_named_in("Place de la mairie de Lille", {"62"}) == []
    found = groups(client.get(LIST, {"q": "templeuve en pevele"}).content.decode())
    assert found[0][0] == "À Templeuve-en-Pévèle" and "Bus numérique" in found[0][1]
    html = client.get(LIST, {"q": "templeuve en pevele"}).content.decode()
    # The stop is named (« Arrêt » says no day), no distance from the place to itself.
    assert "Cysoing (59830) · arrêt à Templeuve-en-Pévèle</p>" in html
    # A channel removed: the stop goes.
    bus.channels.get().delete()
    bus.refresh_from_db()
    assert bus.stop_communes == []


def test_a_place_without_a_known_position_still_lists(client, served, monkeypatch):
    from directory import territories

    monkeypatch.setattr(territories, "positions", lambda: {})
    html = client.get(LIST, {"q": "templeuve en pevele"}).content.decode()
    assert "Espace de Templeuve" in html
