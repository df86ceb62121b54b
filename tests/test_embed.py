"""The embeddable directory (issue 19, part 1): the builder ``/integrer/``, the framed page
``/widget/`` (territory, scenario and kinds respected, headers, no cookie, weight, query count),
partner keys (sites, quotas, usage per day) for the widget and the API, and who issues keys."""

import gzip
import html as html_lib
import re

import pytest
from django.test import Client
from django.urls import reverse

from directory import embed, enums, partners
from directory.models import PartnerKey, PartnerKeyUsage
from directory.models.partners import hash_key
from tests.factories import (
    ChannelFactory,
    DepartementStaffFactory,
    MembershipFactory,
    StructureFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

WIDGET = reverse("directory:widget")
BUILDER = reverse("directory:embed")


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def world(hauts_de_france):
    """Venues around Lille (MEL), in the Pévèle, in the whole Nord and in Arras."""
    t = hauts_de_france
    lille = VenueFactory(name="Centre social Lille Sud", commune=t.lille, service_area=enums.ServiceArea.COMMUNE)
    ChannelFactory(venue=lille, in_person=True)
    ChannelFactory(venue=lille, value="+33353010010")
    villeneuve = VenueFactory(name="Médiathèque de Villeneuve", commune=t.villeneuve)  # EPCI area: serves Lille
    ChannelFactory(venue=villeneuve, sms=True)
    cysoing = VenueFactory(name="Espace numérique de Cysoing", commune=t.cysoing)
    ChannelFactory(venue=cysoing, website=True)
    nord = VenueFactory(
        name="Ligne départementale du Nord", commune=t.villeneuve, service_area=enums.ServiceArea.DEPARTEMENT
    )
    ChannelFactory(venue=nord, value="+33353010020")
    arras = VenueFactory(name="Médiathèque Saint-Vaast", commune=t.arras)
    ChannelFactory(venue=arras, in_person=True)
    t.venues = {"lille": lille, "villeneuve": villeneuve, "cysoing": cysoing, "nord": nord, "arras": arras}
    return t


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


def names(response) -> set[str]:
    return set(re.findall(r'class="venue-name"><a [^>]*>([^<]+)</a>', response.content.decode()))


def csp(response) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
        for part in response["Content-Security-Policy"].split(";")
    }


def make_key(**fields) -> tuple[PartnerKey, str]:
    key = PartnerKey(
        name="Mairie de Cysoing", contact_email="mairie@exemple.fr", allowed_hosts=["www.mairie-cysoing.fr"], **fields
    )
    raw = key.issue()
    key.save()
    return key, raw


# --- palettes: WCAG AA, computed ----------------------------------------------------------


def test_contrast_ratio_matches_the_wcag_reference_values():
    assert embed.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert embed.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # #767676 on white is the classic lightest AA grey (4.54:1).
    assert embed.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", list(embed.PALETTES))
def test_every_palette_passes_wcag_aa(name):
    p = embed.PALETTES[name]
    for colour in (p.text, p.muted, p.link, p.open, p.closed, p.paused):
        assert embed.contrast_ratio(colour, p.background) >= 4.5, (name, colour)
    assert embed.contrast_ratio(p.accent_text, p.accent) >= 4.5, name  # button text
    assert embed.contrast_ratio(p.accent, p.background) >= 3, name  # button edge (1.4.11)
    assert embed.contrast_ratio(p.focus, p.background) >= 3, name  # focus ring (1.4.11)


def test_the_widget_stylesheet_uses_only_palette_colours():
    """Colours come from the palette's custom properties, never written in widget.css."""
    css, _hash = embed.widget_stylesheet("vert")
    base = css[: css.index(".palette-vert{")]
    assert not re.search(r"#[0-9a-fA-F]{3,6}\b", base)
    assert "--link:#1b6b35" in css


# --- the builder ----------------------------------------------------------------------------


def test_every_page_footer_leads_partners_to_the_builder(client, db):
    html = client.get(reverse("directory:home")).content.decode()
    assert f'href="{BUILDER}"' in html[html.index('<footer class="site-footer"') :]


def test_builder_finds_territories_by_name_without_regions(client, world):
    response = client.get(BUILDER, {"q": "lille", "chercher": "1"})
    assert response.status_code == 200
    values = [t["value"] for t in response.context["suggestions"]]
    assert "commune:59350" in values
    assert "epci:200093201" in values  # Métropole Européenne de Lille
    assert all(v.split(":")[0] in {"commune", "epci", "departement"} for v in values)
    html = response.content.decode()
    assert 'name="territoire" value="commune:59350"' in html
    assert "<iframe" not in html  # nothing built before a territory is chosen


