"""A site that says who runs it: footer, mentions légales, accessibility statement, personal
data, contact, open data and API root, password reset for staff, and the purge the
personal-data page promises."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from directory import enums
from directory.models import Report
from tests.factories import UserFactory, VenueFactory

SITE_PAGES = ["legal", "accessibility", "privacy", "contact", "open_data"]


@pytest.mark.parametrize("name", SITE_PAGES)
def test_every_site_page_answers_and_names_the_publisher(client, db, settings, name):
    settings.PUBLISHER_NAME = "Département de démonstration"
    response = client.get(reverse(f"directory:{name}"))
    assert response.status_code == 200
    assert "Site édité par Département de démonstration." in response.content.decode()


def test_the_footer_links_every_site_page_and_the_professional_space(client, db):
    html = client.get(reverse("directory:home")).content.decode()
    footer = html[html.index('<footer class="site-footer"') :]
    for name in SITE_PAGES:
        assert f'href="{reverse(f"directory:{name}")}"' in footer, name
    assert "Accessibilité : partiellement conforme" in footer
    assert f'href="{reverse("admin:login")}">Espace professionnels<' in footer


def test_the_accessibility_statement_follows_the_rgaa_form(client, db, settings):
    settings.ACCESSIBILITY_AUDIT_DATE = "2026-11-30"
    html = client.get(reverse("directory:accessibility")).content.decode()
    for heading in (
        "État de conformité",
        "Résultats des tests",
        "Contenus non accessibles",
        "Non-conformités",
        "Établissement de cette déclaration",
        "Retour d'information et contact",
        "Voies de recours",
    ):
        assert heading in html.replace("&#x27;", "'"), heading
    assert "partiellement conforme" in html and "30 novembre 2026" in html


def test_the_privacy_page_states_what_is_kept_and_for_how_long(client, db, settings):
    settings.SMS_TEXT_RETENTION_DAYS = 30
    settings.REPORT_CONTACT_RETENTION_DAYS = 90
    html = client.get(reverse("directory:privacy")).content.decode()
    assert "Combien de temps : 30 jours, puis le texte" in html
    assert "effacé 90 jours après le traitement" in html


def test_the_open_data_page_lists_downloads_schemas_and_the_api(client, db):
    html = client.get(reverse("directory:open_data")).content.decode()
    for name in ("lieux.csv", "lieux.json", "lieux-enrichis.csv", "lieux-enrichis.json"):
        assert f'href="/open-data/{name}"' in html
    assert 'href="/open-data/schemas/gardez-le-lien-lieux.schema.json"' in html
    assert 'href="/api/v1/"' in html and 'href="/api/docs/"' in html


def test_the_api_root_answers_with_its_links(client, db):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    links = response.json()
    assert links["lieux"].endswith("/api/v1/lieux/") and links["documentation"].endswith("/api/docs/")
    assert client.get(links["lieux"]).status_code == 200


def test_staff_reset_their_password_by_e_mail(client, db, mailoutbox):
    user = UserFactory(username="awa", email="awa@example.org", is_staff=True)
    login = client.get(reverse("admin:login")).content.decode()
    assert 'href="/compte/mot-de-passe/"' in login
    response = client.post(reverse("admin_password_reset"), {"email": "awa@example.org"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.subject == "Gardez le lien : choisir un nouveau mot de passe"
    link = re.search(r"https?://\S+/compte/mot-de-passe/\S+/\S+/", mail.body).group(0)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert "Nouveau mot de passe" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Une phrase de passe 2026", "new_password2": "Une phrase de passe 2026"},
        follow=True,
    )
    assert "Mot de passe enregistré" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("Une phrase de passe 2026")


def test_no_mail_for_unknown_or_non_staff_addresses_and_the_same_answer(client, db, mailoutbox):
    UserFactory(username="habitant", email="habitant@example.org", is_staff=False)
    for email in ("habitant@example.org", "inconnu@example.org"):
        response = client.post(reverse("admin_password_reset"), {"email": email})
        assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


def test_purge_forgets_the_contact_of_reports_handled_long_ago(db, settings, hauts_de_france):
    settings.REPORT_CONTACT_RETENTION_DAYS = 90
    venue = VenueFactory(commune=hauts_de_france.lille)
    topic = enums.ReportTopic.values[0]
    handled = Report.objects.create(venue=venue, topic=topic, comment="x", contact="06 39 98 00 00")
    handled.status = enums.ReportStatus.CLOSED
    handled.closed_at = timezone.now() - datetime.timedelta(days=91)
    handled.save()
    recent = Report.objects.create(venue=venue, topic=topic, comment="y", contact="a@b.fr")
    recent.status = enums.ReportStatus.CLOSED
    recent.closed_at = timezone.now() - datetime.timedelta(days=89)
    recent.save()
    still_open = Report.objects.create(venue=venue, topic=topic, comment="z", contact="c@d.fr")
    call_command("purge_personal_data", verbosity=0)
    for report in (handled, recent, still_open):
        report.refresh_from_db()
    assert handled.contact == "" and handled.comment == "x"
    assert recent.contact == "a@b.fr" and still_open.contact == "c@d.fr"
