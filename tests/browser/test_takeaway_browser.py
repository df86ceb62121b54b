"""Taking a venue away, in a real browser: the exact sms: body, printing one venue (A4, A5) and an
orientation slip to one PDF page each, favourites kept on the device, the paper sheet found
from a search, a password reset through the e-mail outbox, axe on every new page, and the
first view still under 50 KB gzipped."""

import gzip
import re
from urllib.parse import unquote

import pytest

from directory import enums
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.world import build_directory_world
from tests.factories import ChannelFactory, UserFactory, VenueFactory


@pytest.fixture
def world(live_server, settings):
    settings.FRENCH_TYPOGRAPHY = True
    settings.SMS_LOOKUP_NUMBER = "06 39 98 00 00"
    return build_directory_world()


def count_pdf_pages(pdf: bytes) -> int:
    # Chromium writes one uncompressed « /Type /Page » dictionary per page.
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def media_box(pdf: bytes) -> tuple[float, float]:
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return float(box.group(1)), float(box.group(2))


def test_send_a_venue_by_sms_with_the_exact_body_and_no_link_for_scenario_2(nojs_page, base_url, world, settings):
    venue = world.mediatheque
    nojs_page.goto(f"{base_url}{venue.get_absolute_url()}?scenario=2")
    href = nojs_page.get_by_role("link", name="Envoyer par SMS").get_attribute("href")
    assert href.startswith("sms:?&body=")
    body = unquote(href.removeprefix("sms:?&body="))
    lines = body.split("\n")
    assert lines[0] == "Médiathèque Jean Lévy"
    assert lines[1].startswith("Ouvert")
    assert lines[2] == "Tél. 03 53 01 01 01"
    assert lines[3] == f"{venue.address}, 59000 Lille"
    assert len(lines) == 4 and "http" not in body
    # The share page previews the same text, and the other ways are plain links.
    nojs_page.goto(f"{base_url}{venue.get_absolute_url()}envoyer/?scenario=2")
    assert nojs_page.locator("#texte-sms").inner_text() == body
    assert nojs_page.get_by_role("link", name="Envoyer par SMS").get_attribute("href") == href
    mail = nojs_page.get_by_role("link", name="Envoyer par e-mail").get_attribute("href")
    assert mail.startswith("mailto:?subject=") and "lieux%2F" in mail
    assert (
        nojs_page.get_by_role("link", name="Partager sur WhatsApp")
        .get_attribute("href")
        .startswith("https://wa.me/?text=")
    )
    assert nojs_page.locator("#share-url").input_value() == f"{settings.SITE_URL}{venue.get_absolute_url()}"
    assert nojs_page.locator("#share-url").get_attribute("readonly") is not None


def test_with_scenario_3_the_sms_carries_the_link(page, base_url, world, settings):
    venue = world.mediatheque
    page.goto(f"{base_url}{venue.get_absolute_url()}?scenario=3")
    body = unquote(page.get_by_role("link", name="Envoyer par SMS").get_attribute("href").split("body=", 1)[1])
    assert body.endswith(f"\n{settings.SITE_URL}{venue.get_absolute_url()}")
    # « Copier » appears with JavaScript and copies.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copier", exact=True).click()
    page.get_by_role("button", name="Lien copié").wait_for()
    assert page.console_problems == []


def test_a_card_leads_to_the_share_page(nojs_page, base_url, world):
    nojs_page.goto(f"{base_url}/lieux/?scenario=2")
    nojs_page.locator(".venue", has_text="Médiathèque Jean Lévy").get_by_role(
        "link", name="Envoyer ou imprimer"
    ).click()
    assert nojs_page.url.endswith(f"{world.mediatheque.get_absolute_url()}envoyer/?scenario=2")


