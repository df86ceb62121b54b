"""``send_freshness_reminders``: one e-mail per member listing their stale venues, with a
confirm link; at most one reminder per venue per threshold period (a daily cron is safe)."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory.models import FreshnessReminder
from tests.factories import MembershipFactory, StructureFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(hauts_de_france, settings):
    settings.SITE_URL = "https://gardezlelien.example"
    structure = StructureFactory()
    alice = MembershipFactory(structure=structure, user=UserFactory(email="alice@example.org")).user
    bob = MembershipFactory(structure=structure, user=UserFactory(email="bob@example.org"), manager=True).user
    stale = [
        VenueFactory(structure=structure, commune=hauts_de_france.lille, postal_code="59000", stale=True)
        for _ in range(2)
    ]
    fresh = VenueFactory(structure=structure, commune=hauts_de_france.lille, postal_code="59000")
    closed = VenueFactory(
        structure=structure, commune=hauts_de_france.lille, postal_code="59000", stale=True, closed_for_good=True
    )
    orphan = VenueFactory(structure=StructureFactory(), commune=hauts_de_france.lille, postal_code="59000", stale=True)
    return locals()


def run(*args):
    out = StringIO()
    call_command("send_freshness_reminders", *args, stdout=out)
    return out.getvalue()


def test_one_email_per_member_grouping_their_stale_venues(setup):
    run()
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.org", "bob@example.org"]
    body = mail.outbox[0].body
    for venue in setup["stale"]:
        assert venue.name in body
        assert "https://gardezlelien.example" + reverse("admin:directory_venue_confirm", args=[venue.pk]) in body
    assert setup["fresh"].name not in body
    assert setup["closed"].name not in body
    reminded = set(FreshnessReminder.objects.values_list("venue_id", flat=True))
    assert reminded == {v.pk for v in setup["stale"]}
    assert set(FreshnessReminder.objects.values_list("recipients", flat=True)) == {2}


def test_running_twice_sends_nothing_the_second_time(setup):
    run()
    assert len(mail.outbox) == 2
    output = run()
    assert len(mail.outbox) == 2
    assert "0 lieu(x)" in output
    assert FreshnessReminder.objects.count() == 2


def test_a_new_reminder_after_the_threshold_period(setup, settings):
    run()
    FreshnessReminder.objects.update(
        sent_at=timezone.now() - datetime.timedelta(days=settings.FRESHNESS_THRESHOLD_DAYS + 1)
    )
    run()
    assert len(mail.outbox) == 4
    assert FreshnessReminder.objects.count() == 4


def test_confirming_stops_the_reminders(setup):
    for venue in setup["stale"]:
        venue.mark_verified(setup["alice"])
    run()
    assert mail.outbox == []


def test_dry_run_sends_and_records_nothing(setup):
    output = run("--dry-run")
    assert mail.outbox == []
    assert FreshnessReminder.objects.count() == 0
    assert "alice@example.org" in output
    assert "simulation" in output


def test_the_emailed_link_confirms_in_one_click(setup, client):
    venue = setup["stale"][0]
    client.force_login(setup["alice"])
    page = client.get(reverse("admin:directory_venue_confirm", args=[venue.pk]))
    assert page.status_code == 200
    assert "Confirmer que les informations sont à jour" in page.content.decode()
    response = client.post(reverse("admin:directory_venue_confirm", args=[venue.pk]))
    assert response.status_code == 302
    venue.refresh_from_db()
    assert not venue.is_stale
    assert venue.verified_by == setup["alice"]
