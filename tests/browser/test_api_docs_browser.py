"""The API documentation page works in a real browser under the site's CSP (no inline script
or style), from self-hosted assets, and lists the API's operations."""

from tests.factories import VenueFactory


def test_api_docs_render_under_the_csp(page, base_url, db):
    VenueFactory(name="Lieu de démonstration")
    response = page.goto(f"{base_url}/api/docs/")
    assert response.status == 200
    assert "unsafe-inline" not in response.headers["content-security-policy"]

    page.wait_for_selector(".opblock", timeout=15_000)

    paths = page.locator(".opblock-summary-path").all_text_contents()
    assert any("/api/v1/lieux/" in p for p in paths), paths
    assert page.console_problems == []


def test_api_docs_try_it_out_calls_the_api(page, base_url, db):
    VenueFactory(name="Lieu de démonstration")
    page.goto(f"{base_url}/api/docs/")
    page.wait_for_selector(".opblock")
    page.locator(".opblock-summary", has_text="/api/v1/lieux/").first.click()
    page.get_by_role("button", name="Execute").first.click()
    page.wait_for_selector(".live-responses-table .response-col_status", timeout=15_000)
    assert "Lieu de démonstration" in page.locator(".live-responses-table").first.text_content()
    assert page.console_problems == []