def test_builder_gives_the_snippet_and_a_preview(client, world, settings):
    settings.SITE_URL = "https://annuaire.exemple.fr"
    response = client.get(
        BUILDER,
        {"territoire": "commune:59350", "scenario": "2", "canal": ["sms", "phone"], "palette": "vert", "creer": "1"},
    )
    assert response.status_code == 200
    built = response.context["built"]
    assert built["path"] == f"{WIDGET}?commune=59350&scenario=2&canal=sms&canal=phone&palette=vert"
    snippet = built["snippet"]
    assert snippet.startswith('<iframe src="https://annuaire.exemple.fr/widget/?commune=59350&amp;scenario=2')
    assert 'title="Lieux de médiation numérique : Lille"' in snippet
    html = response.content.decode()
    assert 'id="embed-snippet"' in html and "&lt;iframe src=" in html  # shown as text to copy
    assert f'class="embed-preview" src="{built["path"].replace("&", "&amp;")}"' in html
    # The builder itself is an ordinary page: never framed.
    assert response["X-Frame-Options"] == "DENY"
    assert csp(response)["frame-ancestors"] == "'none'"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"territoire": "commune:99999", "creer": "1"}, "Territoire inconnu"),
        ({"territoire": "region:32", "creer": "1"}, "Territoire inconnu"),
        ({"creer": "1"}, "Choisissez d'abord un territoire"),
        ({"q": "zzzzzz", "chercher": "1"}, "Aucun territoire ne porte ce nom"),
        ({"territoire": "commune:59350", "palette": "fluo", "creer": "1"}, "Palette inconnue"),
        ({"territoire": "commune:59350", "scenario": "7", "creer": "1"}, "Situation inconnue"),
        ({"territoire": "commune:59350", "canal": "pigeon", "creer": "1"}, "Moyen de contact inconnu"),
        ({"territoire": "commune:59350", "cle": "abc", "creer": "1"}, "Clé partenaire mal formée"),
    ],
)
def test_builder_explains_bad_input_in_french(client, world, params, message):
    response = client.get(BUILDER, params)
    assert response.status_code == 200
    assert message in text(response)


def test_builder_keeps_a_valid_key_in_the_snippet(client, world):
    _key, raw = make_key()
    response = client.get(BUILDER, {"territoire": "epci:200041960", "cle": raw, "creer": "1"})
    assert response.context["built"]["path"] == f"{WIDGET}?epci=200041960&cle={raw}"


# --- the widget: same search, compact page ----------------------------------------------------


def test_widget_for_a_commune_lists_the_venues_serving_it(client, world):
    response = client.get(WIDGET, {"commune": "59350"})
    assert response.status_code == 200
    assert names(response) == {"Centre social Lille Sud", "Médiathèque de Villeneuve", "Ligne départementale du Nord"}
    assert "Aide au numérique : Lille" in response.content.decode()


def test_widget_for_an_epci_lists_its_venues(client, world):
    response = client.get(WIDGET, {"epci": "200041960"})
    assert names(response) == {"Espace numérique de Cysoing"}
    assert "CC Pévèle-Carembault" in response.content.decode()


def test_widget_for_a_departement_lists_its_venues(client, world):
    response = client.get(WIDGET, {"departement": "62"})
    assert names(response) == {"Médiathèque Saint-Vaast"}


def test_widget_lists_what_the_directory_lists(client, world):
    """Not a second search engine: the widget's venues are /lieux/'s for the same query."""
    for query in ({"commune": "59350", "scenario": "2"}, {"departement": "59", "canal": "sms"}):
        widget = client.get(WIDGET, query)
        listing = client.get(reverse("directory:venue_list"), query)
        assert names(widget) == names(listing), query


def test_widget_respects_the_scenario(client, world):
    # Scenario 1 (nothing): only what works without phone or internet — the drop-in.
    response = client.get(WIDGET, {"commune": "59350", "scenario": "1"})
    assert names(response) == {"Centre social Lille Sud"}
    html = response.content.decode()
    assert "tel:" not in html  # the phone channel is not offered in scenario 1
    assert 'name="scenario" value="1" checked' in html


def test_widget_respects_the_kinds(client, world):
    response = client.get(WIDGET, {"commune": "59350", "canal": "sms"})
    assert names(response) == {"Médiathèque de Villeneuve"}
    # The kinds ride along in the form, so a resident's own search keeps them.
    assert '<input type="hidden" name="canal" value="sms">' in response.content.decode()


