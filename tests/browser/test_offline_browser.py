"""« Garder hors ligne » in a real browser (issue 19): keep a commune with the network, cut the
network (``context.set_offline(True)``), then search that territory, open a venue page and the
paper sheet from the phone's storage, each with the dated banner; the page of kept territories
(update, remove) and axe on it; nothing shown without JavaScript."""

import time

import pytest
from django.db import OperationalError
from django.utils import formats, timezone, translation

from directory import enums, offline
from directory.views import offline as offline_views
from directory.views import public
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.world import build_directory_world
from tests.factories import ChannelFactory, VenueFactory


@pytest.fixture
def world(live_server, settings):
    settings.FRENCH_TYPOGRAPHY = True
    return build_directory_world()


def banner_text() -> str:
    with translation.override("fr"):
        return f"Hors ligne — données du {formats.date_format(timezone.localdate(), 'j F')}"


def keep(page, url):
    page.goto(url)
    block = page.locator("[data-keep-offline]")
    block.get_by_role("button", name="Garder hors ligne").click()
    block.get_by_text("Gardé hors ligne").wait_for(timeout=30_000)
    status = normalised(block.locator("[data-keep-status]").inner_text())
    assert status.startswith(f"Gardé hors ligne, {banner_text().removeprefix('Hors ligne — ')}. Sans réseau"), status
    return block


def search_offline(page, url):
    """Open an offline search and wait for its results (filtered in the page, after load)."""
    page.goto(url)
    # A locator, not wait_for_function: polling a function needs eval, which the CSP refuses.
    page.locator("[data-results-count]:not(:empty)").wait_for()
    return page.locator("[data-results] .venue")


def normalised(text: str) -> str:
    # French typography puts no-break spaces in server-rendered text.
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_a_kept_commune_is_searched_read_and_printed_without_network(page, base_url, world):
    block = keep(page, f"{base_url}/lieux/?commune=59350")
    assert "données du" in block.locator("[data-keep-status]").inner_text()
    context = page.context
    context.set_offline(True)
    try:
        # A search nobody kept as such: the offline search page answers from the index.
        results = search_offline(page, f"{base_url}/lieux/?q=mediatheque&scenario=2")
        assert normalised(page.locator(".offline-banner").inner_text()) == banner_text()
        assert results.count() == 1
        card = results.first
        assert card.get_by_role("link", name="Médiathèque Jean Lévy").is_visible()
        # Scenario 2: phone and SMS as links that act; the e-mail (scenario 3) is left out.
        assert card.get_by_role("link", name="Appeler le 03 53 01 01 01").get_attribute("href") == "tel:+33353010101"
        assert (
            card.get_by_role("link", name="Envoyer un SMS au 06 39 98 01 01").get_attribute("href").startswith("sms:")
        )
        assert card.locator(".channel-email").count() == 0
        # The commune's name is a place: the venues serving it.
        assert "Médiathèque Jean Lévy" in search_offline(page, f"{base_url}/lieux/?q=lille").first.inner_text()
        assert "Lieux qui desservent Lille" in page.locator("[data-results-count]").inner_text()
        assert search_offline(page, f"{base_url}/lieux/?q=cysoing").count() == 0
        assert "Aucun lieu gardé" in page.locator("[data-results-count]").inner_text()
        # The kept list page itself, then its search form (« Modifier » is folded).
        page.goto(f"{base_url}/lieux/?commune=59350&scenario=2")
        assert normalised(page.locator(".offline-banner").inner_text()) == banner_text()
        assert "Médiathèque Jean Lévy" in page.locator("ol.venues").inner_text()
        # The venue page, reached with its query string (?scenario=2&retour=…).
        page.locator("ol.venues").get_by_role("link", name="Médiathèque Jean Lévy").click()
        page.wait_for_url("**/lieux/**")
        assert page.get_by_role("heading", level=1).inner_text() == "Médiathèque Jean Lévy"
        assert normalised(page.locator(".offline-banner").inner_text()) == banner_text()
        assert page.locator('a[href="tel:+33353010101"]').first.is_visible()
        # The paper sheet prints from the phone.
        page.goto(f"{base_url}/territoires/59350/fiche/")
        assert "Aide au numérique près de chez vous : Lille" in normalised(page.locator("h1").inner_text())
        assert normalised(page.locator(".offline-banner").inner_text()) == banner_text()
        assert page.locator(".offline-banner").is_visible()
        page.emulate_media(media="print")
        assert not page.locator(".offline-banner").is_visible()
        page.emulate_media(media="screen")
        # A page that was not kept: the kept territories, said so.
        page.goto(f"{base_url}/mentions-legales/")
        assert "cette page n'a pas été gardée" in page.locator(".offline-banner").inner_text()
        page.locator(".kept-item").first.wait_for()
        assert page.locator(".kept-name").inner_text() == "Lille"
    finally:
        context.set_offline(False)
    assert page.console_problems == []


