"""Coverage pages in a real browser: no CSP violation, the Leaflet map draws one marker per
venue, axe-core finds nothing, and the page stays usable without JavaScript."""

import pytest
from django.conf import settings
from django.test import Client

from directory import enums
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import ChannelFactory, ClosurePeriodFactory, UserFactory, VenueFactory, build_hauts_de_france


@pytest.fixture
def world(transactional_db):
    t = build_hauts_de_france()
    open_venue = VenueFactory(commune=t.lille, service_area=enums.ServiceArea.EPCI)
    ChannelFactory(venue=open_venue, in_person=True)
    closed = VenueFactory(commune=t.cysoing, latitude=50.57, longitude=3.21, stale=True)
    ChannelFactory(venue=closed, sms=True)
    ClosurePeriodFactory(venue=closed)
    return t


def _login(page, base_url):
    client = Client()
    client.force_login(UserFactory(is_superuser=True))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def test_the_staff_page_draws_the_map_under_the_csp(page, base_url, world):
    _login(page, base_url)
    response = page.goto(f"{base_url}/couverture/?niveau=departement&code=59")
    assert response.status == 200
    page.wait_for_selector("#coverage-map.is-active path.leaflet-interactive", state="attached")
    assert page.locator("#coverage-map path.leaflet-interactive").count() == 2
    assert page.locator(".print-button").is_visible()
    assert page.console_problems == []


def test_the_staff_page_has_no_axe_violations(axe_page, base_url, world):
    _login(axe_page, base_url)
    axe_page.goto(f"{base_url}/couverture/?niveau=departement&code=59")
    violations = axe_violations(axe_page)
    assert violations == [], format_violations(violations)


def test_the_public_summary_has_no_axe_violations(axe_page, base_url, world):
    axe_page.goto(f"{base_url}/couverture/public/")
    violations = axe_violations(axe_page)
    assert violations == [], format_violations(violations)


def test_the_table_works_without_javascript(nojs_page, base_url, world):
    _login(nojs_page, base_url)
    nojs_page.goto(f"{base_url}/couverture/?niveau=departement&code=59")
    nojs_page.click("th a:text('Population')")
    assert "tri=-population" in nojs_page.url
    assert nojs_page.locator("th[aria-sort='descending']").count() == 1
    nojs_page.select_option("#id_niveau", "commune")
    nojs_page.fill("#id_code", "59350")
    nojs_page.click("button[type=submit]")
    assert nojs_page.locator("h1").text_content().strip() == "Couverture : Lille"
