"""Suggestions from the public and their moderation: « Proposer un lieu », « Proposer une
modification » (rate limit, honeypot), the queue of the venue's mediators (changes) and of the
département staff (new venues), accept through the write path (history names the proposer),
edit-then-accept, refuse; who may see and act on which queue."""

import pytest
from django.urls import reverse

from directory import enums
from directory.cache import data_version
from directory.models import Suggestion, Venue
from tests.admin_world import build_world, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def change_url(venue):
    return reverse("directory:venue_suggest", args=[venue.slug])


def propose_change(client, venue, **data):
    return client.post(change_url(venue), {"comment": "Nouveau numéro", "phone": "03 53 01 44 44", **data})


def propose_venue(client, **data):
    payload = {
        "name": "Espace numérique de Fives",
        "address": "12 rue Pierre Legrand",
        "postal_code": "59000",
        "commune_name": "Lille",
        "comment": "Ateliers le mardi",
        "contact": "camille@example.org",
        **data,
    }
    return client.post(reverse("directory:suggest_venue"), payload)


def test_the_venue_page_offers_both_links(client, world):
    venue = world.objects["a"].venue
    html = client.get(venue.get_absolute_url()).content.decode()
    assert change_url(venue) in html and reverse("directory:venue_report", args=[venue.slug]) in html
    assert reverse("directory:suggest_venue") in client.get(reverse("directory:venue_list")).content.decode()


def test_a_change_is_stored_for_moderation_and_nothing_changes_yet(client, world):
    venue = world.objects["a"].venue
    version = data_version()
    response = propose_change(client, venue)
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.kind == enums.SuggestionKind.CHANGE and suggestion.phone == "+33353014444"
    assert not venue.channels.filter(value="+33353014444").exists()
    assert data_version() == version


def test_bad_input_is_refused_in_french(client, world):
    venue = world.objects["a"].venue
    response = propose_change(client, venue, comment="", phone="pas un numéro")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Dites-nous ce que vous proposez." in html and "numéro de téléphone" in html
    response = propose_venue(client, commune_name="Paris")
    assert response.status_code == 400
    assert not Suggestion.objects.exists()


def test_bots_and_floods_are_turned_away(client, world, settings):
    venue = world.objects["a"].venue
    assert propose_change(client, venue, homepage="http://spam.example").status_code == 302
    assert not Suggestion.objects.exists()
    settings.REPORT_RATE_LIMIT_PER_HOUR = 2
    assert propose_change(client, venue).status_code == 302
    assert propose_venue(client).status_code == 302
    assert propose_change(client, venue).status_code == 429
    assert Suggestion.objects.count() == 2


def test_accepting_a_change_writes_through_the_path_and_names_the_proposer(client, world):
    venue = world.objects["a"].venue
    propose_change(client, venue, contact="06 39 98 00 01", hours="le mardi")
    suggestion = Suggestion.objects.get()
    login(client, world, "mediator_a")
    page = client.get(reverse("directory:moderation", args=[suggestion.pk]))
    assert page.status_code == 200 and "03 53 01 44 44" in page.content.decode()
    version = data_version()
    response = client.post(
        reverse("directory:moderation", args=[suggestion.pk]),
        {
            "accept": "1",
            "name": venue.name,
            "address": venue.address,
            "postal_code": venue.postal_code,
            "opening_hours": "Tu 14:00-17:00",  # edited from « le mardi » before accepting
            "phone": "03 53 01 44 44",
        },
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.opening_hours == "Tu 14:00-17:00"
    assert venue.channels.filter(kind="phone", value="+33353014444").exists()
    assert data_version() != version
    record = venue.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == world.users["mediator_a"]
    assert "06 39 98 00 01" in record.history_change_reason
    suggestion.refresh_from_db()
    assert suggestion.status == enums.SuggestionStatus.ACCEPTED and suggestion.decided_by == world.users["mediator_a"]


def test_accepting_a_new_venue_creates_it(client, world):
    propose_venue(client)
    suggestion = Suggestion.objects.get()
    assert suggestion.departement_id == "59"
    login(client, world, "staff_59")
    response = client.post(
        reverse("directory:moderation", args=[suggestion.pk]),
        {
            "accept": "1",
            "name": "Espace numérique de Fives",
            "address": "12 rue Pierre Legrand",
            "postal_code": "59000",
        },
    )
    assert response.status_code == 302
    venue = Venue.objects.get(name="Espace numérique de Fives")
    assert venue.commune == world.hdf.lille
    assert venue.history.first().history_user == world.users["staff_59"]
    assert "camille@example.org" in venue.history.first().history_change_reason


def test_refusing_changes_nothing(client, world):
    venue = world.objects["a"].venue
    propose_change(client, venue)
    suggestion = Suggestion.objects.get()
    login(client, world, "manager_a")
    assert client.post(reverse("directory:moderation", args=[suggestion.pk]), {"refuse": "1"}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == enums.SuggestionStatus.REFUSED
    assert not venue.channels.filter(value="+33353014444").exists()
    # A decided suggestion cannot be accepted afterwards.
    client.post(reverse("directory:moderation", args=[suggestion.pk]), {"accept": "1", "phone": "03 53 01 44 44"})
    assert not venue.channels.filter(value="+33353014444").exists()


# Who sees which queue and may act on it: a change to a Lille venue (structure A), a new venue in
# the Nord (59), a new venue in the Pas-de-Calais (62).
MATRIX = {
    #              change_a, new_59, new_62
    "anonymous": (False, False, False),
    "mediator_a": (True, False, False),
    "manager_a": (True, False, False),
    "mediator_b": (False, False, False),  # Pévèle: neither sees nor acts on Lille's queue
    "staff_59": (False, True, False),
    "staff_62": (False, False, True),
    "superuser": (True, True, True),
}


@pytest.mark.parametrize("role", MATRIX)
def test_moderation_authorisation_matrix(client, world, role):
    propose_change(client, world.objects["a"].venue)
    propose_venue(client)
    propose_venue(client, name="Médiathèque d'Arras bis", postal_code="62000", commune_name="Arras")
    change_a = Suggestion.objects.get(kind=enums.SuggestionKind.CHANGE)
    new_59 = Suggestion.objects.get(departement_id="59")
    new_62 = Suggestion.objects.get(departement_id="62")
    login(client, world, role)
    queue = client.get(reverse("directory:moderation_queue"))
    if role == "anonymous":
        assert queue.status_code == 302
    for suggestion, allowed in zip((change_a, new_59, new_62), MATRIX[role], strict=True):
        url = reverse("directory:moderation", args=[suggestion.pk])
        if role != "anonymous":
            listed = url in queue.content.decode()
            assert listed is allowed, (role, suggestion)
        expected = 200 if allowed else (302 if role == "anonymous" else 404)
        assert client.get(url).status_code == expected
        response = client.post(url, {"refuse": "1"})
        suggestion.refresh_from_db()
        assert (suggestion.status == enums.SuggestionStatus.REFUSED) is allowed
        assert response.status_code == (302 if allowed or role == "anonymous" else 404)
