"""The public read-only API: representation, filters shared with the HTML directory,
pagination, conditional GET, CORS, rate limit, OpenAPI schema and its documentation page."""

import datetime
import re

import pytest
from django.utils import timezone

from directory import enums
from directory.models import Venue
from tests.factories import ChannelFactory, ClosurePeriodFactory, StructureFactory, VenueFactory

LIST = "/api/v1/lieux/"


@pytest.fixture
def venues(hauts_de_france):
    t = hauts_de_france
    today = timezone.localdate()
    structure = StructureFactory(name="Centres sociaux de Lille")
    phone_only = VenueFactory(
        name="Centre social Arbrisseau",
        commune=t.lille,
        postal_code="59000",
        structure=structure,
        typologie=["CS"],
        services=["Aide aux démarches administratives"],
        latitude=50.61,
        longitude=3.05,
    )
    ChannelFactory(venue=phone_only)
    ChannelFactory(venue=phone_only, signage=True)
    connected = VenueFactory(
        name="Médiathèque de Cysoing",
        commune=t.cysoing,
        postal_code="59830",
        typologie=["BIB"],
        publics=["Seniors"],
        latitude=50.57,
        longitude=3.21,
    )
    ChannelFactory(venue=connected, website=True)
    ChannelFactory(venue=connected, whatsapp=True, label="Groupe entraide")
    closed = VenueFactory(
        name="Espace numérique Arras", commune=t.arras, postal_code="62000", latitude=None, longitude=None
    )
    ChannelFactory(venue=closed, sms=True)
    ClosurePeriodFactory(venue=closed, starts_on=today - datetime.timedelta(days=1), ends_on=None)
    gone = VenueFactory(name="Ancien EPN", commune=t.lille, postal_code="59000", closed_for_good=True)
    villeneuve = VenueFactory(
        name="Maison France Services Villeneuve",
        commune=t.villeneuve,
        postal_code="59650",
        service_area=enums.ServiceArea.COMMUNES,
        stale=True,
        latitude=50.62,
        longitude=3.14,
    )
    villeneuve.service_area_communes.set([t.villeneuve, t.lille])
    ChannelFactory(venue=villeneuve, email=True)
    return {"phone_only": phone_only, "connected": connected, "closed": closed, "gone": gone, "villeneuve": villeneuve}


def slugs(response):
    return [v["slug"] for v in response.json()["results"]]


def test_list_gives_venues_with_channels_and_status(client, venues):
    response = client.get(LIST)

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 4  # closed for good: hidden unless asked for
    by_slug = {v["slug"]: v for v in data["results"]}
    closed = by_slug[venues["closed"].slug]
    assert closed["status"]["code"] == "temporarily_closed"
    assert closed["status"]["closure"]["ends_on"] is None
    assert closed["channels"] == [
        {
            "kind": "sms",
            "kind_label": "SMS",
            "label": "",
            "value": "+33639980000",
            "display_value": "06 39 98 00 00",
            "href": "sms:+33639980000",
            "availability": "",
            "scenario": 2,
            "standard_field": "",
        }
    ]
    arbrisseau = by_slug[venues["phone_only"].slug]
    assert arbrisseau["commune"] == {"code": "59350", "name": "Lille", "departement": "59"}
    assert arbrisseau["structure"] == {"name": "Centres sociaux de Lille", "slug": venues["phone_only"].structure.slug}
    assert [c["kind"] for c in arbrisseau["channels"]] == ["signage", "phone"]  # least equipped first
    assert arbrisseau["channels"][0]["href"] is None
    # « now »: the one status function (hours.venue_status), as the pages word it.
    now = arbrisseau["status"].pop("now")
    assert now["etat"] in {"open", "closed", "unknown"} and now["texte"].startswith(("Ouvert", "Fermé", "Horaires"))
    assert arbrisseau["status"] == {
        "code": "open",
        "label": "Ouvert",
        "closure": None,
        "closed_permanently_on": None,
    }
    assert arbrisseau["typologie"] == ["CS"]
    assert arbrisseau["url"].endswith(f"/api/v1/lieux/{venues['phone_only'].slug}/")
    assert by_slug[venues["villeneuve"].slug]["stale"] is True
    assert by_slug[venues["villeneuve"].slug]["service_area"]["kind"] == "communes"


