"""One definition of « reachable in scenario s on date d » (directory.reachability): the
Python twin, the ORM twin (directory list), the coverage SQL (both views), the paper sheet and
the SMS reply agree on every case of one table, as tests/test_status.py does for the status."""

import datetime

import pytest
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from directory import coverage, enums
from directory.models import ClosurePeriod, Venue
from directory.sms.reply import build_reply
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory

pytestmark = pytest.mark.django_db

K = enums.ChannelKind
AREA = enums.ServiceArea
TODAY = timezone.localdate()
SHEET_KINDS = {K.PHONE, K.SMS, K.IN_PERSON}


def days(n):
    return TODAY + datetime.timedelta(days=n)


# (channels as (kind, scenario or None, named by the closure), closure, closed for good on,
#  where the venue is and what it serves, expected reachable in scenarios 1/2/3,
#  expected in the SMS reply)
# Where: "here" (located in Cysoing, area commune), "epci" (located in Templeuve, area EPCI),
# "departement" (located in Lille, area département), "bus" (located in Templeuve, a list of
# stops including Cysoing), "bus elsewhere" (a list without Cysoing).
CASES = {
    "open, in person": ([(K.IN_PERSON, None, False)], None, None, "here", (1, 1, 1), False),
    "open, SMS": ([(K.SMS, None, False)], None, None, "here", (0, 1, 1), True),
    "open, e-mail": ([(K.EMAIL, None, False)], None, None, "here", (0, 0, 1), False),
    "phone typed scenario 1 stays a phone": ([(K.PHONE, 1, False)], None, None, "here", (0, 1, 1), True),
    "no channel": ([], None, None, "here", (0, 0, 0), False),
    # The closure rule (ClosurePeriod.keeps_working): naming none stops only the drop-in.
    "closed, naming no channel": (
        [(K.IN_PERSON, None, False), (K.PHONE, None, False)],
        (days(-2), days(5)),
        None,
        "here",
        (0, 1, 1),
        True,
    ),
    "closed, naming no channel, drop-in only": (
        [(K.IN_PERSON, None, False)],
        (days(-2), days(5)),
        None,
        "here",
        (0, 0, 0),
        False,
    ),
    "closed, naming no channel, a sign on the door": (
        [(K.IN_PERSON, None, False), (K.SIGNAGE, None, False)],
        (days(-2), None),
        None,
        "epci",
        (1, 1, 1),
        False,
    ),
    "closed, naming its SMS": (
        [(K.IN_PERSON, None, False), (K.SMS, None, True)],
        (days(-2), None),
        None,
        "epci",
        (0, 1, 1),
        True,
    ),
    "closed, naming its signage": (
        [(K.SIGNAGE, None, True), (K.PHONE, None, False)],
        (TODAY, TODAY),
        None,
        "departement",
        (1, 1, 1),
        False,
    ),
    "closure over": ([(K.IN_PERSON, None, False)], (days(-9), days(-1)), None, "epci", (1, 1, 1), False),
    "closure to come": ([(K.PHONE, None, False)], (days(1), days(9)), None, "departement", (0, 1, 1), True),
    "closed for good": ([(K.PHONE, None, False)], None, days(-1), "here", (0, 0, 0), False),
    "closing for good later": ([(K.PHONE, None, False)], None, days(5), "here", (0, 1, 1), True),
    "bus stopping here": ([(K.IN_PERSON, None, False)], None, None, "bus", (1, 1, 1), False),
    "bus stopping elsewhere": ([(K.IN_PERSON, None, False)], None, None, "bus elsewhere", (0, 0, 0), False),
    "département-wide SMS line": ([(K.SMS, None, False)], None, None, "departement", (0, 1, 1), True),
}


def make_case(t, channels, closure, closed_on, where):
    located, area, stops = {
        "here": (t.cysoing, AREA.COMMUNE, []),
        "epci": (t.templeuve, AREA.EPCI, []),
        "departement": (t.lille, AREA.DEPARTEMENT, []),
        "bus": (t.templeuve, AREA.COMMUNES, [t.cysoing]),
        "bus elsewhere": (t.templeuve, AREA.COMMUNES, [t.villeneuve]),
    }[where]
    venue = VenueFactory(name="Lieu du cas", commune=located, service_area=area, closed_permanently_on=closed_on)
    venue.service_area_communes.set(stops)
    named = []
    for kind, scenario, is_named in channels:
        channel = ChannelFactory(venue=venue, kind=kind, scenario=scenario, **({"sms": True} if kind == K.SMS else {}))
        if kind == K.IN_PERSON:
            channel.value = "Salle du conseil"
            channel.save()
        if is_named:
            named.append(channel)
    if closure:
        period = ClosurePeriodFactory(venue=venue, starts_on=closure[0], ends_on=closure[1])
        period.open_channels.set(named)
    return venue


