"""« Garder hors ligne » (issue 19), server side: the pack of a commune or an EPCI (what the
service worker stores), its bound, its errors and its query count; the worker and manifest
headers; the « Garder hors ligne » block and the offline pages."""

import json

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from directory import offline
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory


def pack_url(kind, code):
    return reverse("directory:offline_pack", kwargs={"kind": kind, "code": code})


@pytest.fixture
def world(hauts_de_france):
    hdf = hauts_de_france
    hdf.fives = VenueFactory(name="Centre social Fives", commune=hdf.lille, service_area="commune")
    ChannelFactory(venue=hdf.fives, value="+33353010040", label="Accueil", availability="mardi 14 h – 17 h")
    ChannelFactory(venue=hdf.fives, whatsapp=True)
    hdf.vda = VenueFactory(name="Médiathèque Till l'Espiègle", commune=hdf.villeneuve, service_area="epci")
    ChannelFactory(venue=hdf.vda, sms=True, value="+33639980041")
    ChannelFactory(venue=hdf.vda, in_person=True, value="Hall de la mairie")
    hdf.caf = VenueFactory(name="CAF du Nord", commune=hdf.cysoing, service_area="departement")
    ChannelFactory(venue=hdf.caf, value="+33353010042")
    hdf.closed = VenueFactory(name="Espace numérique fermé", commune=hdf.lille, service_area="commune")
    ChannelFactory(venue=hdf.closed, value="+33353010043")
    sms = ChannelFactory(venue=hdf.closed, sms=True, value="+33639980043")
    ClosurePeriodFactory(venue=hdf.closed, public_message="Réouverture après travaux").open_channels.add(sms)
    hdf.gone = VenueFactory(name="Lieu disparu", commune=hdf.lille, closed_for_good=True)
    hdf.templeuve_venue = VenueFactory(name="Point numérique de Templeuve", commune=hdf.templeuve)
    ChannelFactory(venue=hdf.templeuve_venue, in_person=True)
    hdf.arras_venue = VenueFactory(name="France services Arras", commune=hdf.arras, service_area="departement")
    return hdf


