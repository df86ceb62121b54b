"""What residents and mediators do, in a real Chromium: phone-sized, with and without JavaScript."""

import datetime
import re

import pytest
from django.utils import timezone

from directory import enums
from tests.browser.world import PASSWORD, build_directory_world
from tests.factories import ChannelFactory

TILES = re.compile(r"^https?://(?!127\.0\.0\.1|localhost)")


@pytest.fixture
def world(live_server):
    return build_directory_world()


def venue_names(page):
    return page.locator("ol.venues .venue-name").all_inner_texts()


def assert_fits_phone_width(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"défilement horizontal de {overflow} px sur {page.url}"


def test_scenario_chooser_then_search_then_venue_sheet_on_a_phone(page, base_url, world):
    page.goto(f"{base_url}/")
    assert_fits_phone_width(page)
    page.get_by_role("link", name=re.compile("J'ai un téléphone, sans internet")).click()
    page.wait_for_url(re.compile(r"/lieux/\?scenario=2"))
    assert page.locator("#scenario-2").is_checked()

    page.fill("#id_q", "lile")  # a typo: Lille
    page.get_by_role("button", name="Afficher les lieux").click()
    page.wait_for_url(re.compile(r"q=lile"))
    assert "Médiathèque Jean Lévy" in venue_names(page)
    assert_fits_phone_width(page)

    page.get_by_role("link", name="Médiathèque Jean Lévy").click()
    assert page.locator("h1").inner_text() == "Médiathèque Jean Lévy"
    # Scenario 2 kept: the phone line is offered as usable, with a tel: link.
    phone = page.locator("a.channel-link[href^='tel:']").first
    assert phone.is_visible()
    assert phone.get_attribute("href") == "tel:+33353010101"
    assert page.get_by_text("possible pour vous").first.is_visible()
    assert_fits_phone_width(page)
    assert page.console_problems == []


def test_filters_narrow_the_list(page, base_url, world):
    page.goto(f"{base_url}/lieux/")
    assert sorted(venue_names(page)) == ["Centre social Flers", "Espace numérique de Cysoing", "Médiathèque Jean Lévy"]

    page.locator("details.more-filters summary").click()
    page.check("#canal-sms")
    page.get_by_role("button", name="Afficher les lieux").click()
    page.wait_for_url(re.compile(r"canal=sms"))
    assert venue_names(page) == ["Médiathèque Jean Lévy"]

    page.goto(f"{base_url}/lieux/")
    page.locator("details.more-filters summary").click()
    page.select_option("#id_statut", "ferme")
    page.get_by_role("button", name="Afficher les lieux").click()
    page.wait_for_url(re.compile(r"statut=ferme"))
    assert venue_names(page) == ["Espace numérique de Cysoing"]
    assert page.locator(".status-paused").first.is_visible()

    page.goto(f"{base_url}/lieux/")
    page.check("#scenario-1")
    page.get_by_role("button", name="Afficher les lieux").click()
    page.wait_for_url(re.compile(r"scenario=1"))
    # Flers has only a phone and a website: nothing for a resident without phone nor internet;
    # Cysoing is closed today and its closure keeps no channel open (directory.reachability).
    assert venue_names(page) == ["Médiathèque Jean Lévy"]
    assert page.console_problems == []


def test_the_map_appears_with_javascript(page, base_url, world):
    # Tiles come from the internet, closed here: refuse them at once, the markers are local.
    page.route(TILES, lambda route: route.abort())
    page.goto(f"{base_url}/lieux/")
    toggle = page.locator("button.map-toggle")
    assert toggle.is_visible()
    assert page.locator("#carte").is_hidden()
    toggle.click()
    page.wait_for_selector("#carte.leaflet-container")
    page.wait_for_function("document.querySelectorAll('#carte .leaflet-marker-icon').length === 3")
    assert toggle.get_attribute("aria-expanded") == "true"
    titles = sorted(page.locator("#carte .leaflet-marker-icon").evaluate_all("els => els.map(e => e.title)"))
    assert titles == ["Centre social Flers", "Espace numérique de Cysoing", "Médiathèque Jean Lévy"]
    problems = [p for p in page.console_problems if "tile.openstreetmap" not in p and "ERR_FAILED" not in p]
    assert problems == []


def test_the_list_works_without_javascript(nojs_page, base_url, world):
    page = nojs_page
    page.goto(f"{base_url}/")
    page.fill("#home-q", "cysoing")
    page.press("#home-q", "Enter")
    page.wait_for_url(re.compile(r"/lieux/\?q=cysoing"))
    assert venue_names(page) == ["Espace numérique de Cysoing"]
    # No script ran: the map stays out of the way, the list and its links are all there.
    assert page.locator("button.map-toggle").is_hidden()
    assert page.locator("#carte").is_hidden()
    page.get_by_role("link", name="Espace numérique de Cysoing").click()
    assert page.locator("h1").inner_text() == "Espace numérique de Cysoing"
    assert page.get_by_text("Fermé pour travaux, permanence maintenue à la mairie.").is_visible()


def test_a_mediator_declares_a_closure_and_residents_see_it_at_once(desktop_page, base_url, world, settings):
    # Public pages cached as in production: the closure must show on the very next visit.
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    # Open at any hour, so « open » does not depend on when the suite runs (lunch break).
    world.centre.opening_hours = "24/7"
    world.centre.save()
    page = desktop_page
    public_url = f"{base_url}{world.centre.get_absolute_url()}"
    page.goto(public_url)
    assert page.locator(".banner-open").is_visible()
    page.goto(public_url)  # now served from the page cache

    page.goto(f"{base_url}/admin/login/?next=/admin/")
    page.fill("#id_username", world.mediator.username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/mon-lieu/$"))  # mediators land on « Mon lieu »
    page.goto(f"{base_url}/admin/directory/venue/")
    page.get_by_role("link", name="Centre social Flers").click()
    page.wait_for_url(re.compile(r"/admin/directory/venue/\d+/change/"))

    end = timezone.localdate() + datetime.timedelta(days=6)
    section = page.locator("section.gll-quick-closure")
    section.locator("input[name='closure-starts_on']").fill(timezone.localdate().isoformat())
    section.locator("input[name='closure-ends_on']").fill(end.isoformat())
    section.locator("textarea[name='closure-public_message']").fill(
        "Fermé pour inventaire, rappelez-nous au 03 53 01 02 02."
    )
    section.get_by_role("button", name="Déclarer la fermeture").click()
    page.wait_for_url(re.compile(r"/admin/directory/venue/\d+/change/"))
    assert page.locator(".messagelist .success, .messagelist li").first.is_visible()

    page.goto(public_url)
    assert page.locator(".banner-paused").is_visible()
    assert page.get_by_text("Fermé pour inventaire, rappelez-nous au 03 53 01 02 02.").is_visible()


def count_pdf_pages(pdf: bytes) -> int:
    # Chromium writes one uncompressed « /Type /Page » dictionary per page.
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_the_door_poster_prints_on_one_a4_page(page, base_url, world):
    venue = world.mediatheque
    # Many channels and a long closure message: the poster must still fit on one sheet.
    for n in range(8):
        ChannelFactory(venue=venue, kind=enums.ChannelKind.PHONE, value=f"+3335301{n:04d}", label=f"Atelier {n}")
    page.goto(f"{base_url}{venue.get_absolute_url()}affiche/")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert count_pdf_pages(pdf) == 1

    page.goto(f"{base_url}/territoires/{world.hdf.lille.code}/fiche/")
    sheet = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert 1 <= count_pdf_pages(sheet) <= 2
    assert page.console_problems == []
