"""The embeddable directory in a real browser (issue 19, part 1): a partner builds the snippet on
/integrer/ by choosing a territory by name, copies it, sees the preview; the snippet pasted in a
page of another origin shows the widget, whose venue links open the full site in a new tab;
an ordinary page framed there is refused; axe-core finds nothing on both pages at 360×740."""

import http.server
import threading
from urllib.parse import urlsplit

import pytest

from directory import embed
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.world import build_directory_world


@pytest.fixture
def world(live_server, settings):
    # The snippet's absolute address is SITE_URL's: the live server here.
    settings.SITE_URL = live_server.url
    return build_directory_world()


@pytest.fixture
def partner_site():
    """A partner's page on another origin (another port): serves whatever HTML the test sets."""
    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def partner_page(snippet: str) -> str:
    return (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Mairie de Lille</title></head>'
        f"<body><main><h1>Aide au numérique</h1>{snippet}</main></body></html>"
    )


def build_snippet(page, base_url) -> str:
    page.goto(f"{base_url}/integrer/")
    page.fill("#id_q", "Lille")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("radio", name="Lille — Commune · Nord (59)").check()
    page.get_by_role("radio", name="J'ai un téléphone, sans internet").check()
    page.get_by_role("checkbox", name="SMS").check()
    page.get_by_role("radio", name="Vert").check()
    page.get_by_role("button", name="Créer le code d'intégration").click()
    return page.locator("#embed-snippet").input_value()


def test_a_partner_builds_copies_and_previews_the_embed(page, base_url, world):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    snippet = build_snippet(page, base_url)
    assert snippet.startswith(f'<iframe src="{base_url}/widget/?commune=59350&amp;scenario=2&amp;canal=sms')
    assert "palette=vert" in snippet
    page.get_by_role("button", name="Copier le code").click()
    page.get_by_text("Code copié.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == snippet
    preview = page.frame_locator(".embed-preview")
    # Scenario 2 and SMS: the Lille venue with an SMS line, as on /lieux/.
    preview.get_by_role("heading", name="Aide au numérique : Lille").wait_for()
    assert preview.locator(".venue-name").count() >= 1
    assert preview.locator("body.palette-vert").count() == 1
    assert page.console_problems == []


def test_the_builder_works_without_javascript(nojs_page, base_url, world):
    snippet = build_snippet(nojs_page, base_url)
    assert "/widget/?commune=59350" in snippet
    assert nojs_page.get_by_role("button", name="Copier le code").is_hidden()


def test_the_widget_shows_in_a_page_of_another_origin(browser, page, base_url, world, partner_site):
    origin, pages = partner_site
    assert urlsplit(origin).netloc != urlsplit(base_url).netloc
    snippet = build_snippet(page, base_url)
    pages["/aide.html"] = partner_page(snippet.replace("&amp;", "&").replace("&", "&amp;"))
    pages["/interdit.html"] = partner_page(f'<iframe src="{base_url}/lieux/" title="Annuaire"></iframe>')

    partner = page.context.new_page()
    problems = []
    partner.on("console", lambda message: problems.append(message.text))
    partner.goto(f"{origin}/aide.html")
    frame = partner.frame_locator("iframe")
    frame.get_by_role("heading", name="Aide au numérique : Lille").wait_for()
    first = frame.locator(".venue-name a").first
    name = first.text_content()
    assert first.get_attribute("target") == "_blank"
    # A venue opens the full site in a new tab, the partner's page stays.
    with page.context.expect_page() as opened:
        first.click()
    venue_page = opened.value
    venue_page.wait_for_load_state()
    assert venue_page.url.startswith(f"{base_url}/lieux/")
    assert venue_page.locator("h1").first.text_content().strip() == name
    assert partner.url == f"{origin}/aide.html"
    # The resident's own search inside the frame stays in the frame.
    frame.get_by_role("radio", name="Montrer tous les moyens de contact").check()
    frame.get_by_role("button", name="Voir qui peut m'aider").click()
    frame.get_by_role("heading", name="Aide au numérique : Lille").wait_for()
    assert not [p for p in problems if "frame-ancestors" in p or "Refused" in p]

    # Every other page refuses to be framed (frame-ancestors 'none', X-Frame-Options DENY).
    refused = page.context.new_page()
    messages = []
    refused.on("console", lambda message: messages.append(message.text))
    refused.goto(f"{origin}/interdit.html")
    refused.wait_for_timeout(500)
    assert refused.frames[1].url.startswith("chrome-error://")  # Chromium's « refused » page
    assert any("frame-ancestors" in m or "X-Frame-Options" in m for m in messages), messages


def _axe(page, url):
    response = page.goto(url)
    assert response is not None and response.ok, url
    violations = axe_violations(page)
    assert violations == [], f"axe-core sur {url} :\n{format_violations(violations)}"


def test_axe_finds_nothing_on_the_builder(axe_page, base_url, world):
    _axe(axe_page, f"{base_url}/integrer/")
    _axe(axe_page, f"{base_url}/integrer/?q=lille&chercher=1")
    _axe(axe_page, f"{base_url}/integrer/?territoire=commune:59350&scenario=2&creer=1")


@pytest.mark.parametrize("palette", list(embed.PALETTES))
def test_axe_finds_nothing_on_the_widget(axe_page, base_url, world, palette):
    """Every palette, as rendered: axe checks the real colours (color-contrast) too."""
    _axe(axe_page, f"{base_url}/widget/?commune=59350&palette={palette}")
    _axe(axe_page, f"{base_url}/widget/?departement=59&scenario=2&palette={palette}")


def test_a_keyed_widget_shows_only_on_its_partners_sites(page, base_url, world, partner_site):
    """Same partner server under two names: 127.0.0.1 is the key's site, localhost is not."""
    from directory.models import PartnerKey, PartnerKeyUsage

    origin, pages = partner_site
    port = urlsplit(origin).port
    key = PartnerKey(name="Mairie de Lille", contact_email="mairie@example.org", allowed_hosts=[f"127.0.0.1:{port}"])
    raw = key.issue()
    key.save()
    frame = f'<iframe src="{base_url}/widget/?commune=59350&amp;cle={raw}" title="Annuaire"></iframe>'
    pages["/aide.html"] = partner_page(frame)
    # A page that sends no Referer: the key's site cannot be read, the browser still checks.
    pages["/discret.html"] = partner_page(frame).replace("<head>", '<head><meta name="referrer" content="no-referrer">')

    partner = page.context.new_page()
    partner.goto(f"{origin}/aide.html")
    partner.frame_locator("iframe").get_by_role("heading", name="Aide au numérique : Lille").wait_for()
    assert PartnerKeyUsage.objects.get(key=key).widget_views == 1

    # Another site (Referer localhost:port): the frame says why, in French.
    other = page.context.new_page()
    other.goto(f"http://localhost:{port}/aide.html")
    other.frame_locator("iframe").get_by_text("n'est pas autorisée sur le site localhost").wait_for()

    # Another site hiding its Referer: served, but the browser refuses to show it there.
    hidden = page.context.new_page()
    messages = []
    hidden.on("console", lambda message: messages.append(message.text))
    hidden.goto(f"http://localhost:{port}/discret.html")
    hidden.wait_for_timeout(500)
    assert hidden.frames[1].url.startswith("chrome-error://")  # Chromium's « refused » page
    assert any("frame-ancestors" in m for m in messages), messages
