"""Opening hours (OpenStreetMap syntax): open now, next opening, today's hours, the week."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from directory.hours import state, validate_opening_hours, week

PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00"
MONDAY = datetime.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


def at(day_offset, hour, minute=0, tz=PARIS):
    day = MONDAY + datetime.timedelta(days=day_offset)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def test_open_now_until_the_next_break():
    result = state(HOURS, at(0, 10))
    assert result.known and result.is_open
    assert result.next_change == datetime.datetime(2026, 11, 30, 12, 0)
    assert result.summary == "Ouvert maintenant, jusqu'à 12 h"
    assert result.today == [(datetime.time(9), datetime.time(12)), (datetime.time(14), datetime.time(17, 30))]


def test_closed_at_lunch_opens_again_today():
    result = state(HOURS, at(0, 12, 30))
    assert result.known and not result.is_open
    assert result.summary == "Fermé pour le moment, ouvre à 14 h"


def test_minutes_are_shown():
    assert state(HOURS, at(0, 15)).summary == "Ouvert maintenant, jusqu'à 17 h 30"


def test_closed_today_opens_on_another_day():
    sunday = state(HOURS, at(6, 10))
    assert not sunday.is_open
    assert sunday.today == []
    assert sunday.summary == "Fermé pour le moment, ouvre lundi 7 décembre à 9 h"


def test_closed_after_hours_opens_tomorrow():
    assert state(HOURS, at(0, 18)).summary == "Fermé pour le moment, ouvre mardi 1 décembre à 9 h"


def test_saturday_has_only_morning_hours():
    assert state(HOURS, at(5, 10)).today == [(datetime.time(9), datetime.time(12))]


def test_aware_times_in_other_zones_are_read_in_paris_time():
    # 08:30 UTC is 09:30 in Paris in winter.
    assert state(HOURS, at(0, 8, 30, tz=datetime.UTC)).is_open
    assert not state(HOURS, at(0, 7, 30, tz=datetime.UTC)).is_open


def test_always_open_and_always_closed():
    assert state("24/7", at(6, 3)).is_open
    closed = state("off", at(0, 10))
    assert closed.known and not closed.is_open
    assert closed.summary == "Fermé pour le moment"


@pytest.mark.parametrize("expression", ["", None, "lundi 9h-12h", "Mo-Fr 25:00-26:00", "n'importe quoi"])
def test_unknown_or_invalid_hours_are_unknown(expression):
    result = state(expression, at(0, 10))
    assert not result.known
    assert result.summary == ""
    assert week(expression, MONDAY) == []


def test_validation_message_is_in_french():
    with pytest.raises(ValidationError) as info:
        validate_opening_hours("lundi 9h-12h")
    assert "Horaires illisibles" in info.value.message_dict["opening_hours"][0]
    validate_opening_hours(HOURS)
    validate_opening_hours("")


def test_week_lists_seven_days_from_monday():
    rows = week(HOURS, MONDAY + datetime.timedelta(days=3))
    assert rows == [
        ("Lundi", "9 h – 12 h, 14 h – 17 h 30"),
        ("Mardi", "9 h – 12 h, 14 h – 17 h 30"),
        ("Mercredi", "9 h – 12 h, 14 h – 17 h 30"),
        ("Jeudi", "9 h – 12 h, 14 h – 17 h 30"),
        ("Vendredi", "9 h – 12 h, 14 h – 17 h 30"),
        ("Samedi", "9 h – 12 h"),
        ("Dimanche", "Fermé"),
    ]


def test_week_shows_spans_past_midnight_on_both_days():
    rows = dict(week("Fr 20:00-02:00", MONDAY))
    assert rows["Vendredi"] == "20 h – 24 h"
    assert rows["Samedi"] == "0 h – 2 h"
    assert rows["Lundi"] == "Fermé"
