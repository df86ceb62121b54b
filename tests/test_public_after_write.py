"""After every write that changes what the public sees, the API and the public pages show it at
once: a conditional GET with the validators of the previous answer (``If-None-Match``,
``If-Modified-Since``) gets 200 and the new data, never 304 and the old; the page cache (keyed
on the data version) misses. Each write goes through ``directory.actions``.

The data version's clock is a test clock here (``data_clock``, tests/conftest.py): « the same
second » (a client read the API in the second of the last write, then someone writes again in
that second) is the case ``Last-Modified``, in whole seconds, cannot tell apart."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from directory import actions, duplicates, enums
from directory.duplicates import Features
from directory.models import Channel, ClosurePeriod, LikelyDuplicate, Suggestion, Venue
from tests.admin_world import build_world, login, scrape_form
from tests.factories import ChannelFactory, VenueFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache")]


@pytest.fixture
def page_cache():
    with override_settings(PUBLIC_PAGE_CACHE_SECONDS=60):
        yield


@pytest.fixture
def world(data_clock):
    world = build_world()
    # Confirmed 200 days ago: marked « non vérifiées » (180 days), still listed (365); no closure.
    long_ago = timezone.now() - datetime.timedelta(days=200)
    Venue.objects.update(verified_at=long_ago, date_maj=long_ago.date())
    ClosurePeriod.objects.all().delete()
    actions.bump_data_version()
    return world


def api_url(venue):
    return reverse("api:venue-detail", args=[venue.slug])


class Seen:
    """What an API client and an anonymous browser saw before a write: answers, validators, the
    venue's public page (stored in the page cache: the second read is a hit)."""

    def __init__(self, client, venue):
        self.client, self.venue = client, venue
        self.urls = [api_url(venue), reverse("api:venue-list")]
        self.answers = {url: client.get(url) for url in self.urls}
        for url, answer in self.answers.items():
            assert answer.status_code == 200, url
            assert venue.slug in answer.content.decode(), url
            assert client.get(url, HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304
        self.page_url = venue.get_absolute_url()
        assert client.get(self.page_url).status_code == 200
        assert client.get(self.page_url)["X-Page-Cache"] == "hit"

    def api(self, shows):
        """Every conditional GET with a validator the client was given answers 200, and the
        venue's representation there (detail, or its line of the list) ``shows`` the write."""
        for url, before in self.answers.items():
            headers = [("If-None-Match", before["ETag"])]
            if before.has_header("Last-Modified"):
                headers.append(("If-Modified-Since", before["Last-Modified"]))
            for header, value in headers:
                response = self.client.get(url, **{"HTTP_" + header.upper().replace("-", "_"): value})
                assert response.status_code == 200, f"{url}, {header}: {response.status_code} (the old data)"
                body = response.json()
                if "results" in body:
                    body = next((item for item in body["results"] if item["slug"] == self.venue.slug), None)
                assert shows(body), f"{url}, {header}: {body}"

    def page(self) -> str:
        """The venue's public page, which must not come from the cache of the old data."""
        response = self.client.get(self.page_url)
        assert response.status_code == 200
        assert response["X-Page-Cache"] == "miss", "the public page is the cached one, from before the write"
        return response.content.decode()


def as_anonymous(client, world, role, write):
    login(client, world, role)
    response = write()
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return response


def workspace_form(client, venue):
    response = client.get(reverse("directory:workspace_venue", args=[venue.pk]))
    assert response.status_code == 200
    return scrape_form(response.content.decode())


def workspace_post(client, venue, data):
    return client.post(reverse("directory:workspace_venue", args=[venue.pk]), data)


# --- « Confirmer » --------------------------------------------------------------------------

TIMINGS = ["same second", "a second later"]


def confirmed_today(body):
    return body["verified_at"][:10] == timezone.localdate().isoformat() and body["stale"] is False


@pytest.mark.parametrize("timing", TIMINGS)
def test_confirm_from_mon_lieu_shows_the_new_date_at_once(client, world, data_clock, timing):
    """The bug of issue 18: « Rien n'a changé, confirmer », then the API answered 304 to the
    client that had read it in the same second, with the old verification date."""
    venue = world.objects["a"].venue
    if timing == "a second later":
        data_clock.next_second()
    seen = Seen(client, venue)
    login(client, world, "mediator_a")
    data = workspace_form(client, venue)
    as_anonymous(client, world, "mediator_a", lambda: workspace_post(client, venue, {**data, "confirm_only": "1"}))
    seen.api(confirmed_today)
    assert "non vérifiées" not in seen.page()


@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("how", ["button", "bulk action"])
def test_confirm_from_the_admin_shows_the_new_date_at_once(client, world, data_clock, timing, how):
    venue = world.objects["a"].venue
    if timing == "a second later":
        data_clock.next_second()
    seen = Seen(client, venue)
    if how == "button":
        url, data = reverse("admin:directory_venue_confirm", args=[venue.pk]), {}
    else:
        url, data = (
            reverse("admin:directory_venue_changelist"),
            {"action": "confirm_selected", "_selected_action": [venue.pk]},
        )
    as_anonymous(client, world, "staff_59", lambda: client.post(url, data))
    seen.api(confirmed_today)
    assert "non vérifiées" not in seen.page()


def test_last_modified_is_given_once_its_second_is_over_and_still_validates(client, world, data_clock):
    venue = world.objects["a"].venue
    url = api_url(venue)
    fresh = client.get(url)
    assert not fresh.has_header("Last-Modified")  # written this very second: the ETag validates
    data_clock.next_second()
    settled = client.get(url)
    assert settled["ETag"] == fresh["ETag"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=settled["Last-Modified"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=settled["ETag"]).status_code == 304


# --- the other writes: closures, channels, signage, merge, moderation ------------------------


@pytest.fixture
def seen(client, world, data_clock):
    data_clock.next_second()
    return Seen(client, world.objects["a"].venue)


def test_a_closure_declared_in_mon_lieu_shows_at_once(client, world, seen):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    data = workspace_form(client, venue)
    data["closure-ends_on"] = [(timezone.localdate() + datetime.timedelta(days=10)).isoformat()]
    data["closure-public_message"] = ["Fermé pour travaux"]
    as_anonymous(client, world, "mediator_a", lambda: workspace_post(client, venue, data))
    seen.api(lambda body: body["status"]["code"] == enums.VenueStatus.TEMPORARILY_CLOSED)
    assert "Fermé pour travaux" in seen.page()


def test_a_closure_lifted_in_mon_lieu_shows_at_once(client, world, data_clock):
    venue = world.objects["a"].venue
    actions.declare_closure(venue, None, starts_on=timezone.localdate(), public_message="Fermé pour travaux")
    data_clock.next_second()
    seen = Seen(client, venue)
    login(client, world, "mediator_a")
    data = workspace_form(client, venue)
    data["closure-lift"] = ["1"]
    as_anonymous(client, world, "mediator_a", lambda: workspace_post(client, venue, data))
    seen.api(lambda body: body["status"]["code"] == enums.VenueStatus.OPEN)
    assert "Fermé pour travaux" not in seen.page()


def test_a_closure_from_the_admin_quick_form_shows_at_once(client, world, seen):
    venue = world.objects["a"].venue
    today = timezone.localdate()
    data = {
        "closure-starts_on": today.isoformat(),
        "closure-ends_on": (today + datetime.timedelta(days=3)).isoformat(),
        "closure-reason": enums.ClosureReason.WORKS,
        "closure-public_message": "Fermé pour travaux",
    }
    url = reverse("admin:directory_venue_quick_closure", args=[venue.pk])
    as_anonymous(client, world, "mediator_a", lambda: client.post(url, data))
    seen.api(lambda body: body["status"]["code"] == enums.VenueStatus.TEMPORARILY_CLOSED)
    assert "Fermé pour travaux" in seen.page()


def test_a_closure_deleted_in_the_admin_shows_at_once(client, world, data_clock):
    venue = world.objects["a"].venue
    closure = actions.declare_closure(venue, None, starts_on=timezone.localdate(), public_message="Fermé pour travaux")
    data_clock.next_second()
    seen = Seen(client, venue)
    url = reverse("admin:directory_closureperiod_delete", args=[closure.pk])
    as_anonymous(client, world, "mediator_a", lambda: client.post(url, {"post": "yes"}))
    assert not ClosurePeriod.objects.filter(pk=closure.pk).exists()
    seen.api(lambda body: body["status"]["code"] == enums.VenueStatus.OPEN)
    assert "Fermé pour travaux" not in seen.page()
    record = closure.history.order_by("-history_date", "-history_id").first()
    assert record.history_type == "-" and record.history_user == world.users["mediator_a"]


def channel_labels(body):
    return {c["label"] for c in body["channels"]}


def test_a_channel_edited_in_mon_lieu_shows_at_once(client, world, seen):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    data = workspace_form(client, venue)
    assert data["channels-0-id"] == [str(world.objects["a"].channel.pk)]
    data["channels-0-label"] = ["Accueil du matin"]
    as_anonymous(client, world, "mediator_a", lambda: workspace_post(client, venue, data))
    seen.api(lambda body: "Accueil du matin" in channel_labels(body))
    assert "Accueil du matin" in seen.page()


def test_a_channel_edited_on_the_admin_channel_page_shows_at_once(client, world, seen):
    channel = world.objects["a"].channel
    login(client, world, "mediator_a")
    url = reverse("admin:directory_channel_change", args=[channel.pk])
    data = scrape_form(client.get(url).content.decode(), "channel_form")
    data["label"] = ["Accueil du matin"]
    as_anonymous(client, world, "mediator_a", lambda: client.post(url, data))
    seen.api(lambda body: "Accueil du matin" in channel_labels(body))
    assert "Accueil du matin" in seen.page()
    assert channel.history.order_by("-history_date", "-history_id").first().history_user == world.users["mediator_a"]


def test_a_channel_edited_in_the_venue_form_inline_shows_at_once(client, world, seen):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    url = reverse("admin:directory_venue_change", args=[venue.pk])
    data = scrape_form(client.get(url).content.decode(), "venue_form")
    assert data["channels-0-id"] == [str(world.objects["a"].channel.pk)]
    data["channels-0-label"] = ["Accueil du matin"]
    as_anonymous(client, world, "mediator_a", lambda: client.post(url, data))
    seen.api(lambda body: "Accueil du matin" in channel_labels(body))
    assert "Accueil du matin" in seen.page()
    record = world.objects["a"].channel.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == world.users["mediator_a"] and record.label == "Accueil du matin"


def test_a_channel_deleted_in_the_admin_shows_at_once(client, world, data_clock):
    venue = world.objects["a"].venue
    kept = ChannelFactory(venue=venue, label="Accueil du soir")
    data_clock.next_second()
    seen = Seen(client, venue)
    channel = world.objects["a"].channel
    url = reverse("admin:directory_channel_delete", args=[channel.pk])
    as_anonymous(client, world, "mediator_a", lambda: client.post(url, {"post": "yes"}))
    seen.api(lambda body: [c["label"] for c in body["channels"]] == [kept.label])
    seen.page()
    assert channel.history.order_by("-history_date", "-history_id").first().history_type == "-"


def test_the_door_sign_published_from_the_poster_shows_at_once(client, world, seen):
    venue = world.objects["a"].venue
    as_anonymous(client, world, "mediator_a", lambda: client.post(reverse("directory:venue_poster", args=[venue.slug])))
    signage = Channel.objects.get(venue=venue, kind=enums.ChannelKind.SIGNAGE)
    seen.api(lambda body: enums.ChannelKind.SIGNAGE in {c["kind"] for c in body["channels"]})
    assert signage.history.first().history_user == world.users["mediator_a"]
    seen.page()


def test_an_accepted_suggestion_shows_at_once(client, world, seen):
    venue = world.objects["a"].venue
    suggestion = Suggestion.objects.create(venue=venue, kind=enums.SuggestionKind.CHANGE, comment="Nouveau nom")
    data = {"accept": "1", "name": "Centre social Lazare Garreau (Fives)", "postal_code": venue.postal_code}
    url = reverse("directory:moderation", args=[suggestion.pk])
    as_anonymous(client, world, "mediator_a", lambda: client.post(url, {**data, "address": venue.address}))
    seen.api(lambda body: body["name"] == data["name"])
    assert data["name"] in seen.page()


def test_a_merge_shows_at_once_on_the_survivor(client, world, data_clock):
    survivor = world.objects["a"].venue
    absorbed = VenueFactory(name=survivor.name.upper(), commune=survivor.commune, postal_code=survivor.postal_code)
    ChannelFactory(venue=absorbed, value="+33353010099", label="Ligne de l'absorbé")
    pair = LikelyDuplicate.objects.create(
        **duplicates.pair_values(
            survivor.pk,
            absorbed.pk,
            Features.of(*duplicates.venue_facts([survivor.pk, absorbed.pk]).values()),
            enums.DuplicateOrigin.SCAN,
        )
    )
    data_clock.next_second()
    seen = Seen(client, survivor)
    data = {"merge": "1", "survivor": str(survivor.pk)}
    for venue in (survivor, absorbed):
        data[f"version_{venue.pk}"] = str(Venue.objects.get(pk=venue.pk).version)
    url = reverse("admin:directory_likelyduplicate_review", args=[pair.pk])
    as_anonymous(client, world, "staff_59", lambda: client.post(url, data))
    seen.api(lambda body: "Ligne de l'absorbé" in channel_labels(body))
    assert "Ligne de l" in seen.page()
    assert client.get(absorbed.get_absolute_url()).status_code == 301
