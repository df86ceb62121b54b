"""The harness itself: Chromium reaches the live server, pages obey the CSP, axe-core runs."""

from tests.browser.conftest import assert_accessible


def test_healthz_answers_in_the_browser(page, base_url):
    response = page.goto(f"{base_url}/healthz")
    assert response.status == 200
    assert '"status": "ok"' in page.text_content("body")


def test_home_renders_without_csp_violations_or_script_errors(page, base_url):
    response = page.goto(f"{base_url}/")
    assert response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert page.locator("main h1").count() == 1
    assert page.console_problems == []


def test_home_has_no_axe_violations(axe_page, base_url):
    assert_accessible(axe_page, f"{base_url}/")