def test_a_commune_pack_lists_its_pages_and_indexes_every_venue_serving_it(client, world):
    response = client.get(pack_url("commune", "59350"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    pack = response.json()
    assert (pack["kind"], pack["code"], pack["name"]) == ("commune", "59350", "Lille")
    assert pack["cache"] == "gll-hors-ligne-commune-59350"
    today = timezone.localdate()
    assert pack["date"] == today.isoformat()
    assert pack["date_label"].startswith("données du ") and str(today.day) in pack["date_label"]
    assert pack["banner"] == f"Hors ligne — {pack['date_label']}"
    names = [v["name"] for v in pack["venues"]]
    # Serving Lille: located there, the MEL-wide médiathèque, the département-wide CAF; the
    # temporarily closed one too; not the one closed for good, nor other communes' venues.
    assert names == ["CAF du Nord", "Centre social Fives", "Espace numérique fermé", "Médiathèque Till l'Espiègle"]
    urls = pack["urls"]
    assert urls[:5] == [
        "/lieux/?commune=59350",
        "/lieux/?commune=59350&scenario=1",
        "/lieux/?commune=59350&scenario=2",
        "/lieux/?commune=59350&scenario=3",
        "/territoires/59350/fiche/",
    ]
    for venue in (world.fives, world.vda, world.caf, world.closed):
        assert venue.get_absolute_url() in urls
        assert reverse("directory:venue_print", kwargs={"slug": venue.slug}) in urls
    for venue in (world.gone, world.templeuve_venue, world.arras_venue):
        assert venue.get_absolute_url() not in urls
    assert "/hors-ligne/" in urls and "/hors-ligne/recherche/" in urls
    for path in ("css/print.css", "js/offline.js", "js/offline-search.js", "icons/icon.svg"):
        assert static(path) in urls
    assert len(urls) == len(set(urls))
    # Nothing of signed-in people.
    admin = "/" + settings.ADMIN_URL
    assert not [u for u in urls if u.startswith((admin, "/mon-lieu/", "/compte/"))]


def test_the_index_carries_what_the_offline_search_shows(client, world):
    pack = client.get(pack_url("commune", "59350")).json()
    venues = {v["name"]: v for v in pack["venues"]}
    fives = venues["Centre social Fives"]
    assert fives["url"] == world.fives.get_absolute_url()
    assert (fives["commune"], fives["commune_code"], fives["postal_code"]) == (
        "Lille",
        "59350",
        world.fives.postal_code,
    )
    assert fives["words"].startswith("centre social fives lille")
    assert fives["serves"] == ["59350"] and fives["closed"] is False and fives["status"] == "Ouvert"
    phone, whatsapp = fives["channels"]
    assert phone["href"] == "tel:+33353010040" and phone["value"] == "Appeler le 03 53 01 00 40"
    assert phone["heading"] == "Accueil :" and phone["availability"] == "mardi 14 h – 17 h"
    # The one rule of usability: a phone is no use in scenario 1, WhatsApp only in 3.
    assert phone["scenarios"] == [2, 3] and whatsapp["scenarios"] == [3]
    assert fives["scenarios"] == [2, 3]
    assert venues["Médiathèque Till l'Espiègle"]["scenarios"] == [1, 2, 3]
    # During a closure: only what the closure keeps open, and its status in words.
    closed = venues["Espace numérique fermé"]
    assert closed["closed"] is True and closed["status"].startswith("Fermé")
    assert [c["href"] for c in closed["channels"]] == ["sms:+33639980043"]
    assert pack["communes"] == [
        {
            "code": "59350",
            "name": "Lille",
            "postal_codes": ["59000", "59160", "59260", "59777", "59800"],
            "epci": "200093201",
            "words": "lille",
        }
    ]


def test_an_epci_pack_covers_its_communes_and_says_which_each_venue_serves(client, world):
    pack = client.get(pack_url("epci", world.mel.code)).json()
    assert (pack["kind"], pack["name"]) == ("epci", "Métropole Européenne de Lille")
    assert pack["urls"][0] == f"/lieux/?epci={world.mel.code}"
    assert f"/territoires/{world.mel.code}/fiche/" in pack["urls"]
    assert [c["code"] for c in pack["communes"]] == ["59350", "59009"]
    serves = {v["name"]: v["serves"] for v in pack["venues"]}
    assert serves == {
        "CAF du Nord": ["59350", "59009"],
        "Centre social Fives": ["59350"],
        "Espace numérique fermé": ["59350"],
        "Médiathèque Till l'Espiègle": ["59350", "59009"],
    }


def test_a_venue_serving_a_list_of_communes_serves_those_only(client, world):
    listed = VenueFactory(name="Bus numérique", commune=world.cysoing, service_area="communes")
    listed.service_area_communes.add(world.villeneuve)
    pack = client.get(pack_url("epci", world.mel.code)).json()
    assert {v["name"]: v["serves"] for v in pack["venues"]}["Bus numérique"] == ["59009"]


def test_every_url_of_a_pack_answers_an_anonymous_visitor(client, world):
    for url in client.get(pack_url("commune", "59350")).json()["urls"]:
        if url.startswith(settings.STATIC_URL):
            # Served by whitenoise, not by the test client: the file must exist.
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url


def test_a_pack_is_bounded_with_a_french_message(client, world, monkeypatch):
    monkeypatch.setattr(offline, "MAX_VENUES", 3)
    response = client.get(pack_url("epci", world.mel.code))
    assert response.status_code == 422
    assert response.json()["error"] == (
        "Cette intercommunalité compte plus de 3 lieux : trop pour un téléphone. Gardez plutôt une commune "
        "(cherchez-la dans l'annuaire, puis « Garder hors ligne »)."
    )
    response = client.get(pack_url("commune", "59350"))
    assert response.status_code == 422 and "Imprimez plutôt sa fiche papier" in response.json()["error"]
    # Exactly the bound still goes (Templeuve has one venue).
    assert client.get(pack_url("commune", world.templeuve.code)).status_code == 200


@pytest.mark.parametrize(
    ("kind", "code"),
    [("commune", "99999"), ("epci", "999999999"), ("commune", "lille"), ("region", "59350"), ("epci", "59350")],
)
def test_an_unknown_territory_is_a_404_with_a_french_message(client, world, kind, code):
    response = client.get(pack_url(kind, code))
    assert response.status_code == 404
    assert response.json()["error"].startswith("Territoire inconnu")


def test_the_pack_query_count_is_constant(client, world, django_assert_num_queries):
    with django_assert_num_queries(5):
        client.get(pack_url("commune", "59350"))
    with django_assert_num_queries(6):
        client.get(pack_url("epci", world.mel.code))
    for n in range(5):
        venue = VenueFactory(commune=world.villeneuve, service_area="communes")
        venue.service_area_communes.add(world.lille)
        ChannelFactory(venue=venue, value=f"+3335301050{n}")
        ChannelFactory(venue=venue, in_person=True)
        ClosurePeriodFactory(venue=venue).open_channels.add(*venue.channels.all())
    with django_assert_num_queries(5):
        assert len(client.get(pack_url("commune", "59350")).json()["venues"]) == 9
    with django_assert_num_queries(6):
        client.get(pack_url("epci", world.mel.code))


def test_the_service_worker_is_served_at_the_root_uncached(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    # Under the site's CSP, which allows it as a same-origin script (worker-src falls back to it).
    assert "script-src 'self'" in response["Content-Security-Policy"]
    body = response.content.decode()
    config = json.loads(body.split("const CONFIG = ", 1)[1].split(";\nconst DAY", 1)[0])
    assert config["cachePrefix"] == "gll-hors-ligne-"
    assert config["packUrl"] == "/hors-ligne/KIND/CODE.json"
    assert "/mon-lieu/" in config["never"] and "/compte/" in config["never"]
    # The admin's configurable path is not published (its pages are refused as private).
    assert settings.ADMIN_URL not in body
    assert config["messages"]["notKept"].startswith("Hors ligne")


def test_the_manifest(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    assert response["Cache-Control"] == "no-cache"
    manifest = response.json()
    assert manifest["name"] == settings.SITE_NAME and manifest["start_url"] == "/"
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#0b3d75"
    for icon in manifest["icons"]:
        path = icon["src"].removeprefix(settings.STATIC_URL)
        assert finders.find(path), path
    with open(finders.find("icons/icon-512.png"), "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/").content.decode()


def test_the_keep_block_is_on_territory_results_and_sheets_only(client, world):
    block = 'data-keep-offline data-kind="commune" data-code="59350"'
    html = client.get("/lieux/?commune=59350").content.decode()
    assert block in html and "js/offline.js" in html
    assert 'data-pack="/hors-ligne/commune/59350.json"' in html
    # A place typed in the box is a commune result too.
    assert 'data-code="59586"' in client.get("/lieux/?q=Templeuve-en-P%C3%A9v%C3%A8le").content.decode()
    epci = client.get(f"/lieux/?epci={world.mel.code}").content.decode()
    assert f'data-kind="epci" data-code="{world.mel.code}"' in epci
    assert (
        f'data-kind="epci" data-code="{world.mel.code}"'
        in client.get(f"/territoires/{world.mel.code}/fiche/").content.decode()
    )
    sheet = client.get("/territoires/59350/fiche/").content.decode()
    assert block in sheet and "js/offline.js" in sheet
    # Hidden without JavaScript; not offered on other lists.
    assert block + ' data-cache="gll-hors-ligne-commune-59350"' in html
    plain = client.get("/lieux/").content.decode()
    assert "data-keep-offline" not in plain and "js/offline.js" not in plain


def test_the_offline_pages_say_what_to_do_without_javascript(client, db):
    kept = client.get("/hors-ligne/").content.decode()
    assert "Territoires gardés hors ligne" in kept and "data-kept-page hidden" in kept
    assert "Ce navigateur ne peut rien garder hors ligne" in kept
    search = client.get("/hors-ligne/recherche/?q=lille").content.decode()
    assert "data-offline-search hidden" in search and "La recherche hors ligne demande JavaScript" in search
    assert 'id="offline-config"' in search


def test_the_worker_speaks_the_language_of_the_page_that_registered_it(client, db):
    # The browser fetches the script with its own language preferences, not the page's.
    french = client.get("/sw.js?langue=fr", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    english = client.get("/sw.js?langue=en", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    unknown = client.get("/sw.js?langue=xx", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "gardée" in french and "gardée" in unknown
    assert "not kept" in english and "gardée" not in english
