"""VenueFilter: every parameter, combinations, ordering and invalid values."""

import datetime

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from directory import enums
from directory.filters import VenueFilter, with_page_prefetches
from directory.models import Venue
from directory.pagination import VenuePaginator
from tests.factories import (
    ChannelFactory,
    ClosurePeriodFactory,
    CommuneFactory,
    DepartementFactory,
    RegionFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def run(query: str, **kwargs):
    filterset = VenueFilter(QueryDict(query), queryset=Venue.objects.public(), **kwargs)
    return filterset, list(filterset.qs)


def names(query: str):
    filterset, venues = run(query)
    assert not filterset.errors, filterset.errors
    return [v.name for v in venues]


@pytest.fixture
def world(hauts_de_france):
    t = hauts_de_france
    t.lille_centre = VenueFactory(
        name="Centre social Lille Sud",
        commune=t.lille,
        postal_code="59000",
        service_area=enums.ServiceArea.COMMUNE,
        latitude=50.61,
        longitude=3.05,
        typologie=["CS"],
        services=["Aide aux démarches administratives"],
        publics=["Seniors"],
    )
    t.villeneuve_mdq = VenueFactory(
        name="Maison de quartier",
        commune=t.villeneuve,
        postal_code="59650",
        service_area=enums.ServiceArea.EPCI,
        latitude=50.62,
        longitude=3.14,
        typologie=["MQ"],
    )
    t.cysoing_mediatheque = VenueFactory(
        name="Médiathèque de la Pévèle",
        commune=t.cysoing,
        postal_code="59830",
        service_area=enums.ServiceArea.COMMUNES,
        latitude=50.57,
        longitude=3.21,
    )
    t.cysoing_mediatheque.service_area_communes.set([t.cysoing, t.templeuve])
    t.arras_caf = VenueFactory(
        name="CAF d'Arras",
        commune=t.arras,
        postal_code="62000",
        service_area=enums.ServiceArea.DEPARTEMENT,
        latitude=50.29,
        longitude=2.78,
    )
    t.closed_for_good = VenueFactory(name="Ancien espace numérique", commune=t.lille, closed_for_good=True)
    ChannelFactory(venue=t.lille_centre)  # phone: scenario 2
    ChannelFactory(venue=t.lille_centre, whatsapp=True)  # scenario 3
    ChannelFactory(venue=t.villeneuve_mdq, signage=True)  # scenario 1
    ChannelFactory(venue=t.cysoing_mediatheque, email=True)  # scenario 3
    ClosurePeriodFactory(venue=t.arras_caf)
    return t


def test_no_parameter_lists_every_venue_but_permanently_closed(world):
    assert names("") == ["CAF d'Arras", "Centre social Lille Sud", "Maison de quartier", "Médiathèque de la Pévèle"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("lile", "Centre social Lille Sud"),
        ("LILLE", "Centre social Lille Sud"),
        ("pevele", "Médiathèque de la Pévèle"),
        ("mediatheque", "Médiathèque de la Pévèle"),
        ("villeneuve dascq", "Maison de quartier"),
        ("villeneuve d'ascq", "Maison de quartier"),
        ("Villeneuve-d’Ascq", "Maison de quartier"),
        ("59650", "Maison de quartier"),
        ("arras", "CAF d'Arras"),
        ("centres sociaux", "Centre social Lille Sud"),
    ],
)
def test_search_forgives_typos_and_accents(world, text, expected):
    found = names(f"q={text}")
    assert found and found[0] == expected


def test_search_ignores_unrelated_venues(world):
    assert names("q=arras") == ["CAF d'Arras"]


def test_commune_lists_venues_serving_it_located_in_first(world):
    # Villeneuve's venue serves the whole MEL (EPCI) so it serves Lille too, after Lille's own.
    assert names("commune=59350") == ["Centre social Lille Sud", "Maison de quartier"]
    # Templeuve is served through Cysoing's explicit list of communes.
    assert names("commune=59586") == ["Médiathèque de la Pévèle"]
    # Arras' CAF serves the whole Pas-de-Calais.
    assert names("commune=62041") == ["CAF d'Arras"]


def test_code_postal_lists_venues_serving_communes_of_that_code(world):
    assert names("code_postal=59160") == ["Centre social Lille Sud", "Maison de quartier"]
    assert names("code_postal=59242") == ["Médiathèque de la Pévèle"]


