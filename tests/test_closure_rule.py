"""One rule for « what still works during a closure »: ``ClosurePeriod.keeps_working`` (Python,
through ``Venue.channels_working_on``) and ``Channel.objects.working_on`` (SQL) agree on a table
of calendar cases, as tests/test_status.py does for the status."""

import datetime

import pytest

from directory.channels import display_phone
from directory.enums import ChannelKind
from directory.models import Channel, Venue
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 16)
K = ChannelKind


def days(n):
    return TODAY + datetime.timedelta(days=n)


ALL = ("phone", "sms", "in_person", "signage", "post", "email")

# (closures: [(start, end, named channel kinds)], closed for good, {day offset: kinds working})
CASES = {
    "no closure: everything works": ([], None, {0: ALL}),
    "closure naming nothing: all but the drop-in": (
        [(days(-2), days(2), ())],
        None,
        {
            -3: ALL,
            -2: ("phone", "sms", "signage", "post", "email"),
            2: ("phone", "sms", "signage", "post", "email"),
            3: ALL,
        },
    ),
    "closure naming the SMS: only the SMS": ([(days(0), None, ("sms",))], None, {-1: ALL, 0: ("sms",), 300: ("sms",)}),
    "closure naming the drop-in (elsewhere): only it": (
        [(days(0), days(0), ("in_person",))],
        None,
        {0: ("in_person",)},
    ),
    "two closures: each must keep the channel": (
        [(days(0), days(5), ("sms", "phone")), (days(3), days(8), ())],
        None,
        {0: ("sms", "phone"), 4: ("sms", "phone"), 6: ("phone", "sms", "signage", "post", "email"), 9: ALL},
    ),
    "two closures naming different channels: nothing": (
        [(days(0), days(5), ("sms",)), (days(0), days(5), ("phone",))],
        None,
        {0: ()},
    ),
    "closed for good: nothing, closures or not": ([(days(-5), None, ("sms",))], days(1), {0: ("sms",), 1: (), 50: ()}),
    "future closure: not yet": (
        [(days(10), days(12), ())],
        None,
        {9: ALL, 10: ("phone", "sms", "signage", "post", "email")},
    ),
}

VALUES = {
    "phone": "+33353011007",
    "sms": "+33639981007",
    "in_person": "Salle des fêtes, jeudi 14 h – 17 h",
    "signage": "Affiche sur la porte",
    "post": "1 place de la mairie, 59830 Cysoing",
    "email": "contact@exemple.fr",
}


def build(hauts_de_france, closures, closed_for_good):
    venue = VenueFactory(commune=hauts_de_france.cysoing, closed_permanently_on=closed_for_good)
    channels = {kind: ChannelFactory(venue=venue, kind=kind, value=VALUES[kind]) for kind in ALL}
    for start, end, named in closures:
        closure = ClosurePeriodFactory(venue=venue, starts_on=start, ends_on=end)
        closure.open_channels.set([channels[kind] for kind in named])
    return venue


def python_working(venue, on):
    venue = Venue.objects.prefetch_related("channels", "closures__open_channels").get(pk=venue.pk)
    return {c.kind for c in venue.channels_working_on(on)}


def sql_working(venue, on):
    return set(Channel.objects.working_on(on).filter(venue=venue).values_list("kind", flat=True))


@pytest.mark.parametrize("case", list(CASES))
def test_python_and_sql_agree_on_what_still_works(hauts_de_france, case):
    closures, closed_for_good, expected = CASES[case]
    venue = build(hauts_de_france, closures, closed_for_good)
    for offset, kinds in expected.items():
        on = days(offset)
        assert python_working(venue, on) == set(kinds), (case, offset)
        assert sql_working(venue, on) == set(kinds), (case, offset)


@pytest.mark.parametrize("case", list(CASES))
def test_reachability_follows_the_same_rule(hauts_de_france, case):
    """``reachable_in(scenario, on)`` is true exactly when a working channel is usable."""
    closures, closed_for_good, expected = CASES[case]
    venue = build(hauts_de_france, closures, closed_for_good)
    for offset in expected:
        on = days(offset)
        working = Venue.objects.prefetch_related("channels", "closures__open_channels").get(pk=venue.pk)
        kinds = working.channels_working_on(on)
        for scenario in (1, 2, 3):
            python = any(c.scenario <= scenario for c in kinds)
            sql = Venue.objects.reachable_in(scenario, on).filter(pk=venue.pk).exists()
            assert python == sql, (case, offset, scenario)


def test_json_rows_of_a_page_use_the_same_rule(hauts_de_france):
    """Pages read closures as JSON (``open_channel_ids``): the rule reads those too."""
    from directory.presenters import closures_of

    venue = build(hauts_de_france, [(days(0), days(3), ("sms",))], None)
    sms = venue.channels.get(kind=K.SMS)
    rows = [
        {
            "starts_on": days(0).isoformat(),
            "ends_on": days(3).isoformat(),
            "public_message": "",
            "open_channels": [sms.pk],
        }
    ]
    venue.listed_closures = closures_of(venue, rows)
    assert [c.kind for c in venue.channels_working_on(TODAY, venue.channels.all())] == [K.SMS]


@pytest.mark.parametrize("case", list(CASES))
def test_what_envoyer_and_the_printed_venue_give_follows_the_same_rule(hauts_de_france, case):
    """« Envoyer » (the number in the message) and the printed venue (its channels) ask the one
    rule too, on every closure covering the day, not the current closure alone."""
    from directory.share import contact_number
    from directory.views.share import channels_by_scenario

    closures, closed_for_good, expected = CASES[case]
    venue = build(hauts_de_france, closures, closed_for_good)
    for offset, kinds in expected.items():
        on = days(offset)
        working = Venue.objects.prefetch_related("channels", "closures__open_channels").get(pk=venue.pk)
        printed = {c.kind for _scenario, channels in channels_by_scenario(working, on, None) for c in channels}
        assert printed == set(kinds), (case, offset, "printed venue")
        number = contact_number(working, on)
        wanted = next((k for k in ("phone", "sms") if k in kinds), None)
        assert (number[1] if number else None) == (display_phone(VALUES[wanted]) if wanted else None), (case, offset)
