"""Coverage pages in a real browser: a territory picked by name (suggestions with JavaScript,
a results list without), the scenario share read off the page, no CSP violation, and axe-core
finds nothing at phone and desktop sizes."""

import pytest
from django.conf import settings
from django.test import Client

from directory import enums
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import ChannelFactory, ClosurePeriodFactory, UserFactory, VenueFactory, build_hauts_de_france

NNBSP = "\u202f"


@pytest.fixture
def world(transactional_db):
    t = build_hauts_de_france()
    open_venue = VenueFactory(commune=t.lille, service_area=enums.ServiceArea.EPCI)
    ChannelFactory(venue=open_venue, in_person=True)
    closed = VenueFactory(commune=t.cysoing, latitude=50.57, longitude=3.21, stale=True)
    # Its only channel is the drop-in, which its closure stops (ClosurePeriod.keeps_working).
    ChannelFactory(venue=closed, in_person=True)
    ClosurePeriodFactory(venue=closed)
    return t


@pytest.fixture
def axe_desktop_page(browser, live_server, axe_source):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.axe_source = axe_source
    yield page
    context.close()


def _login(page, base_url):
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def test_a_territory_is_picked_by_name_and_its_share_read(page, base_url, world):
    _login(page, base_url)
    response = page.goto(f"{base_url}/couverture/?niveau=departement&code=59")
    assert response.status == 200
    page.fill("#id_q", "pévèle")
    option = page.get_by_role("option", name="CC Pévèle-Carembault — Intercommunalité (EPCI)")
    option.wait_for()
    assert page.locator("#id_q").get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_q").get_attribute("aria-activedescendant") == "territory-option-0"
    page.keyboard.press("Enter")
    page.wait_for_url("**niveau=epci**")
    assert page.locator("h1").text_content().strip() == "Couverture : CC Pévèle-Carembault"
    # Scenario 2: the closed venue's drop-in is stopped, nobody else serves the EPCI.
    card = page.locator(".scenario-card").nth(1)
    assert card.locator(".share").text_content().strip() == f"0,0{NNBSP}%"
    assert "11" + NNBSP + "000" in card.text_content()
    assert page.locator(".print-button").is_visible()
    assert page.console_problems == []


def test_without_javascript_the_form_lists_the_territories(nojs_page, base_url, world):
    _login(nojs_page, base_url)
    nojs_page.goto(f"{base_url}/couverture/?niveau=departement&code=59")
    nojs_page.click("th a:text('Population')")
    assert "tri=-population" in nojs_page.url
    assert nojs_page.locator("th[aria-sort='descending']").count() == 1
    nojs_page.fill("#id_q", "lille")
    nojs_page.click(".territory-form button[type=submit]")
    nojs_page.locator(".territory-results").get_by_role("link", name="Lille", exact=True).click()
    assert nojs_page.locator("h1").text_content().strip() == "Couverture : Lille"
    share = nojs_page.locator(".scenario-card").first.locator(".share").text_content().strip()
    assert share == f"100,0{NNBSP}%"


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize(
    "path",
    [
        "/couverture/?niveau=departement&code=59",
        "/couverture/?niveau=france&vue=proximite&scenario=2",
        "/couverture/?q=lil",
        "/couverture/incomplets/?niveau=departement&code=59&scenario=2",
    ],
)
def test_the_staff_pages_have_no_axe_violations(axe_page, axe_desktop_page, base_url, world, size, path):
    page = axe_page if size == "phone" else axe_desktop_page
    _login(page, base_url)
    page.goto(f"{base_url}{path}")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_public_summary_has_no_axe_violations(axe_page, axe_desktop_page, base_url, world, size):
    page = axe_page if size == "phone" else axe_desktop_page
    page.goto(f"{base_url}/couverture/public/")
    violations = axe_violations(page)
    assert violations == [], format_violations(violations)


def test_the_distance_table_fits_a_360_px_phone(browser, live_server, base_url, world):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    try:
        _login(page, base_url)
        page.goto(f"{base_url}/couverture/?niveau=departement&code=59")
        table = page.locator("table.near-table")
        assert "Population à moins de 10 / 20 / 30 km" in page.locator("#near-heading").inner_text()
        # Lille and Villeneuve-d'Ascq (8 km away by their positions) in every scenario.
        assert f"298{NNBSP}710 hab." in table.inner_text()
        # No sideways scrolling: the table is no wider than its scroll box, nor the page.
        widths = table.evaluate(
            "t => [t.scrollWidth, t.parentElement.clientWidth, document.documentElement.scrollWidth]"
        )
        assert widths[0] <= widths[1] and widths[2] <= 360, widths
        table.screenshot(path=str(settings.BASE_DIR / "var" / "near-table-360.png"))
    finally:
        context.close()
