"""Rate limits (issue 17, findings 2, 4 and 5): counters no visitor can evict, atomic under
concurrent requests, keyed by the real client behind trusted proxies; a page cache whose keys
come from known parameters only."""

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse

from directory import enums, ratelimit
from directory.models import Report, SmsExchange
from directory.sms.service import respond
from tests.factories import UserFactory, VenueFactory

GOOD = {"topic": enums.ReportTopic.HOURS, "comment": "Fermé le mardi matin désormais.", "contact": ""}
LIST = "/lieux/"
API = "/api/v1/lieux/"


def report_url(venue):
    return reverse("directory:venue_report", kwargs={"slug": venue.slug})


# --- 2: counters survive anything the page cache does --------------------------------------


@pytest.mark.django_db
def test_report_limit_survives_a_cache_emptied_by_visitors(client, hauts_de_france, settings):
    settings.REPORT_RATE_LIMIT_PER_HOUR = 2
    venue = VenueFactory(commune=hauts_de_france.lille)
    for _ in range(2):
        assert client.post(report_url(venue), GOOD).status_code == 302
    cache.clear()  # what ~5,000 distinct anonymous pages did to the file cache (culling)
    assert client.post(report_url(venue), GOOD).status_code == 429
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_api_limit_survives_a_cache_emptied_by_visitors(client, hauts_de_france, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/minute"}}
    assert client.get(API).status_code == 200
    assert client.get(API).status_code == 200
    cache.clear()
    refused = client.get(API)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60


@pytest.mark.django_db
def test_sms_limit_survives_a_cache_emptied_by_visitors(hauts_de_france, settings):
    settings.SMS_RATE_LIMIT_PER_HOUR = 1
    respond("+33639981111", "AIDE", "generic")
    cache.clear()
    assert "Trop de demandes" in respond("+33639981111", "AIDE", "generic")


@pytest.mark.django_db
def test_a_window_ends_and_counting_starts_again(db):
    assert ratelimit.hit("test", "a", 3600).count == 1
    assert ratelimit.hit("test", "a", 3600).count == 2
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_ratecounter SET expires_at = clock_timestamp() - interval '1 second'")
    again = ratelimit.hit("test", "a", 3600)
    assert again.count == 1 and 3590 < again.seconds_left <= 3600
    assert ratelimit.purge_expired() == 0
    with connection.cursor() as cursor:
        cursor.execute("UPDATE directory_ratecounter SET expires_at = clock_timestamp() - interval '1 second'")
    assert ratelimit.purge_expired() == 1


@pytest.fixture
def page_cache(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60


@pytest.mark.django_db
def test_pages_with_unknown_parameters_are_not_cached(client, hauts_de_france, page_cache):
    VenueFactory(commune=hauts_de_france.lille)
    first = client.get(LIST, {"utm_source": "x1"})
    assert first.status_code == 200 and "X-Page-Cache" not in first
    assert "X-Page-Cache" not in client.get(LIST, {"utm_source": "x1"})
    assert "X-Page-Cache" not in client.get(LIST, {"page": "abc"})
    assert "X-Page-Cache" not in client.get(LIST, {"q": "x" * 400})


@pytest.mark.django_db
def test_page_cache_keys_are_normalised(client, hauts_de_france, page_cache):
    VenueFactory(commune=hauts_de_france.lille)
    assert client.get(LIST, {"scenario": "2", "statut": "open"})["X-Page-Cache"] == "miss"
    # The same parameters in another order, or a padded page number: the same page.
    assert client.get(f"{LIST}?statut=open&scenario=2")["X-Page-Cache"] == "hit"
    assert client.get(LIST, {"page": "1"})["X-Page-Cache"] == "miss"
    assert client.get(LIST, {"page": "001"})["X-Page-Cache"] == "hit"
    venue = VenueFactory(commune=hauts_de_france.lille)
    assert client.get(venue.get_absolute_url(), {"scenario": "1"})["X-Page-Cache"] == "miss"
    assert "X-Page-Cache" not in client.get(venue.get_absolute_url(), {"q": "lille"})


# --- 4: atomic under concurrency (threads, real database) ----------------------------------


def in_threads(count, work):
    """Run ``work(i)`` in ``count`` threads started together; their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_simultaneous_reports_from_one_client_store_exactly_the_limit(hauts_de_france, settings):
    settings.REPORT_RATE_LIMIT_PER_HOUR = 5
    venue = VenueFactory(commune=hauts_de_france.lille)
    statuses = in_threads(24, lambda i: Client().post(report_url(venue), GOOD).status_code)
    assert sorted(statuses).count(302) == 5
    assert statuses.count(429) == 19
    assert Report.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_simultaneous_api_requests_get_exactly_the_limit(hauts_de_france, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "30/minute"}}
    client_statuses = in_threads(16, lambda i: [Client().get(API).status_code for _ in range(4)])
    statuses = [s for batch in client_statuses for s in batch]
    assert statuses.count(200) == 30
    assert statuses.count(429) == 34


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sms_from_one_sender_get_exactly_the_limit(hauts_de_france, settings):
    settings.SMS_RATE_LIMIT_PER_HOUR = 4
    replies = in_threads(16, lambda i: respond("+33639981111", "AIDE", "generic"))
    assert sum("code postal" in r for r in replies) == 4
    assert sum("Trop de demandes" in r for r in replies) == 1  # told once, then silence
    assert SmsExchange.objects.filter(rate_limited=False).count() == 4


# --- 5: the client's address behind trusted proxies ----------------------------------------


def forwarded(client_address, proxy="10.0.0.2"):
    return {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": client_address}


@pytest.mark.parametrize(
    ("count", "meta", "expected"),
    [
        (0, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, "192.0.2.1"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, "198.51.100.7"),
        # The client wrote a first entry itself: only the one our proxy appended counts.
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7"}, "198.51.100.7"),
        (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.7, 10.0.0.1"}, "198.51.100.7"),
        # Not through every proxy, or garbage: the connection's address.
        (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "<script>"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "2001:db8::1"}, "2001:db8::1"),
    ],
)
def test_client_ip_reads_through_trusted_proxies_only(rf, settings, count, meta, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert ratelimit.client_ip(rf.get("/", **meta)) == expected


def test_ipv6_clients_are_counted_per_64(rf):
    one = ratelimit.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:2::1"))
    same_line = ratelimit.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"))
    other = ratelimit.client_key(rf.get("/", REMOTE_ADDR="2001:db8:1:3::1"))
    assert one == same_line != other


@pytest.mark.django_db
def test_behind_the_proxy_each_client_has_its_own_report_limit(client, hauts_de_france, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REPORT_RATE_LIMIT_PER_HOUR = 2
    venue = VenueFactory(commune=hauts_de_france.lille)
    for _ in range(2):
        assert client.post(report_url(venue), GOOD, **forwarded("198.51.100.7")).status_code == 302
    assert client.post(report_url(venue), GOOD, **forwarded("198.51.100.7")).status_code == 429
    # A forged first entry does not buy a new slot.
    assert client.post(report_url(venue), GOOD, **forwarded("1.2.3.4, 198.51.100.7")).status_code == 429
    assert client.post(report_url(venue), GOOD, **forwarded("198.51.100.8")).status_code == 302


@pytest.mark.django_db
def test_behind_the_proxy_each_client_has_its_own_api_limit(client, hauts_de_france, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/minute"}}
    assert client.get(API, **forwarded("198.51.100.7")).status_code == 200
    assert client.get(API, **forwarded("198.51.100.7")).status_code == 429
    assert client.get(API, **forwarded("198.51.100.8")).status_code == 200


@pytest.mark.django_db
def test_behind_the_proxy_failed_logins_lock_out_the_attacker_only(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="agent", password="mot-de-passe-solide", is_staff=True)
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "agent", "password": "mauvais"}, **forwarded("198.51.100.66"))
    locked = client.post(url, {"username": "agent", "password": "mot-de-passe-solide"}, **forwarded("198.51.100.66"))
    assert locked.status_code == 429
    # The real user, another client behind the same load balancer, still signs in.
    response = Client().post(url, {"username": "agent", "password": "mot-de-passe-solide"}, **forwarded("198.51.100.7"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_nightly_maintenance_deletes_ended_windows(db):
    from django.core.management import call_command

    from directory.models import RateCounter

    ratelimit.hit("test", "ended", 3600)
    ratelimit.hit("test", "current", 3600)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE directory_ratecounter SET expires_at = now() - interval '1 hour' WHERE key = 'test:ended'"
        )
    call_command("maintain_directory")
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["test:current"]
