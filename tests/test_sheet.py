"""Paper sheet of a commune or an EPCI: who serves it, status, offline channels only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from directory import enums
from directory.models import Commune, Epci, Venue
from directory.views.printing import SHEET_KINDS
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory


def sheet_url(code):
    return reverse("directory:territory_sheet", kwargs={"code": code})


@pytest.fixture
def world(hauts_de_france):
    hdf = hauts_de_france
    hdf.nord.contact_label = "Mission inclusion numérique du Nord"
    hdf.nord.contact_phone = "+33353019900"
    hdf.nord.save()
    hdf.fives = VenueFactory(name="Centre social Fives", commune=hdf.lille, service_area="commune")
    ChannelFactory(venue=hdf.fives, value="+33353010040", availability="mardi 14 h – 17 h")
    ChannelFactory(venue=hdf.fives, email=True)
    hdf.vda = VenueFactory(name="Médiathèque Till l'Espiègle", commune=hdf.villeneuve, service_area="epci")
    ChannelFactory(venue=hdf.vda, sms=True, value="+33639980041")
    ChannelFactory(venue=hdf.vda, in_person=True, value="Hall de la mairie")
    hdf.caf = VenueFactory(name="CAF du Nord", commune=hdf.cysoing, service_area="departement")
    ChannelFactory(venue=hdf.caf, value="+33353010042")
    hdf.closed = VenueFactory(name="Espace numérique fermé", commune=hdf.lille, service_area="commune")
    phone = ChannelFactory(venue=hdf.closed, value="+33353010043")
    sms = ChannelFactory(venue=hdf.closed, sms=True, value="+33639980043")
    closure = ClosurePeriodFactory(venue=hdf.closed, public_message="Réouverture après travaux")
    closure.open_channels.add(sms)
    hdf.closed_phone = phone
    hdf.gone = VenueFactory(name="Lieu disparu", commune=hdf.lille, closed_for_good=True)
    hdf.elsewhere = VenueFactory(name="Point numérique de Templeuve", commune=hdf.templeuve, service_area="commune")
    ChannelFactory(venue=hdf.elsewhere, in_person=True)
    hdf.arras_venue = VenueFactory(name="France services Arras", commune=hdf.arras, service_area="departement")
    return hdf


def test_the_commune_sheet_lists_every_venue_serving_it(client, world):
    response = client.get(sheet_url("59350"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lille" in html
    for name in ("Centre social Fives", "Médiathèque Till", "CAF du Nord", "Espace numérique fermé"):
        assert name in html, name
    for name in ("Lieu disparu", "Templeuve", "France services Arras"):
        assert name not in html, name
    # Offline channels only, with their availability; no e-mail.
    assert "03 53 01 00 40" in html and "mardi 14 h – 17 h" in html
    assert "06 39 98 00 41" in html and "Hall de la mairie" in html
    assert "contact@exemple.fr" not in html
    # Ordered by commune, then name.
    assert html.index("CAF du Nord") < html.index("Centre social Fives") < html.index("Médiathèque Till")
    # Header: département contact, date.
    assert "Mission inclusion numérique du Nord" in html and "03 53 01 99 00" in html
    assert timezone.localdate().strftime("%Y") in html


def test_a_closed_venue_shows_its_closure_and_only_the_channels_still_open(client, world):
    html = client.get(sheet_url("59350")).content.decode()
    assert "Fermé temporairement jusqu" in html and "Réouverture après travaux" in html
    assert "06 39 98 00 43" in html
    assert "03 53 01 00 43" not in html


def test_the_epci_sheet_covers_all_its_communes(client, world):
    response = client.get(sheet_url(world.pevele.code))
    assert response.status_code == 200
    html = response.content.decode()
    assert "CC Pévèle-Carembault" in html
    assert "Point numérique de Templeuve" in html
    assert "CAF du Nord" in html
    assert "Centre social Fives" not in html  # serves Lille only
    assert "2 communes" in html


def test_a_commune_without_venues_gets_an_explicit_sheet(client, world):
    Venue.objects.filter(commune__departement__code="62").delete()
    html = client.get(sheet_url("62041")).content.decode()
    assert "Aucun lieu de médiation numérique" in html


@pytest.mark.parametrize("code", ["abc", "1234", "59999", "123456789", "2C001", "5935O", "59350-x"])
def test_unknown_or_malformed_codes_are_404(client, world, code):
    assert client.get(sheet_url(code)).status_code == 404


def test_lowercase_corsican_codes_are_understood(client, world):
    Commune.objects.create(code="2A004", name="Ajaccio", departement=world.nord, postal_codes=["20000"])
    assert client.get(sheet_url("2a004")).status_code == 200


def test_the_sheet_has_no_inline_style(client, world):
    html = client.get(sheet_url(world.mel.code)).content.decode()
    assert "style=" not in html


def test_the_sheet_query_count_is_constant(client, world, django_assert_num_queries):
    with django_assert_num_queries(6):
        client.get(sheet_url(world.mel.code))
    for n in range(6):
        venue = VenueFactory(commune=world.villeneuve, service_area="epci")
        ChannelFactory(venue=venue, value=f"+3335301050{n}")
        ChannelFactory(venue=venue, in_person=True)
        ClosurePeriodFactory(venue=venue).open_channels.add(*venue.channels.all())
    with django_assert_num_queries(6):
        client.get(sheet_url(world.mel.code))


def test_every_demo_territory_has_a_sheet(client, demo_world):
    today = timezone.localdate()
    # Venues reachable only online are left off paper sheets (counted, not listed).
    venues = list(
        Venue.objects.not_permanently_closed(today)
        .filter(channels__kind__in=SHEET_KINDS)
        .distinct()
        .select_related("commune")
    )
    communes = {v.commune_id for v in venues}
    epcis = {v.commune.epci_id for v in venues if v.commune.epci_id}
    assert communes and epcis
    for code in sorted(communes):
        response = client.get(sheet_url(code))
        assert response.status_code == 200, code
        html = response.content.decode()
        for venue in venues:
            if venue.commune_id == code:
                assert venue.name.replace("'", "&#x27;") in html or venue.name in html, (code, venue.name)
    for code in sorted(epcis):
        response = client.get(sheet_url(code))
        assert response.status_code == 200, code
        assert Epci.objects.get(code=code).name.replace("'", "&#x27;") in response.content.decode()
    assert enums.ServiceArea.DEPARTEMENT in {v.service_area for v in venues}


def test_the_commune_sheet_query_count_is_constant(client, world, django_assert_num_queries):
    with django_assert_num_queries(5):
        client.get(sheet_url(world.lille.code))
    for n in range(4):
        venue = VenueFactory(commune=world.lille, service_area="commune")
        ChannelFactory(venue=venue, value=f"+3335301060{n}")
    with django_assert_num_queries(5):
        client.get(sheet_url(world.lille.code))


def test_the_sheet_lists_only_what_works_without_internet_and_says_so(client, world, settings):
    online_only = VenueFactory(name="Groupe WhatsApp d'entraide", commune=world.lille, service_area="commune")
    ChannelFactory(venue=online_only, whatsapp=True)
    settings.SMS_LOOKUP_NUMBER = "06 39 98 00 00"
    html = client.get(sheet_url("59350")).content.decode()
    assert "Groupe WhatsApp" not in html and "Aucun téléphone ni permanence" not in html
    assert "ne donne que ce qui marche sans internet" in html
    assert "1 autre lieu, joignable seulement par internet, n'y figure pas." in html
    assert "Envoyez le nom de votre commune au 06 39 98 00 00" in html