def test_widget_search_box_reads_places_within_an_epci(client, world):
    response = client.get(WIDGET, {"epci": "200093201", "q": "Villeneuve-d'Ascq"})
    assert "Médiathèque de Villeneuve" in names(response)
    assert "Espace numérique de Cysoing" not in names(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "Territoire manquant"),
        ({"commune": "59350", "epci": "200093201"}, "Territoire manquant"),
        ({"commune": "99999"}, "Territoire inconnu : 99999"),
        ({"epci": "123456789"}, "Territoire inconnu : 123456789"),
        ({"departement": "ZZ"}, "Territoire inconnu : ZZ"),
    ],
)
def test_widget_without_a_valid_territory_says_so(client, world, query, message):
    response = client.get(WIDGET, query)
    assert response.status_code == 400
    assert message in text(response)
    assert not response.cookies


def test_widget_explains_bad_criteria_and_uses_the_default_palette(client, world):
    response = client.get(WIDGET, {"commune": "59350", "scenario": "9", "palette": "fluo"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Situation inconnue" in html
    assert "Palette inconnue" in html
    assert 'class="palette-bleu"' in html


def test_widget_links_open_the_full_site_in_a_new_tab(client, world):
    html = client.get(WIDGET, {"epci": "200041960"}).content.decode()
    venue = world.venues["cysoing"]
    # « Retour à l'annuaire » on the full site then lists the same territory.
    assert f'<a href="/lieux/{venue.slug}/?retour=epci%3D200041960" target="_blank" rel="noopener">' in html
    # A website channel leaves the frame too.
    assert re.search(r'href="https://www\.exemple\.fr/" rel="noopener noreferrer" target="_blank"', html)
    assert "<script" not in html
    assert "/envoyer/" not in html  # the compact card has no « Envoyer ou imprimer »


def test_widget_venue_links_do_not_carry_the_key(client, world):
    _key, raw = make_key()
    html = client.get(WIDGET, {"commune": "59350", "cle": raw}).content.decode()
    for href in re.findall(r'href="(/lieux/[^"]*)"', html):
        assert "cle=" not in href and "palette" not in href


# --- headers: framed here only, no cookie ------------------------------------------------------


def test_only_the_widget_may_be_framed(client, world):
    response = client.get(WIDGET, {"commune": "59350"})
    assert "X-Frame-Options" not in response
    policy = csp(response)
    assert policy["frame-ancestors"] == "*"
    # Its inlined stylesheet is allowed by its hash, and nothing else inline.
    css, digest = embed.widget_stylesheet("bleu")
    assert policy["style-src"] == f"'self' {digest}"
    assert f"<style>{css}</style>" in response.content.decode()
    assert policy["script-src"] == "'self'"
    for url in [reverse("directory:home"), reverse("directory:venue_list"), BUILDER, reverse("directory:legal")]:
        other = client.get(url)
        assert other["X-Frame-Options"] == "DENY", url
        assert csp(other)["frame-ancestors"] == "'none'", url


def test_widget_sets_no_cookie_even_for_a_signed_in_visitor(client, world):
    response = client.get(WIDGET, {"commune": "59350"})
    assert "Set-Cookie" not in response.serialize_headers().decode()
    assert not response.cookies
    client.force_login(UserFactory())
    client.cookies["django_language"] = "en"
    signed_in = client.get(WIDGET, {"commune": "59350"})
    assert not signed_in.cookies
    assert "Set-Cookie" not in signed_in.serialize_headers().decode()


def test_widget_first_view_weighs_under_30_kb_gzipped(client, hauts_de_france):
    """Ten venues with several channels each, a closure message: the HTML with its inlined CSS."""
    for number in range(14):
        venue = VenueFactory(name=f"Centre social numéro {number} de Lille", commune=hauts_de_france.lille)
        ChannelFactory(venue=venue, value=f"+333530101{number:02d}")
        ChannelFactory(venue=venue, sms=True)
        ChannelFactory(venue=venue, in_person=True)
        ChannelFactory(venue=venue, website=True)
        ChannelFactory(venue=venue, email=True)
    response = client.get(WIDGET, {"commune": "59350"})
    body = response.content
    assert len(re.findall(rb'class="venue-name"', body)) == 10
    assert b"<link" not in body  # every byte of the first view is in this response
    assert len(gzip.compress(body)) <= 30 * 1024
    # Even uncompressed (about 18 KB, 3 KB gzipped when written).
    assert len(body) <= 30 * 1024


def test_widget_query_count(client, world, django_assert_num_queries):
    """The territory (its look-up by the filter, which the widget names) + ids (read on to the
    count's cap) + rows; with a key, + the key and its counter: 5."""
    for number in range(12):  # more than a page: the capped total comes with the ids
        ChannelFactory(venue=VenueFactory(name=f"Lieu {number:02d}", commune=world.lille), value="+33353010030")
    with django_assert_num_queries(3):
        client.get(WIDGET, {"commune": "59350", "scenario": "2"})
    with django_assert_num_queries(3):
        client.get(WIDGET, {"epci": "200093201", "canal": "phone"})
    _key, raw = make_key()
    with django_assert_num_queries(5):
        response = client.get(WIDGET, {"commune": "59350", "cle": raw})
    assert response.status_code == 200


def test_widget_page_cache_still_counts_key_uses(client, world, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    key, raw = make_key()
    first = client.get(WIDGET, {"commune": "59350", "cle": raw})
    second = client.get(WIDGET, {"commune": "59350", "cle": raw})
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "X-Frame-Options" not in second
    assert PartnerKeyUsage.objects.get(key=key).widget_views == 2


# --- partner keys ------------------------------------------------------------------------------


def test_a_key_is_stored_hashed_and_read_once():
    key, raw = make_key()
    assert raw.startswith("gll_") and len(raw) >= 36
    stored = PartnerKey.objects.values_list("key_hash", "visible_prefix").get(pk=key.pk)
    assert raw not in stored
    assert stored == (hash_key(raw), raw[:10])
    assert PartnerKey.objects.matching(raw).get() == key


def test_widget_with_a_key_from_its_site(client, world):
    key, raw = make_key()
    response = client.get(WIDGET, {"commune": "59350", "cle": raw}, HTTP_REFERER="https://www.mairie-cysoing.fr/aide")
    assert response.status_code == 200
    assert csp(response)["frame-ancestors"] == "'self' www.mairie-cysoing.fr"
    # Its own pages (next page, the resident's search) come from our site.
    client.get(WIDGET, {"commune": "59350", "cle": raw, "page": "1"}, HTTP_REFERER="http://testserver/widget/")
    usage = PartnerKeyUsage.objects.get(key=key)
    assert (usage.widget_views, usage.api_requests) == (2, 0)


@pytest.mark.parametrize(
    ("change", "referer", "status", "message"),
    [
        ({}, "https://pirate.exemple.com/", 403, "n'est pas autorisée sur le site pirate.exemple.com"),
        ({"is_active": False}, "", 403, "a été désactivée"),
        ({"widget_daily_quota": 0}, "", 429, "Quota journalier de cette clé atteint (0)"),
    ],
)
def test_widget_refuses_a_key_with_a_french_page(client, world, change, referer, status, message):
    key, raw = make_key(**change)
    headers = {"HTTP_REFERER": referer} if referer else {}
    response = client.get(WIDGET, {"commune": "59350", "cle": raw}, **headers)
    assert response.status_code == status
    assert message in text(response)
    assert csp(response)["frame-ancestors"] == "*"  # the partner sees why in its own page
    assert not response.cookies
    if status == 429:
        assert int(response["Retry-After"]) > 0


def test_widget_refuses_an_unknown_key(client, world):
    response = client.get(WIDGET, {"commune": "59350", "cle": "gll_" + "x" * 32})
    assert response.status_code == 403
    assert "Clé partenaire inconnue" in response.content.decode()
    response = client.get(WIDGET, {"commune": "59350", "cle": "n'importe quoi"})
    assert response.status_code == 403
    assert not PartnerKeyUsage.objects.exists()


def test_wildcard_hosts_match_subdomains_only():
    assert partners.host_matches("www.exemple.org", "*.exemple.org")
    assert not partners.host_matches("exemple.org", "*.exemple.org")
    assert not partners.host_matches("exemple.org.pirate.fr", "*.exemple.org")
    assert partners.host_matches("www.exemple.org:443", "www.exemple.org")
    assert not partners.host_matches("www.exemple.org:8080", "www.exemple.org:8443")


def test_quota_counts_one_row_per_key_and_day(client, world):
    key, raw = make_key(widget_daily_quota=2)
    statuses = [client.get(WIDGET, {"commune": "59350", "cle": raw}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert PartnerKeyUsage.objects.filter(key=key).count() == 1
    assert PartnerKeyUsage.objects.get(key=key).widget_views == 3


# --- the API with a key --------------------------------------------------------------------------

API = reverse("api:venue-list")


def test_api_key_replaces_the_anonymous_limit(client, world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/minute"}}
    assert client.get(API).status_code == 200
    assert client.get(API).status_code == 429  # anonymous: today's limit
    key, raw = make_key(api_daily_quota=3)
    statuses = [client.get(API, HTTP_X_API_KEY=raw).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    usage = PartnerKeyUsage.objects.get(key=key)
    assert (usage.api_requests, usage.widget_views) == (4, 0)
    over = client.get(API, HTTP_X_API_KEY=raw)
    assert "Quota journalier de cette clé atteint (3)" in over.json()["detail"]
    assert int(over["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("raw", "headers", "message"),
    [
        ("gll_" + "y" * 32, {}, "Clé partenaire inconnue"),
        (None, {"HTTP_ORIGIN": "https://pirate.exemple.com"}, "n'est pas autorisée sur le site pirate.exemple.com"),
    ],
)
def test_api_refuses_a_bad_key_in_french(client, world, raw, headers, message):
    _key, valid = make_key()
    response = client.get(API, HTTP_X_API_KEY=raw or valid, **headers)
    assert response.status_code == 403
    assert message in response.json()["detail"]


def test_api_key_from_an_allowed_origin(client, world):
    key, raw = make_key()
    response = client.get(API, HTTP_X_API_KEY=raw, HTTP_ORIGIN="https://www.mairie-cysoing.fr")
    assert response.status_code == 200
    assert PartnerKeyUsage.objects.get(key=key).api_requests == 1


def test_cors_preflight_allows_the_key_header(client, world):
    response = client.options(
        API,
        HTTP_ORIGIN="https://www.mairie-cysoing.fr",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key",
    )
    assert "x-api-key" in response["Access-Control-Allow-Headers"]


# --- who issues keys (the full matrix: tests/test_permissions_matrix.py) ------------------------


def _admin_form(client, data):
    base = {
        "name": "CAF du Nord",
        "contact_name": "",
        "contact_email": "caf@exemple.fr",
        "allowed_hosts": "https://www.caf-nord.fr/aide\n*.caf.fr",
        "api_daily_quota": "5000",
        "widget_daily_quota": "8000",
        "is_active": "on",
    }
    return client.post(reverse("admin:directory_partnerkey_add"), {**base, **data})


def test_departement_staff_issue_a_key_shown_once(client, hauts_de_france):
    staff = UserFactory(username="agent_nord")
    DepartementStaffFactory(user=staff, departement=hauts_de_france.nord)
    client.force_login(staff)
    response = _admin_form(client, {"departement": "59"})
    assert response.status_code == 200
    raw = response.context["raw_key"]
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    key = PartnerKey.objects.get()
    assert (key.departement_id, key.created_by, key.allowed_hosts) == ("59", staff, ["www.caf-nord.fr", "*.caf.fr"])
    assert key.key_hash == hash_key(raw)
    page = client.get(reverse("admin:directory_partnerkey_change", args=[key.pk])).content.decode()
    assert raw not in page and key.visible_prefix in page


def test_staff_cannot_issue_a_key_for_another_departement(client, hauts_de_france):
    staff = UserFactory(username="agent_nord")
    DepartementStaffFactory(user=staff, departement=hauts_de_france.nord)
    client.force_login(staff)
    response = _admin_form(client, {"departement": "62"})
    assert response.status_code == 200
    assert "raw_key" not in response.context
    assert not PartnerKey.objects.exists()
    assert _admin_form(client, {"departement": ""}).status_code == 200
    assert not PartnerKey.objects.exists()


def test_bad_hosts_are_refused_in_french(client, hauts_de_france):
    client.force_login(UserFactory(is_superuser=True))
    response = _admin_form(client, {"allowed_hosts": "pas un site !\nwww.ok.fr"})
    assert "Nom de domaine invalide : pas un site !" in text(response)
    response = _admin_form(client, {"allowed_hosts": ""})
    assert not PartnerKey.objects.exists()


def test_mediators_do_not_see_partner_keys(client, hauts_de_france):
    mediator = UserFactory(username="mediatrice")
    MembershipFactory(user=mediator, structure=StructureFactory(departement=hauts_de_france.nord))
    make_key(departement=hauts_de_france.nord)
    client.force_login(mediator)
    assert client.get(reverse("admin:directory_partnerkey_changelist")).status_code == 403
    assert client.get(reverse("admin:directory_partnerkey_add")).status_code == 403


def test_key_list_shows_todays_usage(client, world):
    key, raw = make_key(departement=world.nord)
    client.get(WIDGET, {"commune": "59350", "cle": raw})
    admin = Client()
    admin.force_login(UserFactory(is_superuser=True))
    html = admin.get(reverse("admin:directory_partnerkey_changelist")).content.decode()
    assert "1 / 20000" in html
