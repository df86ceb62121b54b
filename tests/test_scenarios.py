"""Access scenarios (what a resident can use) and service areas (who a venue serves)."""

import pytest

from directory.enums import AccessScenario, ServiceArea
from directory.models import Channel, Venue
from tests.factories import ChannelFactory, CommuneFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def venues(hauts_de_france):
    """One venue per "least-equipped scenario that can reach it", plus one without channels."""
    lille = hauts_de_france.lille
    offline = VenueFactory(name="Affiche seule", commune=lille)
    ChannelFactory(venue=offline, signage=True)
    phone = VenueFactory(name="Téléphone et WhatsApp", commune=lille)
    ChannelFactory(venue=phone)
    ChannelFactory(venue=phone, whatsapp=True)
    connected = VenueFactory(name="Facebook seul", commune=lille)
    ChannelFactory(venue=connected, facebook=True)
    silent = VenueFactory(name="Sans canal", commune=lille)
    return {"offline": offline, "phone": phone, "connected": connected, "silent": silent}


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        (1, {"offline"}),
        (2, {"offline", "phone"}),
        (3, {"offline", "phone", "connected"}),
    ],
)
def test_reachable_in(venues, scenario, expected):
    found = set(Venue.objects.reachable_in(scenario))
    assert found == {venues[name] for name in expected}


def test_reachability_only_grows_with_equipment(venues):
    s1, s2, s3 = (set(Venue.objects.reachable_in(s)) for s in AccessScenario.values)
    assert s1 <= s2 <= s3
    assert venues["silent"] not in s3


def test_a_channel_usable_in_a_scenario_is_usable_in_every_scenario_above(venues):
    for venue in Venue.objects.prefetch_related("channels"):
        for channel in venue.channels.all():
            usable = [s for s in AccessScenario.values if channel.usable_in(s)]
            assert usable == list(range(channel.scenario, 4))
            for s in usable:
                assert channel in venue.channels_for(s)


def test_channels_for_filters_by_scenario(venues):
    venue = Venue.objects.prefetch_related("channels").get(pk=venues["phone"].pk)
    assert [c.kind for c in venue.channels_for(1)] == []
    assert [c.kind for c in venue.channels_for(2)] == ["phone"]
    assert [c.kind for c in venue.channels_for(3)] == ["phone", "whatsapp"]
    assert [c.kind for c in venue.channels_for(None)] == ["phone", "whatsapp"]
    assert [c.kind for c in venue.channels_for("2")] == ["phone"]


def test_channels_by_scenario_groups_non_empty_scenarios_in_order(hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    ChannelFactory(venue=venue, website=True)
    ChannelFactory(venue=venue, in_person=True)
    ChannelFactory(venue=venue, email=True)
    groups = Venue.objects.prefetch_related("channels").get(pk=venue.pk).channels_by_scenario()
    assert [(s, [c.kind for c in chans]) for s, chans in groups] == [
        (AccessScenario.OFFLINE, ["in_person"]),
        (AccessScenario.CONNECTED, ["website", "email"]),
    ]


def test_channels_of_a_page_cost_two_queries(venues, django_assert_num_queries):
    with django_assert_num_queries(2):
        counts = {v.name: len(v.channels_for(2)) for v in Venue.objects.prefetch_related("channels")}
    assert counts == {"Affiche seule": 1, "Téléphone et WhatsApp": 1, "Facebook seul": 0, "Sans canal": 0}


def test_usable_in_queryset(venues):
    assert set(Channel.objects.usable_in(2).values_list("kind", flat=True)) == {"signage", "phone"}


# --- service areas ------------------------------------------------------------------------------


@pytest.fixture
def areas(hauts_de_france):
    t = hauts_de_france
    return {
        "commune": VenueFactory(name="Commune", commune=t.cysoing, service_area=ServiceArea.COMMUNE),
        "epci": VenueFactory(name="EPCI", commune=t.cysoing, service_area=ServiceArea.EPCI),
        "departement": VenueFactory(name="Département", commune=t.arras, service_area=ServiceArea.DEPARTEMENT),
        "communes": VenueFactory(name="Liste", commune=t.villeneuve, service_area=ServiceArea.COMMUNES),
    }


def names(qs):
    return {v.name for v in qs}


def test_serving_for_each_service_area_kind(hauts_de_france, areas):
    t = hauts_de_france
    areas["communes"].service_area_communes.set([t.lille, t.templeuve])

    # Cysoing: its own venues (commune and EPCI areas).
    assert names(Venue.objects.serving(t.cysoing)) == {"Commune", "EPCI"}
    # Templeuve is in the same EPCI as Cysoing, and on the list.
    assert names(Venue.objects.serving(t.templeuve)) == {"EPCI", "Liste"}
    # Lille: only on the list (the MEL is another EPCI).
    assert names(Venue.objects.serving(t.lille)) == {"Liste"}
    # Villeneuve-d'Ascq: a venue always serves its own commune, even if left off its list.
    assert names(Venue.objects.serving(t.villeneuve)) == {"Liste"}
    # Arras (Pas-de-Calais): the département-wide venue.
    assert names(Venue.objects.serving(t.arras)) == {"Département"}


def test_departement_area_covers_every_commune_of_the_departement(hauts_de_france, areas):
    t = hauts_de_france
    other = CommuneFactory(code="62193", name="Calais", departement=t.pdc, postal_codes=["62100"])
    assert names(Venue.objects.serving(other)) == {"Département"}
    assert "Département" not in names(Venue.objects.serving(t.lille))


def test_epci_area_ignores_communes_without_epci(hauts_de_france):
    t = hauts_de_france
    lonely = CommuneFactory(code="59999", name="Sans EPCI", departement=t.nord, epci=None, postal_codes=["59999"])
    other = CommuneFactory(code="59998", name="Autre sans EPCI", departement=t.nord, epci=None, postal_codes=["59998"])
    VenueFactory(name="EPCI sans EPCI", commune=lonely, service_area=ServiceArea.EPCI)
    assert names(Venue.objects.serving(lonely)) == {"EPCI sans EPCI"}
    assert names(Venue.objects.serving(other)) == set()


def test_serving_returns_each_venue_once(hauts_de_france):
    t = hauts_de_france
    venue = VenueFactory(commune=t.lille, service_area=ServiceArea.COMMUNES)
    venue.service_area_communes.set([t.lille, t.villeneuve])
    assert list(Venue.objects.serving(t.lille)) == [venue]
