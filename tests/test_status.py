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
    """The status according to the three SQL querysets, which must be mutually exclusive."""
    found = [
        status
        for status, queryset in (
            (OPEN, Venue.objects.open_on(on)),
            (TEMP, Venue.objects.temporarily_closed_on(on)),
            (PERM, Venue.objects.permanently_closed_on(on)),
        )
        if queryset.filter(pk=venue.pk).exists()
    ]
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