def test_departement_and_epci(world):
    assert names("departement=62") == ["CAF d'Arras"]
    assert names("epci=200093201") == ["Centre social Lille Sud", "Maison de quartier"]


@pytest.mark.parametrize("code, name", [("975", "Saint-Pierre-et-Miquelon"), ("988", "Nouvelle-Calédonie")])
def test_overseas_collectivities_are_departement_codes_too(world, code, name):
    # The COG lists them beside the départements; the list, the API and the coverage use it.
    region = RegionFactory(code=code, name=name)
    commune = CommuneFactory(code=f"{code}01", departement=DepartementFactory(code=code, name=name, region=region))
    VenueFactory(name=f"Médiathèque de {name}", commune=commune, postal_code=f"{code}00")
    assert names(f"departement={code}") == [f"Médiathèque de {name}"]
    api = Client().get(f"/api/v1/lieux/?departement={code}")
    assert api.status_code == 200
    assert [v["name"] for v in api.json()["results"]] == [f"Médiathèque de {name}"]


def test_scenario_keeps_venues_reachable_in_it(world):
    assert names("scenario=1") == ["Maison de quartier"]
    assert names("scenario=2") == ["Centre social Lille Sud", "Maison de quartier"]
    assert names("scenario=3") == ["Centre social Lille Sud", "Maison de quartier", "Médiathèque de la Pévèle"]


def test_canal_accepts_several_kinds(world):
    assert names("canal=email") == ["Médiathèque de la Pévèle"]
    assert names("canal=email&canal=signage") == ["Maison de quartier", "Médiathèque de la Pévèle"]


def test_statut(world):
    assert names("statut=ferme") == ["CAF d'Arras"]
    assert "CAF d'Arras" not in names("statut=ouvert")
    assert names("statut=ferme_definitivement") == ["Ancien espace numérique"]


def test_statut_reads_the_status_values_as_aliases(world):
    """One spelling in URLs (« ouvert »…, ``enums.STATUS_URL_WORDS``); the API's
    ``status.code`` values (« open »…) select the same venues instead of a 400."""
    for status, word in enums.STATUS_URL_WORDS.items():
        filterset, venues = run(f"statut={status.value}")
        assert not filterset.errors and filterset.form.cleaned_data["statut"] == word
        assert [v.name for v in venues] == names(f"statut={word}")


def test_statut_uses_the_given_day(world):
    in_a_month = timezone.localdate() + datetime.timedelta(days=30)
    filterset, venues = run("statut=ferme", today=in_a_month)
    assert venues == []


def test_vocabularies_use_array_contains(world):
    assert names("typologie=CS") == ["Centre social Lille Sud"]
    assert names("typologie=CS&typologie=MQ") == []
    assert names("service=Aide+aux+d%C3%A9marches+administratives") == ["Centre social Lille Sud"]
    assert names("public=Seniors") == ["Centre social Lille Sud"]


def test_near_orders_by_distance(world):
    filterset, venues = run("near=50.63,3.06")
    assert [v.name for v in venues] == [
        "Centre social Lille Sud",
        "Maison de quartier",
        "Médiathèque de la Pévèle",
        "CAF d'Arras",
    ]
    assert venues[0].distance_km == pytest.approx(2.3, abs=0.3)
    assert venues[0].distance_km < venues[1].distance_km < venues[2].distance_km < venues[3].distance_km


def test_combinations(world):
    # « lille » is a place: the venues serving Lille, those located there first.
    assert names("q=lille&scenario=2&statut=ouvert")[0] == "Centre social Lille Sud"
    assert names("q=centre+social&scenario=2&statut=ouvert") == ["Centre social Lille Sud"]
    assert names("commune=59350&scenario=1") == ["Maison de quartier"]
    assert names("code_postal=59830&canal=email&near=50.6,3.2") == ["Médiathèque de la Pévèle"]
    assert names("departement=59&near=50.57,3.21") == [
        "Médiathèque de la Pévèle",
        "Maison de quartier",
        "Centre social Lille Sud",
    ]


