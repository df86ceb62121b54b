"""Venue status derived from closure periods: Python (status_on) and SQL querysets agree."""

import datetime

import pytest
from django.utils import timezone

from directory.enums import VenueStatus
from directory.models import Venue
from tests.factories import ClosurePeriodFactory, VenueFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 16)
OPEN, TEMP, PERM = VenueStatus.OPEN, VenueStatus.TEMPORARILY_CLOSED, VenueStatus.PERMANENTLY_CLOSED


def days(n):
    return TODAY + datetime.timedelta(days=n)


def sql_status(venue, on):
    """The status according to the SQL querysets (``in_status_on``, as the ``statut`` filter of
    the list, the API and the admin reads it), which must be mutually exclusive."""
    found = [status for status in VenueStatus if Venue.objects.in_status_on(status, on).filter(pk=venue.pk).exists()]
    assert len(found) == 1, found
    return found[0]


def python_status(venue, on):
    return Venue.objects.prefetch_related("closures").get(pk=venue.pk).status_on(on)


@pytest.fixture
def make_venue(hauts_de_france):
    def make(closures=(), closed_for_good=None):
        venue = VenueFactory(commune=hauts_de_france.lille, closed_permanently_on=closed_for_good)
        for start, end in closures:
            ClosurePeriodFactory(venue=venue, starts_on=start, ends_on=end)
        return venue

    return make


CASES = {
    "no closure": ({}, OPEN),
    "today inside the closure": ({"closures": [(days(-3), days(3))]}, TEMP),
    "closure starts today": ({"closures": [(TODAY, days(3))]}, TEMP),
    "closure ends today (inclusive)": ({"closures": [(days(-3), TODAY)]}, TEMP),
    "future closure": ({"closures": [(days(1), days(10))]}, OPEN),
    "past closure": ({"closures": [(days(-10), days(-1))]}, OPEN),
    "open-ended closure": ({"closures": [(days(-3), None)]}, TEMP),
    "open-ended closure starting tomorrow": ({"closures": [(days(1), None)]}, OPEN),
    "closed for good yesterday": ({"closed_for_good": days(-1)}, PERM),
    "closed for good today": ({"closed_for_good": TODAY}, PERM),
    "closing for good next month": ({"closed_for_good": days(30)}, OPEN),
    "closed for good and temporarily closed": ({"closures": [(days(-3), None)], "closed_for_good": days(-1)}, PERM),
    "several closures, one current": ({"closures": [(days(-30), days(-20)), (days(-1), days(1))]}, TEMP),
}


@pytest.mark.parametrize("case", list(CASES))
def test_status_in_python_and_sql_agree(make_venue, case):
    kwargs, expected = CASES[case]
    venue = make_venue(**kwargs)
    assert python_status(venue, TODAY) == expected
    assert sql_status(venue, TODAY) == expected


def test_status_follows_the_calendar(make_venue):
    venue = make_venue(closures=[(days(2), days(4))], closed_for_good=days(10))
    expected = {-1: OPEN, 1: OPEN, 2: TEMP, 3: TEMP, 4: TEMP, 5: OPEN, 9: OPEN, 10: PERM, 40: PERM}
    for offset, status in expected.items():
        assert python_status(venue, days(offset)) == status, offset
        assert sql_status(venue, days(offset)) == status, offset


def test_current_closure_prefers_the_open_ended_one(make_venue):
    # The venue stays closed after the dated closure ends: "until further notice" is the truth.
    venue = make_venue(closures=[(days(-5), None), (days(-1), days(2))])
    venue = Venue.objects.prefetch_related("closures").get(pk=venue.pk)
    assert venue.current_closure(TODAY).ends_on is None
    assert venue.current_closure(days(10)).ends_on is None
    assert venue.current_closure(days(-6)) is None
    assert [c.starts_on for c in venue.closures_on(TODAY)] == [days(-5), days(-1)]


def test_current_closure_gives_the_latest_reopening_date(make_venue):
    # Two overlapping dated closures: the venue reopens when the later one ends.
    venue = make_venue(closures=[(days(-5), days(2)), (days(-1), days(9))])
    venue = Venue.objects.prefetch_related("closures").get(pk=venue.pk)
    assert venue.current_closure(TODAY).ends_on == days(9)
    assert venue.current_closure(days(5)).ends_on == days(9)


