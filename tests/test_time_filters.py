"""Time filters (issue 13, part 4): « Ouvert maintenant », « le samedi », « après 18 h »,
« le … à … », on the HTML list and the API (same VenueFilter), honouring closures and public
holidays. The SQL filter agrees with the one status function on a table of cases."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from directory.filters import VenueFilter
from directory.models import Venue
from tests.factories import ClosurePeriodFactory, CommuneFactory, DepartementFactory, VenueFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
EXPRESSIONS = {
    "weekdays": "Mo-Fr 09:00-12:00,13:30-17:00; PH off",
    "saturday": "Sa 09:00-12:00",
    "evening": "Tu,Th 17:00-20:00",
    "night": "Fr 20:00-02:00",
    "holiday rule": "Mo-Fr 10:00-12:00; PH 10:00-11:00",
    "always": "24/7",
    "none": "",
}
# Monday 7 December 2026 … Friday 11, Saturday 12; Friday 25 December is a public holiday.
MOMENTS = [
    datetime.datetime(2026, 12, 7, 10),
    datetime.datetime(2026, 12, 7, 12, 30),
    datetime.datetime(2026, 12, 8, 18, 30),
    datetime.datetime(2026, 12, 11, 23, 0),
    datetime.datetime(2026, 12, 12, 1, 30),
    datetime.datetime(2026, 12, 12, 10, 0),
    datetime.datetime(2026, 12, 25, 10, 30),
    datetime.datetime(2026, 12, 25, 11, 30),
]


@pytest.fixture
def venues(hauts_de_france):
    made = {
        name: VenueFactory(name=name, commune=hauts_de_france.lille, opening_hours=hours)
        for name, hours in EXPRESSIONS.items()
    }
    closed = VenueFactory(
        name="weekdays but closed", commune=hauts_de_france.lille, opening_hours=EXPRESSIONS["weekdays"]
    )
    ClosurePeriodFactory(venue=closed, starts_on=datetime.date(2026, 12, 7), ends_on=datetime.date(2026, 12, 8))
    made["weekdays but closed"] = closed
    return made


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_open_at_agrees_with_the_status_function(venues, moment):
    in_sql = set(Venue.objects.open_at(moment).values_list("name", flat=True))
    in_python = {
        v.name
        for v in Venue.objects.prefetch_related("closures").filter(pk__in=[v.pk for v in venues.values()])
        if v.status_at(moment.replace(tzinfo=PARIS)).is_open
    }
    assert in_sql == in_python, moment


def test_open_now_uses_each_venue_time_zone(hauts_de_france):
    reunion = CommuneFactory(
        code="97411",
        name="Saint-Denis",
        departement=DepartementFactory(code="974", name="La Réunion", region=hauts_de_france.region),
        postal_codes=["97400"],
    )
    VenueFactory(name="Saint-Denis", commune=reunion, opening_hours="Mo-Fr 09:00-12:00")
    VenueFactory(name="Lille", commune=hauts_de_france.lille, opening_hours="Mo-Fr 09:00-12:00")
    # 06:30 in Paris is 09:30 in La Réunion.
    now = datetime.datetime(2026, 12, 7, 6, 30, tzinfo=PARIS)
    assert list(Venue.objects.open_now(now).values_list("name", flat=True)) == ["Saint-Denis"]
    now = datetime.datetime(2026, 12, 7, 10, 30, tzinfo=PARIS)  # 13:30 there
    assert list(Venue.objects.open_now(now).values_list("name", flat=True)) == ["Lille"]


def test_local_public_holidays_in_sql_agree_with_the_status(hauts_de_france):
    """« Ouvert le … à … » on a local public holiday: closed where it is one, by the expression's
    holiday rule, and an ordinary day elsewhere (the SQL twin of ``hours.hours_of``)."""
    martinique = CommuneFactory(
        code="97209",
        name="Fort-de-France",
        departement=DepartementFactory(code="972", name="Martinique", region=hauts_de_france.region),
        postal_codes=["97200"],
    )
    strasbourg = CommuneFactory(
        code="67482",
        name="Strasbourg",
        departement=DepartementFactory(code="67", name="Bas-Rhin", region=hauts_de_france.region),
        postal_codes=["67000"],
    )
    made = [
        VenueFactory(name=f"{place} {rule}", commune=commune, opening_hours=EXPRESSIONS[rule])
        for place, commune in (
            ("Fort-de-France", martinique),
            ("Strasbourg", strasbourg),
            ("Lille", hauts_de_france.lille),
        )
        for rule in ("weekdays", "holiday rule", "always")
    ]
    cases = {
        # Friday 22 May 2026, 10:30 in Martinique (16:30 in Paris): its abolition of slavery.
        # Fort-de-France's « weekdays » is closed (PH off); in Paris it is 16:30 on a Friday.
        datetime.datetime(2026, 5, 22, 10, 30, tzinfo=ZoneInfo("America/Martinique")): {
            "Fort-de-France holiday rule",
            "Fort-de-France always",
            "Strasbourg weekdays",
            "Strasbourg always",
            "Lille weekdays",
            "Lille always",
        },
        # Good Friday 2026, 10:30 in Paris: a holiday in Alsace-Moselle only.
        datetime.datetime(2026, 4, 3, 10, 30, tzinfo=PARIS): {
            "Fort-de-France always",
            "Strasbourg holiday rule",
            "Strasbourg always",
            "Lille weekdays",
            "Lille holiday rule",
            "Lille always",
        },
    }
    for moment, expected in cases.items():
        in_sql = set(Venue.objects.open_now(moment).values_list("name", flat=True))
        in_python = {v.name for v in Venue.objects.filter(pk__in=[v.pk for v in made]) if v.status_at(moment).is_open}
        assert in_sql == in_python == expected, moment


def names(params, today=datetime.date(2026, 12, 7), now=None):
    now = now or datetime.datetime(2026, 12, 7, 10, tzinfo=PARIS)
    f = VenueFilter(params, queryset=Venue.objects.all(), today=today, now=now)
    assert not f.errors, f.errors
    return set(f.qs.values_list("name", flat=True))


def test_filter_parameters(venues):
    assert names({"ouvert": "maintenant"}) == {"weekdays", "holiday rule", "always"}
    assert names({"jour": "samedi"}) == {"saturday", "always", "night"}  # the night runs into Saturday
    assert names({"apres": "18:00"}) == {"evening", "night", "always"}
    assert names({"apres": "18h", "jour": "mardi"}) == {"evening", "always"}
    assert names({"date": "2026-12-25", "heure": "10:30"}) == {"holiday rule", "always"}
    assert names({"date": "2026-12-07"}) == {"weekdays", "holiday rule", "always"}  # closed one honours its closure
    assert names({"heure": "12:45"}) == {"always"}  # today at that time


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"apres": "25:00"}, "Heure invalide"),
        ({"heure": "midi"}, "Heure invalide"),
        ({"jour": "someday"}, "Jour inconnu"),
        ({"date": "2031-01-01"}, "Date hors limites"),
        ({"ouvert": "oui"}, "Valeur inconnue"),
    ],
)
def test_bad_time_parameters_are_french_messages(params, message):
    f = VenueFilter(params, queryset=Venue.objects.all())
    assert any(message in m for m in f.error_messages())


def test_html_list_and_api_share_the_filter(client, venues, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    html = client.get(reverse("directory:venue_list") + "?apres=18:00").content.decode()
    assert "evening" in html and "saturday" not in html.split('id="resultats"')[1]
    assert "Ouvert après" in html
    api = client.get("/api/v1/lieux/?jour=samedi").json()
    assert {v["name"] for v in api["results"]} == {"saturday", "always", "night"}
    bad = client.get("/api/v1/lieux/?apres=25:00")
    assert bad.status_code == 400


def test_weekly_hours_follow_the_opening_hours(hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille, opening_hours="Sa 09:00-12:00")
    venue.refresh_from_db()
    assert [(r.lower, r.upper) for r in venue.weekly_hours] == [(5 * 1440 + 540, 5 * 1440 + 720)]
    assert venue.holiday_hours is None
    venue.opening_hours = "Mo 10:00-11:00; PH off"
    venue.save()
    venue.refresh_from_db()
    assert [(r.lower, r.upper) for r in venue.weekly_hours] == [(600, 660)] and venue.holiday_hours == []


def test_maintenance_refreshes_rows_written_without_save(hauts_de_france):
    from directory import maintenance

    venue = VenueFactory(commune=hauts_de_france.lille, opening_hours="Sa 09:00-12:00")
    Venue.objects.filter(pk=venue.pk).update(weekly_hours=[], opening_hours="Su 10:00-11:00")
    assert maintenance.refresh_weekly_hours() == 1
    venue.refresh_from_db()
    assert [(r.lower, r.upper) for r in venue.weekly_hours] == [(6 * 1440 + 600, 6 * 1440 + 660)]
    assert maintenance.refresh_weekly_hours() == 0