@pytest.mark.parametrize(
    "query, field",
    [
        ("scenario=9", "scenario"),
        ("scenario=abc", "scenario"),
        ("near=abc", "near"),
        ("near=95,3", "near"),
        ("commune=99999", "commune"),
        ("commune=%3Cscript%3E", "commune"),
        ("code_postal=5900", "code_postal"),
        ("departement=%3Cscript%3E", "departement"),
        ("departement=990", "departement"),
        ("departement=2C", "departement"),
        ("departement=99", "departement"),  # well formed, nobody has it
        ("epci=123456789", "epci"),
        ("epci=12", "epci"),
        ("canal=telegram", "canal"),
        ("statut=demain", "statut"),
        ("typologie=XYZ", "typologie"),
        ("q=" + "a" * 5000, "q"),
        ("q=%00", "q"),
    ],
)
def test_invalid_values_are_reported_in_french_and_ignored(world, query, field):
    filterset, venues = run(query)
    assert field in filterset.errors
    messages = filterset.error_messages()
    assert messages and all(isinstance(m, str) and m for m in messages)
    # The invalid filter is ignored: every public venue is listed.
    assert len(venues) == 4


def test_unknown_territory_codes_say_so(client, world):
    filterset, _venues = run("departement=99&epci=123456789")
    assert set(filterset.error_messages()) == {
        "Département (code) : Département inconnu : 99 (ex. 59, 2A, 974).",
        "Intercommunalité (SIREN) : Intercommunalité inconnue : aucun EPCI n'a le SIREN 123456789.",
    }
    api = client.get("/api/v1/lieux/", {"departement": "99"})
    assert api.status_code == 400 and "Département inconnu : 99" in api.content.decode()


def test_script_in_text_search_is_just_text(world):
    filterset, venues = run("q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert not filterset.errors
    assert venues == []


def test_scenario_property_and_prefetches(world, django_assert_num_queries):
    filterset = VenueFilter(QueryDict("scenario=2"), queryset=Venue.objects.public())
    assert filterset.selected_scenario == 2
    with django_assert_num_queries(3):
        venues = list(with_page_prefetches(filterset.qs, filterset.selected_scenario))
        lille = next(v for v in venues if v.name == "Centre social Lille Sud")
        kinds = [c.kind for c in lille.channels.all()]
        arras_closures = [list(v.closures.all()) for v in venues]
    assert kinds == ["phone"]
    assert sum(len(c) for c in arras_closures) == 0  # Arras is not reachable in scenario 2


def test_prefetches_without_scenario_keep_every_channel_and_current_closures(world):
    venues = {v.name: v for v in with_page_prefetches(Venue.objects.public(), None)}
    assert [c.kind for c in venues["Centre social Lille Sud"].channels.all()] == ["phone", "whatsapp"]
    assert len(venues["CAF d'Arras"].closures.all()) == 1
    assert venues["CAF d'Arras"].status_on(timezone.localdate()) == enums.VenueStatus.TEMPORARILY_CLOSED


@pytest.mark.parametrize("text", ["\\", "'", "__", "   "])
def test_punctuation_only_text_lists_everything(world, text):
    filterset, venues = run(f"q={text}")
    assert not filterset.errors
    assert len(venues) == 4


def test_cards_only_rows_carry_channels_and_closures_as_json(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        venues = {v.name: v for v in with_page_prefetches(Venue.objects.public(), 2, cards_only=True)}
    lille = venues["Centre social Lille Sud"]
    assert [row["kind"] for row in lille.card_channels] == ["phone"]
    assert set(lille.card_channels[0]) == {"kind", "value", "label", "availability"}


def test_venue_paginator_checks_numbers_and_counts_only_when_needed(world, django_assert_num_queries):
    queryset = with_page_prefetches(Venue.objects.public().order_by("name", "pk"), cards_only=True)
    with pytest.raises(PageNotAnInteger):
        VenuePaginator(queryset, 2).page("deux")
    with pytest.raises(EmptyPage):
        VenuePaginator(queryset, 2).page(0)
    with pytest.raises(EmptyPage):
        VenuePaginator(queryset, 2).page(99)
    total = Venue.objects.count()
    assert total == 5
    paginator = VenuePaginator(queryset, 2)
    with django_assert_num_queries(2):  # ids, rows; then the COUNT when asked for
        first = paginator.page(1)
        names = [v.name for v in first.object_list]
    with django_assert_num_queries(1):
        assert paginator.count == total and first.has_next()
    last_paginator = VenuePaginator(queryset, 3)
    with django_assert_num_queries(2):
        last = last_paginator.page(2)
        assert last_paginator.count == total and not last.has_next() and len(list(last.object_list)) == 2
    assert names == sorted(names)
    with pytest.raises(ValueError):
        VenuePaginator(queryset, 2, orphans=1)
