"""axe-core (WCAG 2.1 A and AA, best practices) on every public page, the printable pages, the
coverage page and the admin pages a mediator uses: zero violations."""

import re

import pytest

from tests.browser.conftest import axe_violations, format_violations
from tests.browser.world import PASSWORD, build_directory_world


@pytest.fixture
def world(live_server):
    return build_directory_world()


def audit(page, base_url, paths) -> dict:
    """Violations per path; every page is checked before anything is asserted, so one run
    lists them all."""
    found = {}
    for path in paths:
        response = page.goto(f"{base_url}{path}")
        assert response is not None and response.status == 200, f"{path} → {response and response.status}"
        violations = axe_violations(page)
        if violations:
            found[path] = format_violations(violations)
    return found


def report(found: dict) -> str:
    return "\n".join(f"{path}\n{text}" for path, text in found.items())


def test_public_pages_have_no_axe_violations(axe_page, base_url, world):
    venue = world.mediatheque
    paths = [
        "/",
        "/lieux/",
        "/lieux/?q=lille&scenario=2",
        "/lieux/?statut=ferme",
        "/lieux/?q=zzzzzz",  # no result
        "/lieux/?scenario=9&code_postal=abc",  # French errors shown
        venue.get_absolute_url(),
        f"{venue.get_absolute_url()}?scenario=1",
        world.pevele.get_absolute_url(),  # temporarily closed
        f"{venue.get_absolute_url()}signaler/",
        f"{venue.get_absolute_url()}affiche/",
        f"/territoires/{world.hdf.lille.code}/fiche/",
        "/couverture/public/",
    ]
    found = audit(axe_page, base_url, paths)
    assert found == {}, "axe-core :\n" + report(found)


def test_the_map_once_open_has_no_axe_violations(axe_page, base_url, world):
    axe_page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    axe_page.goto(f"{base_url}/lieux/")
    axe_page.locator("button.map-toggle").click()
    axe_page.wait_for_selector("#carte .leaflet-marker-icon")
    violations = axe_violations(axe_page)
    assert violations == [], format_violations(violations)


def login(page, base_url, username):
    page.goto(f"{base_url}/admin/login/")
    violations = axe_violations(page)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    # Mediators land on « Mon lieu », staff and superusers on the admin.
    page.wait_for_url(re.compile(r"/(admin|mon-lieu)/$"))
    return violations


def test_mediator_admin_pages_have_no_axe_violations(axe_page, base_url, world):
    login_violations = login(axe_page, base_url, world.mediator.username)
    venue = world.mediatheque
    paths = [
        "/admin/",
        "/admin/directory/venue/",
        f"/admin/directory/venue/{venue.pk}/change/",
        f"/admin/directory/venue/{venue.pk}/fermeture/",
        "/admin/directory/venue/add/",
    ]
    found = audit(axe_page, base_url, paths)
    if login_violations:
        found["/admin/login/"] = format_violations(login_violations)
    assert found == {}, "axe-core :\n" + report(found)


def test_coverage_page_has_no_axe_violations(axe_page, base_url, world):
    world.mediator.is_superuser = True
    world.mediator.save()
    login(axe_page, base_url, world.mediator.username)
    found = audit(axe_page, base_url, ["/couverture/", "/couverture/?niveau=departement&code=59"])
    assert found == {}, "axe-core :\n" + report(found)