@pytest.mark.parametrize(("paper", "size"), [("a4", (595.9, 842.9)), ("a5", (419.5, 595.3))])
def test_print_one_venue_on_one_page(page, base_url, world, paper, size):
    venue = world.mediatheque
    for n in range(10):  # a venue with many channels still fits
        ChannelFactory(venue=venue, kind=enums.ChannelKind.PHONE, value=f"+3335301{n:04d}", label=f"Atelier {n}")
    page.goto(f"{base_url}{venue.get_absolute_url()}imprimer/?format={paper}&scenario=2")
    page.emulate_media(media="print")
    pdf = page.pdf(print_background=True, prefer_css_page_size=True)
    assert count_pdf_pages(pdf) == 1
    width, height = media_box(pdf)
    assert abs(width - size[0]) < 2 and abs(height - size[1]) < 2, (width, height)
    assert page.console_problems == []


def test_a_mediator_prints_an_orientation_slip_on_one_page(nojs_page, base_url, world):
    venue = world.mediatheque
    nojs_page.goto(f"{base_url}{venue.get_absolute_url()}")
    nojs_page.get_by_role("link", name="Préparer une fiche d'orientation").click()
    nojs_page.fill("#slip-q", "Flers")
    nojs_page.get_by_role("button", name="Chercher").click()
    nojs_page.get_by_role("link", name=re.compile("Ajouter Centre social Flers")).click()
    assert nojs_page.locator("input[name=lieu]:checked").count() == 2
    nojs_page.fill("#slip-mediator", "Awa")
    nojs_page.fill("#slip-note", "Dossier de retraite commencé : revenir avec le relevé de carrière.")
    nojs_page.get_by_role("button", name="Afficher la fiche à imprimer").click()
    assert "Dossier de retraite commencé" in nojs_page.content()
    assert nojs_page.locator(".slip-venues > li").count() == 2
    nojs_page.emulate_media(media="print")
    pdf = nojs_page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert count_pdf_pages(pdf) == 1


def test_favourites_stay_on_the_device_and_come_back_as_a_list(page, base_url, world):
    page.goto(f"{base_url}{world.mediatheque.get_absolute_url()}")
    page.get_by_role("button", name="Garder ce lieu sur ce téléphone").click()
    page.get_by_role("button", name="Retirer ce lieu de mes lieux gardés").wait_for()
    page.goto(f"{base_url}{world.centre.get_absolute_url()}")
    page.get_by_role("button", name="Garder ce lieu sur ce téléphone").click()
    page.goto(f"{base_url}/mes-lieux/")
    page.wait_for_url(re.compile(r"/mes-lieux/\?lieu="))
    names = page.locator(".venue-name").all_inner_texts()
    assert names == ["Centre social Flers", "Médiathèque Jean Lévy"]
    assert page.get_by_role("link", name="Envoyer la liste par SMS").get_attribute("href").startswith("sms:?&body=")
    page.get_by_role("button", name="Vider ma liste sur cet appareil").click()
    page.wait_for_url(f"{base_url}/mes-lieux/")
    assert page.locator(".venue-name").count() == 0
    assert page.console_problems == []


def test_find_the_paper_sheet_from_a_search_without_typing_a_code(page, base_url, world):
    page.goto(base_url + "/")
    page.fill("#home-q", "Lille")
    # « Lille » is read as a place (issue 13): its results offer its paper sheet at once.
    page.get_by_role("button", name="Voir qui peut m'aider").click()
    page.get_by_role("link", name="Imprimer la fiche de Lille").click()
    page.wait_for_url(f"{base_url}/territoires/{world.hdf.lille.code}/fiche/")
    assert "Envoyez le nom de votre commune au 06" in page.content()


