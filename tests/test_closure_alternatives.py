"""« Pendant la fermeture » (issue 13, part 5): a temporarily closed venue points to open venues
serving the same commune for the chosen scenario, nearest first (drop-in first in scenario 1);
the closure banner in scenario 1 lists only what scenario 1 can use."""

import datetime

import pytest
from django.utils import timezone

from directory import enums
from directory.models import Venue
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def world(hauts_de_france):
    hdf = hauts_de_france
    closed = VenueFactory(name="Espace Templeuve", commune=hdf.templeuve, latitude=50.53, longitude=3.17)
    ChannelFactory(venue=closed, value="+33353011001")
    ChannelFactory(venue=closed, in_person=True, value="Accueil du centre")
    ClosurePeriodFactory(venue=closed, public_message="Fermé pour travaux")
    near = VenueFactory(name="Médiathèque de Cysoing", commune=hdf.cysoing, latitude=50.57, longitude=3.21)
    ChannelFactory(venue=near, value="+33353011002")
    far = VenueFactory(name="Bus de la Pévèle", commune=hdf.cysoing, latitude=50.40, longitude=3.00)
    ChannelFactory(venue=far, in_person=True, value="Place de la mairie de Templeuve")
    also_closed = VenueFactory(name="Autre lieu fermé", commune=hdf.templeuve, latitude=50.531, longitude=3.171)
    ChannelFactory(venue=also_closed, value="+33353011003")
    ClosurePeriodFactory(venue=also_closed)
    elsewhere = VenueFactory(
        name="Lieu d'Arras", commune=hdf.arras, postal_code="62000", latitude=50.29, longitude=2.78
    )
    ChannelFactory(venue=elsewhere, value="+33353011004")
    hdf.closed, hdf.near, hdf.far = closed, near, far
    return hdf


def names(queryset):
    return [v.name for v in queryset]


def test_open_alternatives_serve_the_same_commune_nearest_first(world):
    today = timezone.localdate()
    found = names(Venue.objects.open_alternatives_to(world.closed, None, today))
    assert found == ["Médiathèque de Cysoing", "Bus de la Pévèle"]


def test_scenario_1_puts_the_drop_in_first_and_needs_a_usable_channel(world):
    today = timezone.localdate()
    assert names(Venue.objects.open_alternatives_to(world.closed, 1, today)) == ["Bus de la Pévèle"]
    ChannelFactory(venue=world.near, signage=True)
    assert names(Venue.objects.open_alternatives_to(world.closed, 1, today)) == [
        "Bus de la Pévèle",
        "Médiathèque de Cysoing",
    ]


def test_the_page_of_a_closed_venue_reaches_an_open_one(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        html = client.get(world.closed.get_absolute_url()).content.decode()
    block = html.split('id="pendant-fermeture"')[1]
    assert "Médiathèque de Cysoing" in block and "Bus de la Pévèle" in block
    assert block.index("Médiathèque de Cysoing") < block.index("Bus de la Pévèle")
    assert "Appeler le 03 53 01 10 02" in block
    assert "Autre lieu fermé" not in block and "Lieu d&#x27;Arras" not in block
    assert "à 4," in block or "à 5," in block  # distance from the closed venue, in km


def test_scenario_1_banner_lists_only_what_scenario_1_can_use(client, world):
    html = client.get(world.closed.get_absolute_url() + "?scenario=1").content.decode()
    banner = html.split('class="banner banner-paused"')[1].split("</div>")[0]
    # The phone still works during the closure, but not without a network; the drop-in is suspended.
    assert "tel:" not in banner
    assert "aucun de ses moyens de contact" in banner and 'href="#pendant-fermeture"' in banner
    html = client.get(world.closed.get_absolute_url() + "?scenario=2").content.decode()
    banner = html.split('class="banner banner-paused"')[1].split("</div>")[0]
    assert "Appeler le 03 53 01 10 01" in banner


def test_a_closed_card_links_to_open_venues_of_its_commune(client, world):
    html = client.get("/lieux/?q=templeuve&scenario=2").content.decode()
    assert f"/lieux/?commune={world.templeuve.code}&amp;statut=ouvert&amp;scenario=2" in html


def test_when_nothing_else_is_open(client, hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.arras, postal_code="62000", service_area=enums.ServiceArea.COMMUNE)
    ClosurePeriodFactory(venue=venue, ends_on=timezone.localdate() + datetime.timedelta(days=2))
    html = client.get(venue.get_absolute_url()).content.decode()
    assert "Aucun autre lieu ouvert ne dessert Arras pour le moment." in html