def test_the_kept_territories_page_updates_and_removes(page, base_url, world):
    keep(page, f"{base_url}/territoires/{world.hdf.pevele.code}/fiche/")
    keep(page, f"{base_url}/lieux/?commune=59350")
    page.goto(f"{base_url}/hors-ligne/")
    items = page.locator(".kept-item")
    items.nth(1).wait_for()
    assert [normalised(t) for t in page.locator(".kept-name").all_inner_texts()] == ["CC Pévèle-Carembault", "Lille"]
    pevele = items.first
    date = banner_text().removeprefix("Hors ligne — ")
    assert date in normalised(pevele.inner_text()) and "Intercommunalité" in pevele.inner_text()
    assert pevele.get_by_role("link", name="Fiche papier — CC Pévèle-Carembault").get_attribute("href") == (
        f"/territoires/{world.hdf.pevele.code}/fiche/"
    )
    pevele.get_by_role("button", name="Mettre à jour CC Pévèle-Carembault").click()
    page.locator("[data-kept-status]").get_by_text("est à jour").wait_for(timeout=30_000)
    assert normalised(page.locator("[data-kept-status]").inner_text()) == f"CC Pévèle-Carembault est à jour : {date}."
    # The EPCI's venues are searchable offline by commune name.
    page.context.set_offline(True)
    try:
        assert "Espace numérique de Cysoing" in search_offline(page, f"{base_url}/lieux/?q=cysoing").first.inner_text()
        assert "Fermé" in page.locator("[data-results] .status").first.inner_text()
    finally:
        page.context.set_offline(False)
    page.goto(f"{base_url}/hors-ligne/")
    page.locator(".kept-item").nth(1).wait_for()
    page.get_by_role("button", name="Retirer Lille").click()
    page.locator("[data-kept-status]").get_by_text("Lille n'est plus gardé sur ce téléphone.").wait_for()
    assert page.locator(".kept-name").all_inner_texts() == ["CC Pévèle-Carembault"]
    assert page.evaluate("caches.keys()") == [f"gll-hors-ligne-epci-{world.hdf.pevele.code}"]
    assert page.console_problems == []


def test_ordinary_browsing_stores_nothing(page, base_url, world):
    page.goto(f"{base_url}/lieux/?commune=59350")
    page.goto(f"{base_url}{world.mediatheque.get_absolute_url()}")
    assert page.evaluate("navigator.serviceWorker.getRegistration().then(r => !!r)") is False
    assert page.evaluate("caches.keys()") == []


def test_without_javascript_nothing_is_offered(nojs_page, base_url, world):
    nojs_page.goto(f"{base_url}/lieux/?commune=59350")
    assert nojs_page.get_by_role("button", name="Garder hors ligne").count() == 0
    nojs_page.goto(f"{base_url}/hors-ligne/")
    assert nojs_page.get_by_text("Ce navigateur ne peut rien garder hors ligne").is_visible()
    assert nojs_page.locator(".kept-list").is_hidden()


def test_the_kept_territories_page_is_accessible(axe_page, base_url, world):
    keep(axe_page, f"{base_url}/lieux/?commune=59350")
    axe_page.goto(f"{base_url}/hors-ligne/")
    axe_page.locator(".kept-item").first.wait_for()
    violations = axe_violations(axe_page)
    assert violations == [], format_violations(violations)
    axe_page.goto(f"{base_url}/hors-ligne/recherche/?q=lille")
    axe_page.locator("[data-results] .venue").first.wait_for()
    violations = axe_violations(axe_page)
    assert violations == [], format_violations(violations)


AGE_THE_PACK = """async ([name, url]) => {
    const cache = await caches.open(name);
    const pack = await (await cache.match(url)).json();
    pack.generated_at = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
    await cache.put(url, new Response(JSON.stringify(pack), {headers: {"Content-Type": "application/json"}}));
}"""

KEPT_NAMES = """async ([name, url]) => {
    const response = await (await caches.open(name)).match(url);
    return response ? (await response.json()).venues.map((v) => v.name) : [];
}"""