def prefetched(venue):
    return Venue.objects.prefetch_related(
        "channels", Prefetch("closures", queryset=ClosurePeriod.objects.prefetch_related("open_channels"))
    ).get(pk=venue.pk)


def in_directory(client, commune, scenario, venue):
    response = client.get(reverse("directory:venue_list"), {"commune": commune.code, "scenario": scenario})
    assert response.status_code == 200
    return venue.name in response.content.decode()


@pytest.mark.parametrize("case", CASES)
def test_every_consumer_agrees_on_reachable(client, hauts_de_france, case):
    t = hauts_de_france
    channels, closure, closed_on, where, expected, expected_sms = CASES[case]
    venue = make_case(t, channels, closure, closed_on, where)
    expected = {s: bool(e) for s, e in zip(coverage.SCENARIOS, expected, strict=True)}
    target = t.cysoing

    python = {s: prefetched(venue).is_reachable_in(s, TODAY) for s in coverage.SCENARIOS}
    serves = Venue.objects.serving(target).filter(pk=venue.pk).exists()
    orm = {s: Venue.objects.serving(target).reachable_in(s, TODAY).filter(pk=venue.pk).exists() for s in python}
    directory = {s: in_directory(client, target, s, venue) for s in python}
    result = coverage.compute("commune", target.code, TODAY)
    sql_any = {s: result.totals.covered[s] > 0 for s in python}
    sql_prox = {s: result.totals.covered_prox[s] > 0 for s in python}

    assert orm == expected, "ORM"
    assert directory == expected, "directory list"
    assert sql_any == expected, "coverage SQL"
    # « Proximité » leaves out the département-wide services, nothing else.
    assert sql_prox == {s: e and where != "departement" for s, e in expected.items()}, "coverage proximité"
    # The Python twin says whether the venue is reachable at all; serving says from where.
    assert {s: python[s] and serves for s in python} == expected, "Python"
    assert result.totals.reachable == {s: int(e) for s, e in expected.items()}

    # The SMS reply (scenario 2, phone numbers) for the postal code of Cysoing.
    reply = build_reply(target.postal_codes[0])
    assert (venue.name in reply.text) == expected_sms, "SMS"

    # The paper sheet shows the venue's channels that work today, the offline kinds only.
    sheet = client.get(reverse("directory:territory_sheet", kwargs={"code": target.code}))
    entries = {e["venue"].pk: e for e in sheet.context["entries"]}
    working = {c.kind for c in prefetched(venue).working_channels(TODAY)}
    offline = {kind for kind, _scenario, _named in channels} & set(SHEET_KINDS)
    if closed_on and closed_on <= TODAY or not serves or not offline:
        # Closed for good, elsewhere, or reachable only online: not on a sheet made for
        # people without internet (issue 14). A temporarily closed venue stays, with its
        # closure and what still works.
        assert venue.pk not in entries
    else:
        shown = {c.kind for c in entries[venue.pk]["channels"]}
        assert shown == working & SHEET_KINDS, "sheet"
        # Scenario 2 reachable through the sheet's kinds iff something is printed for it.
        assert bool(shown - {K.IN_PERSON}) == (expected[2] and bool(working & {K.PHONE, K.SMS}))


def test_channels_shown_for_a_scenario_are_those_reachability_counts(client, hauts_de_france):
    """A phone a mediator typed as scenario 1 does not make the venue reachable in scenario 1
    (no device there), so the list, the API and the venue's own lists do not offer it there."""
    from directory.reachability import channel_usable_in

    venue = VenueFactory(commune=hauts_de_france.lille, postal_code="59000")
    ChannelFactory(venue=venue, kind=K.PHONE, scenario=1)
    ChannelFactory(venue=venue, kind=K.SIGNAGE, value="Affiche sur la porte")
    ChannelFactory(venue=venue, kind=K.EMAIL, value="contact@exemple.fr")
    venue = Venue.objects.prefetch_related("channels").get(pk=venue.pk)
    for scenario in coverage.SCENARIOS:
        usable = {c.kind for c in venue.channels.all() if channel_usable_in(c.kind, c.scenario, scenario)}
        api = client.get(reverse("api:venue-list"), {"scenario": scenario}).json()["results"]
        assert {c["kind"] for c in api[0]["channels"]} == usable, ("API", scenario)
        assert {c.kind for c in venue.channels_for(scenario)} == usable, ("channels_for", scenario)
        assert set(venue.channels.usable_in(scenario).values_list("kind", flat=True)) == usable, scenario
    assert usable == {K.PHONE, K.SIGNAGE, K.EMAIL}
    assert {c.kind for c in venue.channels_for(1)} == {K.SIGNAGE}