def test_upcoming_closures_are_sorted(make_venue):
    venue = make_venue(closures=[(days(20), days(21)), (days(5), days(6)), (days(-5), days(-1))])
    assert [c.starts_on for c in venue.upcoming_closures(TODAY)] == [days(5), days(20)]


def test_status_defaults_to_today(make_venue):
    today = timezone.localdate()
    venue = make_venue(closures=[(today - datetime.timedelta(days=1), today + datetime.timedelta(days=1))])
    assert venue.status == TEMP
    assert Venue.objects.temporarily_closed_on(today).get() == venue


def test_with_status_annotates_current_closures(make_venue):
    closed = make_venue(closures=[(days(-1), days(1))])
    opened = make_venue(closures=[(days(3), days(4))])
    flags = dict(Venue.objects.with_status(TODAY).values_list("pk", "is_closed_on_date"))
    assert flags == {closed.pk: True, opened.pk: False}
    assert set(Venue.objects.not_permanently_closed(TODAY)) == {closed, opened}


def test_statuses_of_a_page_cost_two_queries(make_venue, django_assert_num_queries):
    for case in CASES.values():
        make_venue(**case[0])
    with django_assert_num_queries(2):
        statuses = [v.status_on(TODAY) for v in Venue.objects.prefetch_related("closures")]
    assert sorted(statuses) == sorted(expected for _kwargs, expected in CASES.values())


# --- one wording: every consumer prints ``hours.venue_status`` --------------------------------

WORDING_CASES = {
    "temporarily closed until a date": {"closure": (-2, 5), "opening_hours": "Mo-Su 09:00-17:00"},
    "temporarily closed, no end": {"closure": (-2, None), "opening_hours": "Mo-Su 09:00-17:00"},
    "hours unknown": {"closure": None, "opening_hours": ""},
}


@pytest.mark.parametrize("case", list(WORDING_CASES))
def test_every_consumer_prints_the_one_status_wording(client, hauts_de_france, case):
    """List card, venue page, API, door poster, paper sheet, SMS reply and « Envoyer » all print
    the words of ``hours.venue_status`` (in its moment, paper or SMS form), none its own. The
    cases do not depend on the time of day, so the pages can be read at any moment."""
    from html import unescape

    from django.urls import reverse

    from directory import hours, share
    from directory.sms.reply import build_reply
    from tests.factories import ChannelFactory

    spec = WORDING_CASES[case]
    today = timezone.localdate()
    venue = VenueFactory(
        name="Espace numérique Wazemmes",
        commune=hauts_de_france.lille,
        postal_code="59000",
        opening_hours=spec["opening_hours"],
    )
    ChannelFactory(venue=venue)  # a phone: still works during a closure naming no channel
    if spec["closure"]:
        start, end = spec["closure"]
        ClosurePeriodFactory(venue=venue, starts_on=days_from(today, start), ends_on=days_from(today, end))
    venue = Venue.objects.prefetch_related("channels", "closures__open_channels").get(pk=venue.pk)
    status = venue.status_at()
    printed = hours.day_status(venue, today)
    assert status.state != hours.State.OPEN and printed.printed == status.text  # time-independent cases

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, url
        return unescape(response.content.decode())

    assert status.text in page(reverse("directory:venue_list") + "?commune=59350"), "list card"
    assert status.text in page(venue.get_absolute_url()), "venue page"
    api = client.get(reverse("api:venue-detail", args=[venue.slug])).json()
    assert api["status"]["now"]["texte"] == status.text, "API"
    assert printed.printed in page(reverse("directory:venue_poster", args=[venue.slug])), "door poster"
    assert printed.printed in page(reverse("directory:territory_sheet", args=["59350"])), "paper sheet"
    assert status.sms in build_reply("59000").text, "SMS reply"
    message = share.venue_message(venue, today=today)
    assert printed.printed_sms in message.sms_text and printed.printed_sms in message.text, "Envoyer"


def days_from(today, n):
    return None if n is None else today + datetime.timedelta(days=n)
