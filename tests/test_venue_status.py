"""The one status function (``hours.venue_status`` / ``Venue.status_at``): its wording, the
venue's time zone, public holidays and closures."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from directory import hours
from directory.models import ClosurePeriod, Venue

PARIS = ZoneInfo("Europe/Paris")
HOURS = "Mo-Fr 09:00-12:00,13:30-17:00; PH off"


def at(year, month, day, hour, minute=0, tz=PARIS):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=tz)


def venue(opening_hours=HOURS, commune="59350", closures=(), closed_for_good=None):
    v = Venue(commune_id=commune, opening_hours=opening_hours, closed_permanently_on=closed_for_good)
    v.listed_closures = [ClosurePeriod(starts_on=s, ends_on=e) for s, e in closures]
    return v


# Monday 7 December 2026 … Friday 11, Saturday 12, Monday 14.
CASES = {
    "open, closing at noon": (venue(), at(2026, 12, 7, 10), "open", "Ouvert · jusqu'à 12 h"),
    "lunch break": (venue(), at(2026, 12, 7, 12, 30), "closed", "Fermé · ouvre aujourd'hui à 13 h 30"),
    "friday evening": (venue(), at(2026, 12, 11, 18), "closed", "Fermé · ouvre lundi à 9 h"),
    "temporarily closed": (
        venue(closures=[(datetime.date(2026, 12, 1), datetime.date(2026, 12, 21))]),
        at(2026, 12, 7, 10),
        "paused",
        "Fermé temporairement jusqu'au 21 décembre",
    ),
    "closure into next year": (
        venue(closures=[(datetime.date(2026, 12, 1), datetime.date(2027, 1, 4))]),
        at(2026, 12, 7, 10),
        "paused",
        "Fermé temporairement jusqu'au 4 janvier 2027",
    ),
    "closure with no end": (
        venue(closures=[(datetime.date(2026, 12, 1), None)]),
        at(2026, 12, 7, 10),
        "paused",
        "Fermé temporairement",
    ),
    "closed for good": (
        venue(closed_for_good=datetime.date(2026, 1, 1)),
        at(2026, 12, 7, 10),
        "gone",
        "Fermé définitivement",
    ),
    "no hours": (venue(opening_hours=""), at(2026, 12, 7, 10), "unknown", "Horaires non renseignés"),
    "unreadable hours": (venue(opening_hours="le matin"), at(2026, 12, 7, 10), "unknown", "Horaires non renseignés"),
    # 25 December 2026 is a Friday and a public holiday (« PH off »).
    "public holiday off": (venue(), at(2026, 12, 24, 18), "closed", "Fermé · ouvre lundi à 9 h"),
    "public holiday open by its own rule": (
        venue(opening_hours="Mo-Fr 09:00-12:00; PH 10:00-11:00"),
        at(2026, 12, 25, 10, 30),
        "open",
        "Ouvert · jusqu'à 11 h",
    ),
    # A closure on Monday: the next opening skips it.
    "next opening inside an upcoming closure": (
        venue(closures=[(datetime.date(2026, 12, 14), datetime.date(2026, 12, 15))]),
        at(2026, 12, 11, 18),
        "closed",
        "Fermé · ouvre mercredi à 9 h",
    ),
    "next opening more than a week away": (
        venue(closures=[(datetime.date(2026, 12, 14), datetime.date(2026, 12, 31))]),
        at(2026, 12, 11, 18),
        "closed",
        "Fermé · ouvre le 4 janvier 2027 à 9 h",
    ),
    "upcoming closure with no end": (
        venue(closures=[(datetime.date(2026, 12, 14), None)]),
        at(2026, 12, 11, 18),
        "closed",
        "Fermé",
    ),
    # Saint-Denis de La Réunion (UTC+4): 06:30 in Paris is 09:30 there.
    "overseas time zone": (venue(commune="97411"), at(2026, 12, 7, 6, 30), "open", "Ouvert · jusqu'à 12 h"),
    "overseas, Paris afternoon is evening there": (
        venue(commune="97411"),
        at(2026, 12, 7, 14, 30),
        "closed",
        "Fermé · ouvre mardi à 9 h",
    ),
    # Nouméa (UTC+11): Sunday 23:00 in Paris is already Monday 09:00 there.
    "overseas date already tomorrow": (venue(commune="98818"), at(2026, 12, 6, 23), "open", "Ouvert · jusqu'à 12 h"),
    "open round the clock": (venue(opening_hours="24/7"), at(2026, 12, 7, 10), "open", "Ouvert"),
    # Local public holidays (``hours.local_holidays``): Friday 22 May 2026 in Martinique
    # (abolition of slavery), Good Friday 3 April 2026 in Alsace-Moselle; an ordinary day in
    # Lille.
    "martinique, abolition of slavery": (
        venue(commune="97209"),
        at(2026, 5, 22, 16),  # 10:00 in Fort-de-France
        "closed",
        "Fermé · ouvre mardi à 9 h",  # Monday 25 is Whit Monday, national
    ),
    "martinique, the holiday by its own rule": (
        venue(commune="97209", opening_hours="Mo-Fr 09:00-12:00; PH 10:00-11:00"),
        at(2026, 5, 22, 16, 30),
        "open",
        "Ouvert · jusqu'à 11 h",
    ),
    "martinique, no holiday rule: an ordinary friday": (
        venue(commune="97209", opening_hours="Mo-Fr 09:00-12:00"),
        at(2026, 5, 22, 16),
        "open",
        "Ouvert · jusqu'à 12 h",
    ),
    "the day before, the next opening skips the holiday": (
        venue(commune="97209"),
        at(2026, 5, 21, 23),  # 17:00 on Thursday there
        "closed",
        "Fermé · ouvre mardi à 9 h",
    ),
    "strasbourg, good friday": (venue(commune="67482"), at(2026, 4, 3, 10), "closed", "Fermé · ouvre mardi à 9 h"),
    "lille, good friday is a working day": (venue(), at(2026, 4, 3, 10), "open", "Ouvert · jusqu'à 12 h"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_status_wording(case):
    v, now, state, text = CASES[case]
    status = v.status_at(now)
    assert (status.state, status.text) == (state, text)


def test_sms_form_is_the_same_words_compact():
    status = venue().status_at(at(2026, 12, 7, 12, 30))
    assert status.sms == "Fermé, ouvre aujourd'hui à 13h30"


def test_api_form():
    status = venue().status_at(at(2026, 12, 7, 10))
    assert status.as_api() == {
        "etat": "open",
        "texte": "Ouvert · jusqu'à 12 h",
        "ouvre_a": None,
        "ferme_a": "2026-12-07T12:00:00",
        "fermeture_jusqu_au": None,
    }


def test_english_wording(settings):
    from django.utils import translation

    with translation.override("en"):
        status = venue().status_at(at(2026, 12, 11, 18))
    assert "Monday" in status.text and "09:00" in status.text


@pytest.mark.parametrize(
    ("commune", "zone"),
    [
        ("59350", "Europe/Paris"),
        ("2A004", "Europe/Paris"),
        ("97105", "America/Guadeloupe"),
        ("97209", "America/Martinique"),
        ("97302", "America/Cayenne"),
        ("97411", "Indian/Reunion"),
        ("97611", "Indian/Mayotte"),
        ("98818", "Pacific/Noumea"),
    ],
)
def test_time_zone_of_a_commune(commune, zone):
    assert hours.time_zone_of(commune).key == zone


def test_public_holidays():
    assert hours.is_public_holiday(datetime.date(2026, 7, 14))
    assert hours.is_public_holiday(datetime.date(2026, 12, 25))
    assert not hours.is_public_holiday(datetime.date(2026, 12, 7))


@pytest.mark.parametrize(
    ("commune", "day"),
    [
        ("57463", datetime.date(2026, 12, 26)),  # Metz: Saint-Étienne
        ("68224", datetime.date(2026, 4, 3)),  # Mulhouse: Good Friday
        ("97105", datetime.date(2026, 5, 27)),  # Basse-Terre: abolition of slavery
        ("97209", datetime.date(2026, 5, 22)),  # Fort-de-France
        ("97302", datetime.date(2026, 6, 10)),  # Cayenne
        ("97411", datetime.date(2026, 12, 20)),  # Saint-Denis
        ("97611", datetime.date(2026, 4, 27)),  # Mamoudzou
        ("98818", datetime.date(2026, 9, 24)),  # Nouméa: citizenship day
    ],
)
def test_local_public_holidays(commune, day):
    assert day in hours.local_holidays(hours.departement_code_of(commune), day.year)
    assert day not in hours.local_holidays(hours.departement_code_of("59350"), day.year)
    assert not hours.is_public_holiday(day)  # not a national one
    assert hours.departement_code_of(commune) in hours.departements_on_local_holiday(day)


def test_the_local_holidays_file_agrees_with_the_holidays_package():
    """``directory/data/local_holidays.json`` is what ``scripts/build_local_holidays.py`` writes
    from the installed ``holidays`` package (rebuild it after an upgrade), and covers the next
    five years (rebuild it with a later LAST_YEAR before then)."""
    import importlib.util
    import json

    spec = importlib.util.spec_from_file_location("build_local_holidays", "scripts/build_local_holidays.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stored = json.loads(hours.LOCAL_HOLIDAYS_FILE.read_text(encoding="utf-8"))
    assert stored["holidays"] == module.build()["holidays"]
    assert stored["last_year"] >= datetime.date.today().year + 5


def test_the_week_shows_a_local_holiday_closed():
    # Week of Monday 18 May 2026 in Fort-de-France: Friday 22 is the abolition of slavery.
    shown = dict(hours.week(HOURS, datetime.date(2026, 5, 18), "97209"))
    assert shown["Vendredi"] == "Fermé" and shown["Jeudi"] != "Fermé"
    assert dict(hours.week(HOURS, datetime.date(2026, 5, 18), "59350"))["Vendredi"] != "Fermé"
