"""Staleness people can see: « Informations non vérifiées depuis le … » past the stale
threshold; past FRESHNESS_HIDE_AFTER_DAYS the venue leaves the default results (its page and
the admin still show it) until someone confirms it; reminders before each step."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from directory import actions
from directory.models import FreshnessReminder, Venue
from tests.factories import MembershipFactory, StructureFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture
def venues(hauts_de_france):
    fresh = VenueFactory(name="Lieu confirmé", commune=hauts_de_france.lille, verified_at=days_ago(10))
    stale = VenueFactory(name="Lieu ancien", commune=hauts_de_france.lille, verified_at=days_ago(200))
    hidden = VenueFactory(name="Lieu oublié", commune=hauts_de_france.lille, verified_at=days_ago(400))
    return fresh, stale, hidden


def test_the_card_and_the_page_say_since_when_it_is_unverified(client, venues):
    fresh, stale, _hidden = venues
    since = date_format(timezone.localdate(stale.verified_at), "j F Y")
    html = client.get(reverse("directory:venue_list")).content.decode()
    assert f"Informations non vérifiées depuis le {since}" in html
    assert html.count("Informations non vérifiées depuis le") == 1  # not on the fresh card
    page = client.get(stale.get_absolute_url()).content.decode()
    assert f"Informations non vérifiées depuis le {since}" in page
    assert "Informations non vérifiées" not in client.get(fresh.get_absolute_url()).content.decode()


def test_a_venue_unverified_too_long_leaves_the_default_results_until_confirmed(client, venues):
    fresh, stale, hidden = venues
    names = client.get(reverse("directory:venue_list")).content.decode()
    assert fresh.name in names and stale.name in names and hidden.name not in names
    assert hidden.name not in client.get(reverse("directory:venue_list"), {"q": "oublié"}).content.decode()
    api = client.get("/api/v1/lieux/").json()
    assert hidden.slug not in {row["slug"] for row in api["results"]}
    # Still reachable by its address.
    assert client.get(hidden.get_absolute_url()).status_code == 200
    actions.confirm_venue(hidden, UserFactory())
    assert hidden.name in client.get(reverse("directory:venue_list")).content.decode()


def test_a_never_confirmed_venue_counts_from_its_creation(hauts_de_france):
    recent = VenueFactory(commune=hauts_de_france.lille, verified_at=None)
    old = VenueFactory(commune=hauts_de_france.lille, verified_at=None)
    Venue.objects.filter(pk=old.pk).update(created_at=days_ago(400))
    hidden = set(Venue.objects.hidden_as_unverified().values_list("pk", flat=True))
    assert hidden == {old.pk}
    assert Venue.objects.shown_by_default().filter(pk=recent.pk).exists()


@pytest.mark.parametrize(
    ("age", "reminded_days_ago", "due"),
    [
        (100, None, False),  # far from the first step
        (170, None, True),  # 10 days before « non vérifié »
        (200, 20, False),  # reminded in this window
        (200, 40, True),  # reminded before the window opened (before the first step)
        (355, 100, True),  # 10 days before leaving the results
        (355, 3, False),  # reminded since that window opened (4 days ago)
        (600, 100, False),  # past both steps: once per threshold period
        (600, 200, True),
    ],
)
def test_reminders_go_before_each_step(hauts_de_france, age, reminded_days_ago, due):
    from directory.management.commands.send_freshness_reminders import venues_due

    structure = StructureFactory()
    MembershipFactory(structure=structure, user=UserFactory(email="m@example.org"))
    venue = VenueFactory(structure=structure, commune=hauts_de_france.lille, verified_at=days_ago(age))
    if reminded_days_ago is not None:
        reminder = FreshnessReminder.objects.create(venue=venue)
        FreshnessReminder.objects.filter(pk=reminder.pk).update(sent_at=days_ago(reminded_days_ago))
    assert (venue in list(venues_due())) is due


def test_the_reminder_says_what_happens_next(hauts_de_france):
    structure = StructureFactory()
    MembershipFactory(structure=structure, user=UserFactory(email="m@example.org"))
    venue = VenueFactory(structure=structure, commune=hauts_de_france.lille, verified_at=days_ago(200))
    call_command("send_freshness_reminders", stdout=StringIO())
    body = mail.outbox[0].body
    hidden_on = date_format(timezone.localdate(venue.verified_at + datetime.timedelta(days=365)), "j F Y")
    assert f"sera retiré des résultats de recherche le {hidden_on}" in body
    assert reverse("directory:workspace_venue", args=[venue.pk]) in body