def test_detail_adds_service_area_communes_and_closures(client, venues):
    response = client.get(f"{LIST}{venues['villeneuve'].slug}/")
    assert response.status_code == 200
    data = response.json()
    assert sorted(c["code"] for c in data["service_area_communes"]) == ["59009", "59350"]
    assert data["closures"] == []
    closed = client.get(f"{LIST}{venues['closed'].slug}/").json()
    assert closed["closures"][0]["reason"] == "works"
    assert client.get(f"{LIST}nexiste-pas/").status_code == 404


def test_permanently_closed_venue_sheet_says_so(client, venues):
    data = client.get(f"{LIST}{venues['gone'].slug}/").json()
    assert data["status"]["code"] == "permanently_closed"
    assert data["status"]["closed_permanently_on"] == venues["gone"].closed_permanently_on.isoformat()


def test_scenario_filter_keeps_only_usable_channels(client, venues):
    # The closed venue's closure names no channel: by the one closure rule
    # (ClosurePeriod.keeps_working) only its drop-in stops, so its SMS still reaches scenario 2.
    response = client.get(LIST, {"scenario": 2})
    assert set(slugs(response)) == {venues["phone_only"].slug, venues["closed"].slug}
    for venue in response.json()["results"]:
        assert all(c["scenario"] <= 2 for c in venue["channels"])
    # A closure that names only its website keeps only that: out of scenario 2.
    website = ChannelFactory(venue=venues["closed"], website=True)
    venues["closed"].closures.get().open_channels.set([website])
    response = client.get(LIST, {"scenario": 2})
    assert set(slugs(response)) == {venues["phone_only"].slug}


def test_near_gives_distance(client, venues):
    results = client.get(LIST, {"near": "50.63,3.06"}).json()["results"]
    assert results[0]["slug"] == venues["phone_only"].slug
    assert results[0]["distance_km"] == pytest.approx(2.5, abs=0.5)
    assert client.get(LIST).json()["results"][0]["distance_km"] is None


