"""The resident's path on a 360×740 phone (issue 13): the first screen answers, a commune or a
postal code typed in the one box finds the venues serving it, a closed venue leads to an open
one; axe-core finds nothing on the pages touched."""

import re

import pytest

from directory import enums
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.world import build_directory_world
from tests.factories import ChannelFactory, VenueFactory

FOLD = 740


@pytest.fixture
def world(live_server):
    world = build_directory_world()
    hdf = world.hdf
    # Open, in Templeuve-en-Pévèle, serving the CC Pévèle-Carembault (Cysoing included).
    world.templeuve_venue = VenueFactory(
        name="Point numérique de Templeuve",
        commune=hdf.templeuve,
        postal_code="59242",
        latitude=50.5280,
        longitude=3.1750,
        opening_hours="Mo-Su 00:00-24:00",
        service_area=enums.ServiceArea.EPCI,
    )
    ChannelFactory(venue=world.templeuve_venue, value="+33353011007", label="Accueil")
    ChannelFactory(venue=world.templeuve_venue, in_person=True, value="Salle des fêtes de Templeuve")
    # A phone line for the whole Nord.
    line = VenueFactory(
        name="Ligne numérique du Nord",
        commune=hdf.lille,
        postal_code="59000",
        service_area=enums.ServiceArea.DEPARTEMENT,
    )
    ChannelFactory(venue=line, value="+33353011008")
    return world


def top_of(page, selector) -> float:
    return page.locator(selector).first.bounding_box()["y"]


def bottom_of(page, selector) -> float:
    box = page.locator(selector).first.bounding_box()
    return box["y"] + box["height"]


def test_home_asks_where_you_live_and_what_you_have_above_the_fold(page, base_url, world):
    page.goto(f"{base_url}/")
    assert page.get_by_label("Où habitez-vous ?").is_visible()
    assert bottom_of(page, "#home-q") <= FOLD
    assert bottom_of(page, ".home-search fieldset") <= FOLD
    assert bottom_of(page, ".home-search button") <= FOLD


@pytest.mark.parametrize("typed", ["templeuve en pevele", "59242", "Templeuve-en-Pévèle"])
def test_typing_a_served_commune_or_postal_code_finds_its_venues(page, base_url, world, typed):
    page.goto(f"{base_url}/")
    page.fill("#home-q", typed)
    page.check("#home-scenario-2")
    page.get_by_role("button", name="Voir qui peut m'aider").click()
    page.wait_for_url(re.compile(r"/lieux/\?"))
    names = page.locator(".venues .venue-name").all_inner_texts()
    assert names[0] == "Point numérique de Templeuve"
    assert "Ligne numérique du Nord" in names and "Aucun lieu trouvé" not in page.content()
    # One line of criteria with « Modifier », then the first result, on the first screen.
    assert page.locator(".criteria-summary").is_visible()
    assert "Modifier" in page.locator(".criteria-summary").inner_text()
    assert bottom_of(page, ".criteria-summary") <= FOLD
    assert bottom_of(page, ".venues .venue-name") <= FOLD
    assert page.locator("#id_q").is_hidden()  # the form is folded under « Modifier »
    page.locator(".criteria-summary").click()
    assert page.locator("#id_q").is_visible()
    assert page.locator("details.more-filters").get_attribute("open") is None


def test_a_closed_venue_leads_to_an_open_one(page, base_url, world):
    page.goto(f"{base_url}{world.pevele.get_absolute_url()}?scenario=1")
    assert page.get_by_text("Pendant la fermeture", exact=True).first.is_visible()
    block = page.locator("section.alternatives")
    link = block.get_by_role("link", name="Point numérique de Templeuve")
    assert link.is_visible()
    link.click()
    assert page.locator("h1").inner_text() == "Point numérique de Templeuve"
    assert page.locator(".banner").first.inner_text().startswith("Ouvert")


def test_phone_buttons_are_big_enough(page, base_url, world):
    page.goto(f"{base_url}{world.mediatheque.get_absolute_url()}")
    button = page.get_by_role("link", name="Appeler le 03 53 01 01 01")
    assert button.bounding_box()["height"] >= 44
    assert page.get_by_role("link", name=re.compile("Envoyer un SMS")).bounding_box()["height"] >= 44


def test_pages_of_the_path_have_no_axe_violations(axe_page, base_url, world):
    paths = [
        "/",
        "/lieux/?q=templeuve+en+pevele&scenario=2",
        "/lieux/?q=59242",
        "/lieux/?q=arras",  # nobody serves it: nearest venues and the département's contact
        "/lieux/?q=saint",  # ambiguous: suggestions
        "/lieux/?ouvert=maintenant&jour=samedi&apres=18:00",
        f"{world.pevele.get_absolute_url()}?scenario=1",
        world.pevele.get_absolute_url(),
        world.templeuve_venue.get_absolute_url(),
    ]
    found = {}
    for path in paths:
        response = axe_page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, path
        violations = axe_violations(axe_page)
        if violations:
            found[path] = format_violations(violations)
    assert found == {}, "\n".join(f"{p}\n{t}" for p, t in found.items())
