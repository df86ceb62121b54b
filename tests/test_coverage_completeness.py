"""What a venue lacks per scenario: Venue.missing_for (Python, for « Mon lieu ») and the SQL of
the staff list « lieux incomplets » agree on a table of cases; the list is sorted by the
population the venue serves; access as the coverage page."""

import pytest
from django.urls import reverse

from directory import coverage, enums
from directory.models import Venue
from tests.factories import (
    ChannelFactory,
    CommuneFactory,
    DepartementStaffFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

K = enums.ChannelKind
URL = reverse("directory:coverage_incomplete")

# channels as (kind, value, scenario or None, availability), venue opening hours,
# expected complete in scenarios 1/2/3
CASES = {
    "nothing": ([], "", (0, 0, 0)),
    "in person with the venue's hours": ([(K.IN_PERSON, "Salle", None, "")], "Mo 09:00-12:00", (1, 0, 0)),
    "in person with its own availability": ([(K.IN_PERSON, "Salle", None, "mardi 9 h")], "", (1, 0, 0)),
    "in person without any hours": ([(K.IN_PERSON, "Salle", None, "")], "", (0, 0, 0)),
    "signage": ([(K.SIGNAGE, "Affiche", None, "")], "", (1, 0, 0)),
    "post": ([(K.POST, "1 rue de la Poste, 59000 Lille", None, "")], "", (1, 0, 0)),
    "landline phone": ([(K.PHONE, "+33353010000", None, "")], "", (0, 0, 0)),
    "mobile phone": ([(K.PHONE, "+33639980000", None, "")], "", (0, 1, 0)),
    "SMS": ([(K.SMS, "+33639980001", None, "")], "", (0, 1, 0)),
    "SMS typed scenario 3": ([(K.SMS, "+33639980001", 3, "")], "", (0, 0, 0)),
    "e-mail": ([(K.EMAIL, "contact@exemple.fr", None, "")], "", (0, 0, 1)),
    "website": ([(K.WEBSITE, "https://www.exemple.fr/", None, "")], "", (0, 0, 1)),
    "everything": (
        [
            (K.SIGNAGE, "Affiche", None, ""),
            (K.SMS, "+33639980001", None, ""),
            (K.WHATSAPP, "https://chat.whatsapp.com/AbCdEfGhIj0123", None, ""),
        ],
        "",
        (1, 1, 1),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_python_and_sql_agree_on_what_is_missing(hauts_de_france, case):
    channels, hours, expected = CASES[case]
    venue = VenueFactory(commune=hauts_de_france.lille, opening_hours=hours)
    for kind, value, scenario, availability in channels:
        ChannelFactory(venue=venue, kind=kind, value=value, scenario=scenario, availability=availability)
    venue = Venue.objects.prefetch_related("channels").get(pk=venue.pk)
    for s, complete in zip(coverage.SCENARIOS, expected, strict=True):
        python = venue.missing_for(s)
        assert (python == []) == bool(complete), (s, python)
        _count, found = coverage.incomplete_venues(s, "departement", "59")
        assert (venue.pk not in {pk for pk, _served in found}) == bool(complete), s


def test_the_list_is_sorted_by_population_served(client, hauts_de_france):
    t = hauts_de_france
    small = CommuneFactory(code="59998", name="Petit-Village", departement=t.nord, epci=None, population=150)
    mel_wide = VenueFactory(name="Service MEL", commune=t.villeneuve, service_area=enums.ServiceArea.EPCI)
    bus = VenueFactory(name="Bus", commune=t.cysoing, service_area=enums.ServiceArea.COMMUNES)
    bus.service_area_communes.set([t.templeuve, t.cysoing])
    village = VenueFactory(name="Village", commune=small, service_area=enums.ServiceArea.COMMUNE)
    nord_wide = VenueFactory(name="Ligne Nord", commune=t.lille, service_area=enums.ServiceArea.DEPARTEMENT)
    gone = VenueFactory(name="Disparu", commune=t.lille, closed_for_good=True)
    complete = VenueFactory(name="Complet", commune=t.lille)
    ChannelFactory(venue=complete, signage=True)
    ChannelFactory(venue=gone)

    count, found = coverage.incomplete_venues(1, "departement", "59")
    served = dict(found)
    assert count == 4 and gone.pk not in served and complete.pk not in served
    assert served[mel_wide.pk] == 236710 + 62000
    assert served[bus.pk] == 4900 + 6100  # its own commune once, then its other stops
    assert served[village.pk] == 150
    assert served[nord_wide.pk] == 236710 + 62000 + 4900 + 6100 + 150
    assert [pk for pk, _s in found] == [nord_wide.pk, mel_wide.pk, bus.pk, village.pk]

    client.force_login(DepartementStaffFactory(departement=t.nord).user)
    response = client.get(URL, {"niveau": "departement", "code": "59", "scenario": "1"})
    assert response.status_code == 200
    assert [row["venue"].name for row in response.context["rows"]] == ["Ligne Nord", "Service MEL", "Bus", "Village"]
    html = response.content.decode()
    assert "Lieux incomplets pour le scénario 1" in html
    assert "298\u202f710" in html  # French thousands
    assert "un canal sans équipement" in html
    assert 'aria-sort="descending"' in html
    ascending = client.get(URL, {"niveau": "departement", "code": "59", "scenario": "1", "tri": "population"})
    assert [row["venue"].name for row in ascending.context["rows"]][0] == "Village"
    # The coverage page links to the three lists.
    page = client.get(reverse("directory:coverage"), {"niveau": "departement", "code": "59"}).content.decode()
    assert f"{URL}?niveau=departement&amp;code=59&amp;scenario=2" in page


def test_the_list_follows_the_coverage_access_rules(client, hauts_de_france):
    params = {"niveau": "departement", "code": "62", "scenario": "2"}
    assert client.get(URL, params).status_code == 302
    client.force_login(MembershipFactory().user)
    assert client.get(URL, params).status_code == 403
    client.force_login(DepartementStaffFactory(departement=hauts_de_france.nord).user)
    assert client.get(URL, params).status_code == 403
    assert client.get(URL, {**params, "scenario": "9", "code": "59"}).context["scenario"] == 1
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(URL, params).status_code == 200
