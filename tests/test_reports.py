"""« Signaler une information erronée »: the public form, its honeypot and rate limit, the
e-mails to the venue's mediators and the département staff, and closing in the admin."""

import pytest
from django.core import mail
from django.urls import reverse

from directory import enums
from directory.models import Report
from tests.factories import DepartementStaffFactory, MembershipFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def venue(hauts_de_france):
    venue = VenueFactory(name="Centre social Lazare Garreau", commune=hauts_de_france.lille, postal_code="59000")
    MembershipFactory(structure=venue.structure, user=UserFactory(email="mediatrice@example.org"))
    DepartementStaffFactory(departement=hauts_de_france.nord, user=UserFactory(email="agent59@example.org"))
    DepartementStaffFactory(departement=hauts_de_france.pdc, user=UserFactory(email="agent62@example.org"))
    return venue


def report_url(venue):
    return reverse("directory:venue_report", kwargs={"slug": venue.slug})


GOOD = {"topic": enums.ReportTopic.HOURS, "comment": "Fermé le mardi matin désormais.", "contact": ""}


def test_form_page_is_accessible_and_has_a_hidden_honeypot(client, venue):
    response = client.get(report_url(venue))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Signaler une information erronée" in content
    assert 'class="hp-field"' in content
    assert "style=" not in content
    for topic in enums.ReportTopic:
        assert f'value="{topic.value}"' in content


def test_a_report_is_stored_and_emailed_to_mediators_and_departement_staff(
    client, venue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(report_url(venue), {**GOOD, "contact": "06 39 98 00 01"})
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:venue_report_thanks", kwargs={"slug": venue.slug})
    report = Report.objects.get()
    assert (report.venue, report.topic, report.status) == (venue, "hours", enums.ReportStatus.OPEN)
    assert report.contact == "06 39 98 00 01"
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["agent59@example.org", "mediatrice@example.org"]
    assert "Fermé le mardi matin désormais." in mail.outbox[0].body
    assert reverse("admin:directory_report_change", args=[report.pk]) in mail.outbox[0].body
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**GOOD, "comment": ""}, "Décrivez ce qui est erroné."),
        ({**GOOD, "comment": "x" * 2001}, "2000 caractères"),
        ({**GOOD, "topic": "nope"}, "Sélectionnez un choix valide"),
        ({**GOOD, "topic": ""}, "Choisissez l&#x27;information concernée."),
    ],
)
def test_bad_input_gets_a_french_message_and_stores_nothing(client, venue, data, message):
    response = client.post(report_url(venue), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_honeypot_pretends_success_and_stores_nothing(client, venue):
    response = client.post(report_url(venue), {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not Report.objects.exists()
    assert mail.outbox == []


def test_rate_limit_per_client(client, venue, settings):
    settings.REPORT_RATE_LIMIT_PER_HOUR = 3
    for _ in range(3):
        assert client.post(report_url(venue), GOOD).status_code == 302
    response = client.post(report_url(venue), GOOD)
    assert response.status_code == 429
    assert "Réessayez dans une heure" in response.content.decode()
    assert Report.objects.count() == 3
    # Another client is not affected.
    other = client.post(report_url(venue), GOOD, REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 302
    assert Report.objects.count() == 4


def test_unknown_venue_is_a_404(client, db):
    assert client.get(reverse("directory:venue_report", kwargs={"slug": "nulle-part"})).status_code == 404


def test_closing_records_who_and_when_and_staff_of_another_departement_cannot(client, venue):
    report = Report.objects.create(venue=venue, topic="hours", comment="Horaires faux")
    agent62 = UserFactory(email="x62@example.org")
    DepartementStaffFactory(departement=venue.commune.departement.region.departements.get(code="62"), user=agent62)
    changelist = reverse("admin:directory_report_changelist")
    client.force_login(agent62)
    client.post(changelist, {"action": "close_selected", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.status == enums.ReportStatus.OPEN
    staff59 = venue.commune.departement.staff.first().user
    client.force_login(staff59)
    response = client.post(changelist, {"action": "close_selected", "_selected_action": [report.pk]})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == enums.ReportStatus.CLOSED
    assert report.closed_by == staff59
    assert report.closed_at is not None


def test_the_venue_page_links_to_the_report_form(client, venue):
    response = client.get(venue.get_absolute_url())
    assert response.status_code == 200
    assert reverse("directory:venue_report", kwargs={"slug": venue.slug}) in response.content.decode()