def test_a_pack_older_than_a_day_is_fetched_again_when_the_network_is_back(page, base_url, world):
    keep(page, f"{base_url}/lieux/?commune=59350")
    key = ["gll-hors-ligne-commune-59350", "/hors-ligne/commune/59350.json"]
    # As if kept the day before yesterday; a venue opened since.
    page.evaluate(AGE_THE_PACK, key)
    venue = VenueFactory(name="Point numérique de Wazemmes", commune=world.hdf.lille)
    ChannelFactory(venue=venue, kind=enums.ChannelKind.PHONE, value="+33353010909")
    page.context.set_offline(True)
    page.goto(f"{base_url}/lieux/?commune=59350")
    assert page.locator(".offline-banner").is_visible()
    assert "Point numérique de Wazemmes" not in page.evaluate(KEPT_NAMES, key)
    # The network comes back: the page tells the worker, which fetches the pack again.
    page.context.set_offline(False)
    for _attempt in range(60):
        if "Point numérique de Wazemmes" in page.evaluate(KEPT_NAMES, key):
            break
        page.wait_for_timeout(500)
    assert "Point numérique de Wazemmes" in page.evaluate(KEPT_NAMES, key)
    urls = page.evaluate("async (name) => (await (await caches.open(name)).keys()).map((r) => r.url)", key[0])
    assert f"{base_url}{venue.get_absolute_url()}" in urls


def test_a_territory_too_large_is_refused_with_the_servers_message(page, base_url, world, monkeypatch):
    monkeypatch.setattr(offline, "MAX_VENUES", 1)
    page.goto(f"{base_url}/territoires/{world.hdf.mel.code}/fiche/")
    block = page.locator("[data-keep-offline]")
    block.get_by_role("button", name="Garder hors ligne").click()
    block.get_by_text("Cette intercommunalité compte plus de 1 lieux").wait_for(timeout=30_000)
    assert "Gardez plutôt une commune" in block.locator("[data-keep-status]").inner_text()
    assert page.evaluate("caches.keys()") == []
    # The refusal is the server's answer (422), not a page defect.
    page.console_problems[:] = [p for p in page.console_problems if "/hors-ligne/epci/" not in p]
    assert page.console_problems == []


def test_personal_pages_are_never_stored_even_if_a_pack_listed_them(page, base_url, world, monkeypatch, settings):
    admin_login = f"/{settings.ADMIN_URL}login/"
    listed = offline.pack_urls
    monkeypatch.setattr(offline, "pack_urls", lambda *args: [*listed(*args), admin_login, "/mon-lieu/"])
    keep(page, f"{base_url}/lieux/?commune=59350")
    urls = page.evaluate(
        "async () => (await (await caches.open('gll-hors-ligne-commune-59350')).keys()).map((r) => r.url)"
    )
    assert f"{base_url}/lieux/?commune=59350" in urls
    # The admin's login page is answered « private, no-store »; « Mon lieu » is never fetched.
    assert f"{base_url}{admin_login}" not in urls and f"{base_url}/mon-lieu/" not in urls


def test_a_kept_page_shows_when_the_network_hangs(page, base_url, world, monkeypatch):
    # One bar of signal: the venue page takes 6 s to come; the kept copy shows after 1.5 s.
    monkeypatch.setattr(offline_views, "NAVIGATION_TIMEOUT_SECONDS", 1.5)
    keep(page, f"{base_url}/lieux/?commune=59350")
    render = public.render

    def slow_render(request, template, *args, **kwargs):
        if template == "directory/venue_detail.html":
            time.sleep(6)
        return render(request, template, *args, **kwargs)

    monkeypatch.setattr(public, "render", slow_render)
    started = time.monotonic()
    page.goto(f"{base_url}{world.mediatheque.get_absolute_url()}")
    assert time.monotonic() - started < 5
    assert normalised(page.locator(".offline-banner").inner_text()) == banner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Médiathèque Jean Lévy"


def test_a_kept_page_beats_the_servers_error_page(page, base_url, world, monkeypatch):
    keep(page, f"{base_url}/lieux/?commune=59350")

    def database_down(*args, **kwargs):
        raise OperationalError("connection refused")

    # The database is down: the server answers its 503 page; the kept copy is better.
    monkeypatch.setattr(public, "render", database_down)
    page.goto(f"{base_url}{world.mediatheque.get_absolute_url()}?scenario=2")
    assert normalised(page.locator(".offline-banner").inner_text()) == banner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Médiathèque Jean Lévy"
    # A page not kept still gets the server's answer.
    monkeypatch.undo()
    assert page.goto(f"{base_url}/lieux/?q=arras").ok
    assert page.locator(".offline-banner").count() == 0