@pytest.mark.parametrize(
    "params, field",
    [
        ({"scenario": "9"}, "scenario"),
        ({"commune": "99999"}, "commune"),
        ({"code_postal": "abc"}, "code_postal"),
        ({"near": "nord"}, "near"),
        ({"canal": "pigeon"}, "canal"),
        ({"statut": "peut-etre"}, "statut"),
        ({"typologie": "XYZ"}, "typologie"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_invalid_filter_is_a_400_with_french_messages(client, venues, params, field):
    response = client.get(LIST, params)
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert errors[field] and all(isinstance(m, str) and m for m in errors[field])


def test_unknown_page_is_a_404_and_page_size_is_bounded(client, venues):
    assert client.get(LIST, {"page": 99}).status_code == 404
    assert client.get(LIST, {"page": "abc"}).status_code == 404
    many = client.get(LIST, {"page_size": 1}).json()
    assert len(many["results"]) == 1
    assert "curseur=" in many["next"] and "page_size=1" in many["next"]
    for _ in range(3):
        VenueFactory()
    assert len(client.get(LIST, {"page_size": 1000}).json()["results"]) == 7


# --- the same filters as the HTML directory --------------------------------------------------

QUERIES = [
    {},
    {"q": "lile"},
    {"q": "mediatheque"},
    {"commune": "59350"},
    {"commune": "59009"},
    {"code_postal": "59000"},
    {"departement": "62"},
    {"epci": "200041960"},
    {"scenario": "1"},
    {"scenario": "2"},
    {"canal": ["whatsapp", "email"]},
    {"statut": "ferme"},
    {"statut": "ferme_definitivement"},
    {"statut": "temporarily_closed"},  # the status code, an alias of « ferme »
    {"typologie": "CS"},
    {"service": "Aide aux démarches administratives"},
    {"public": "Seniors"},
    {"near": "50.63,3.06"},
    {"q": "centre", "scenario": "2", "departement": "59"},
]


@pytest.mark.parametrize("params", QUERIES, ids=[str(q) for q in QUERIES])
def test_api_filters_equal_html_filters(client, venues, settings, params):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    html = client.get("/lieux/", params)
    assert html.status_code == 200
    html_slugs = [v.slug for v in html.context["venues"]]

    api = client.get(LIST, {**params, "page_size": settings.DIRECTORY_PAGE_SIZE})

    assert api.status_code == 200
    assert slugs(api) == html_slugs
    assert api.json()["count"] == html.context["paginator"].count


# --- query counts ------------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_results(client, hauts_de_france, django_assert_num_queries):
    venue = VenueFactory(commune=hauts_de_france.lille, postal_code="59000")
    ChannelFactory(venue=venue)
    # rate-limit counter (directory.ratelimit), count, page, channels, closures
    with django_assert_num_queries(5):
        assert client.get(LIST, {"scenario": 2}).json()["count"] == 1
    for n in range(49):
        other = VenueFactory(
            commune=hauts_de_france.cysoing, postal_code="59830", structure=None if n % 2 else venue.structure
        )
        ChannelFactory(venue=other)
        sms = ChannelFactory(venue=other, sms=True)
        # Closed, reachable by SMS meanwhile: still listed in scenario 2, with its closure.
        ClosurePeriodFactory(venue=other).open_channels.add(sms)
    with django_assert_num_queries(5):
        assert len(client.get(LIST, {"scenario": 2, "page_size": 50}).json()["results"]) == 50


def test_detail_query_count(client, venues, django_assert_num_queries):
    # rate-limit counter, venue, channels, closures, service area communes
    with django_assert_num_queries(5):
        assert client.get(f"{LIST}{venues['villeneuve'].slug}/").status_code == 200


# --- HTTP behaviour --------------------------------------------------------------------------


def test_conditional_get_answers_304(client, venues, data_clock):
    data_clock.next_second()  # Last-Modified is given once the second of the last write is over
    first = client.get(LIST)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert "max-age" in first["Cache-Control"]

    not_modified = client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get(LIST, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    # Validators never hide an error: an unknown venue or a bad filter is still a 404 / 400.
    assert client.get(f"{LIST}inconnu/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 404
    assert client.get(LIST, {"scenario": 9}, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 400
    # Another query string is another resource.
    assert client.get(LIST, {"scenario": 2}, HTTP_IF_NONE_MATCH=etag).status_code == 200

    ChannelFactory(venue=venues["connected"], sms=True)  # any write changes the tag
    assert client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200
    detail = client.get(f"{LIST}{venues['connected'].slug}/")
    assert client.get(f"{LIST}{venues['connected'].slug}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304


def test_cors_allows_any_origin_for_get(client, venues):
    response = client.get(LIST, HTTP_ORIGIN="https://carto.exemple.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(LIST, HTTP_ORIGIN="https://carto.exemple.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]


def test_api_is_read_only(client, venues):
    assert client.post(LIST, {"name": "x"}).status_code == 405
    assert client.delete(f"{LIST}{venues['connected'].slug}/").status_code == 405


def test_rate_limit_per_client(client, venues, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    for _ in range(3):
        assert client.get(LIST).status_code == 200
    refused = client.get(LIST)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "detail" in refused.json()
    # Another client (another address) is not affected.
    assert client.get(LIST, REMOTE_ADDR="192.0.2.44").status_code == 200


# --- OpenAPI schema and documentation ------------------------------------------------------


def test_schema_describes_every_parameter_and_response(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/lieux/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "commune", "code_postal", "departement", "epci", "scenario", "canal", "statut"} <= names
    assert {"typologie", "service", "public", "near", "page", "page_size"} <= names
    for parameter in operation["parameters"]:
        assert parameter.get("description"), parameter["name"]
    assert {"200", "304", "400", "404", "429"} <= set(operation["responses"])
    detail = schema["paths"]["/api/v1/lieux/{slug}/"]["get"]
    assert {"200", "304", "404"} <= set(detail["responses"])
    venue = schema["components"]["schemas"]["VenueDetail"]["properties"]
    for name in ("channels", "status", "service_area_communes", "closures"):
        assert venue[name].get("description") or venue[name].get("allOf"), name


def test_docs_page_is_self_hosted_and_csp_friendly(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<style" not in html
    assert 'style="' not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert len(sources) == 3
    assert all(s.startswith("/") for s in sources), sources  # same origin, no CDN
    script = client.get(sources[-1].replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]


# --- cursor pages ---------------------------------------------------------------------------


def _walk(client, url, params=None):
    names, pages = [], 0
    data = client.get(url, params or {}).json()
    while True:
        pages += 1
        names += [v["name"] for v in data["results"]]
        if not data["next"]:
            return names, pages
        data = client.get(data["next"]).json()


def test_the_whole_list_is_walked_with_a_cursor_in_french_order(client, hauts_de_france):
    for name in ("CORIF", "Centre social", "École", "Espace", "atelier", "Zèbre", "Centre social"):
        VenueFactory(name=name, commune=hauts_de_france.lille)
    first = client.get(LIST, {"page_size": 2}).json()
    assert first["count"] == 7 and "curseur=" in first["next"] and first["previous"] is None
    second = client.get(first["next"]).json()
    assert second["count"] is None  # the whole list is counted once, on the first page
    names, pages = _walk(client, LIST, {"page_size": 2})
    assert pages == 4
    assert names == ["atelier", "Centre social", "Centre social", "CORIF", "École", "Espace", "Zèbre"]


def test_a_cursor_survives_an_insertion_before_it(client, hauts_de_france):
    for n in range(4):
        VenueFactory(name=f"Lieu {n}", commune=hauts_de_france.lille)
    first = client.get(LIST, {"page_size": 2}).json()
    VenueFactory(name="Atelier ajouté", commune=hauts_de_france.lille)  # before the cursor
    second = client.get(first["next"]).json()
    assert [v["slug"] for v in second["results"]] == [
        v.slug for v in Venue.objects.filter(name__in=["Lieu 2", "Lieu 3"]).order_by("sort_name")
    ]


@pytest.mark.parametrize("cursor", ["abc", "", "W10", "WyJhIiwiYiJd", "WyJhIiwtMV0", "WyJhIiwxLDJd"])
def test_a_bad_cursor_is_a_400_with_a_french_message(client, venues, cursor):
    response = client.get(LIST, {"curseur": cursor})
    assert response.status_code == 400
    assert "Curseur invalide" in response.json()["curseur"][0]


def test_a_cursor_needs_the_default_order_and_no_page(client, venues):
    first = client.get(LIST, {"page_size": 1}).json()
    cursor = first["next"].split("curseur=")[1].split("&")[0]
    assert client.get(LIST, {"curseur": cursor, "q": "lille"}).status_code == 400
    assert client.get(LIST, {"curseur": cursor, "page": 2}).status_code == 400


def test_numbered_pages_stop_at_the_limit(client, hauts_de_france, settings):
    settings.DIRECTORY_MAX_PAGES = 2
    for n in range(5):
        VenueFactory(name=f"Médiathèque {n}", commune=hauts_de_france.lille)
    second = client.get(LIST, {"q": "mediatheque", "page_size": 2, "page": 2}).json()
    assert second["next"] is None and "page=" not in (second["previous"] or "page=")
    response = client.get(LIST, {"q": "mediatheque", "page_size": 2, "page": 3})
    assert response.status_code == 404 and "affinez la recherche" in response.json()["detail"]