def test_reset_a_password_through_the_e_mail_outbox(page, base_url, world, mailoutbox):
    UserFactory(username="awa", email="awa@example.org", is_staff=True)
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Espace professionnels").click()
    page.get_by_role("link", name=re.compile("Mot de passe oublié")).click()
    page.fill("#id_email", "awa@example.org")
    page.get_by_role("button", name="Recevoir le lien").click()
    page.get_by_role("heading", name="Lien envoyé").wait_for()
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/compte/mot-de-passe/\S+/\S+/", mailoutbox[0].body).group(0)
    page.goto(link)
    page.fill("#id_new_password1", "Une phrase de passe 2026")
    page.fill("#id_new_password2", "Une phrase de passe 2026")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.get_by_role("heading", name="Mot de passe enregistré").wait_for()
    page.get_by_role("link", name="Se connecter").click()
    page.fill("#id_username", "awa")
    page.fill("#id_password", "Une phrase de passe 2026")
    page.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_every_new_page_has_no_axe_violations(axe_page, base_url, world):
    venue = world.mediatheque
    paths = [
        f"{venue.get_absolute_url()}?scenario=2",
        f"{venue.get_absolute_url()}envoyer/?scenario=2",
        f"{venue.get_absolute_url()}envoyer/?scenario=7",
        f"{venue.get_absolute_url()}imprimer/",
        f"{venue.get_absolute_url()}imprimer/?format=a5&scenario=1",
        f"/fiche-orientation/?lieu={venue.slug}&q=centre",
        "/fiche-orientation/",
        f"/mes-lieux/?lieu={venue.slug}&lieu={world.centre.slug}",
        "/mes-lieux/",
        f"/lieux/?commune={world.hdf.lille.code}",
        "/lieux/?q=zzzzzz&departement=59",
        "/lieux/?langue=ar",
        f"/territoires/{world.hdf.lille.code}/fiche/",
        "/mentions-legales/",
        "/accessibilite/",
        "/donnees-personnelles/",
        "/contact/",
        "/open-data/",
        "/compte/mot-de-passe/",
        "/compte/mot-de-passe/envoye/",
        "/compte/mot-de-passe/Mg/invalide/",
        "/compte/mot-de-passe/change/",
    ]
    found = {}
    for path in paths:
        response = axe_page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, f"{path} → {response and response.status}"
        violations = axe_violations(axe_page)
        if violations:
            found[path] = format_violations(violations)
    # The slip's print page is a POST answer.
    axe_page.goto(f"{base_url}/fiche-orientation/?lieu={venue.slug}")
    axe_page.get_by_role("button", name="Afficher la fiche à imprimer").click()
    violations = axe_violations(axe_page)
    if violations:
        found["POST /fiche-orientation/"] = format_violations(violations)
    assert found == {}, "\n".join(f"{path}\n{text}" for path, text in found.items())


def test_the_first_view_of_home_and_list_stays_under_50_kb_gzipped(page, base_url, world, settings):
    for i in range(settings.DIRECTORY_PAGE_SIZE + 2):
        venue = VenueFactory(name=f"Centre social et culturel numéro {i}", commune=world.hdf.lille)
        ChannelFactory(venue=venue, label="Accueil", availability="du lundi au vendredi, 9 h – 12 h")
        ChannelFactory(venue=venue, sms=True, label="SMS de l'équipe")
        ChannelFactory(venue=venue, whatsapp=True, label="Groupe d'entraide")
    responses = []
    page.on("response", lambda response: responses.append(response))
    weights, raw = {}, {}
    for path in ("/", "/lieux/"):
        responses.clear()
        page.goto(f"{base_url}{path}")
        page.wait_for_load_state("load")
        # What a first visit downloads (HTML, CSS, JS), each file gzipped as whitenoise and a
        # proxy would serve it; the map's Leaflet loads only when asked for.
        weights[path] = sum(
            len(gzip.compress(r.body(), 6))
            for r in responses
            if r.url.startswith(base_url) and r.ok and "/vendor/leaflet" not in r.url
        )
        raw[path] = sum(len(r.body()) for r in responses if r.url.startswith(base_url) and r.ok)
    assert weights["/lieux/"] <= 50_000, weights
    assert weights["/"] <= 50_000, weights
    print("first view, gzip:", weights, "uncompressed:", raw)
