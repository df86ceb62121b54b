"""No lost updates: two people edit the same venue; the second save is refused, with who
changed it, when and what, and nothing of the second form (fields or inline rows) is stored."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from directory.models import Venue
from directory.models.common import VersionConflict
from tests.admin_world import build_world, scrape_form

pytestmark = pytest.mark.django_db


def open_form(world, role, venue):
    client = Client()
    client.force_login(world.users[role])
    page = client.get(reverse("admin:directory_venue_change", args=[venue.pk]))
    assert page.status_code == 200
    return client, scrape_form(page.content.decode(), "venue_form")


def test_second_save_is_refused_with_a_clear_message():
    world = build_world()
    venue = world.objects["a"].venue
    channel = world.objects["a"].channel
    url = reverse("admin:directory_venue_change", args=[venue.pk])
    first, first_data = open_form(world, "mediator_a", venue)
    second, second_data = open_form(world, "manager_a", venue)

    first_data["name"] = ["Centre social Lazare Garreau (rénové)"]
    response = first.post(url, first_data)
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.name == "Centre social Lazare Garreau (rénové)"
    assert venue.version == 2

    # The second person changes other things, a field and an inline channel row.
    second_data["address_complement"] = ["Bâtiment B"]
    channel_fields = [k for k in second_data if k.endswith("-label") and k.startswith("channels-")]
    assert channel_fields
    second_data[channel_fields[0]] = ["Accueil modifié"]
    response = second.post(url, second_data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "a été modifié par mediator_a" in content
    assert "pendant que vous l" in content
    # What changed meanwhile is shown.
    assert "Centre social Lazare Garreau (rénové)" in content

    venue.refresh_from_db()
    channel.refresh_from_db()
    assert venue.name == "Centre social Lazare Garreau (rénové)"
    assert venue.address_complement == ""
    assert channel.label == ""
    assert venue.version == 2

    # Reloading the form gives the current version: saving then works.
    second, fresh_data = open_form(world, "manager_a", venue)
    fresh_data["address_complement"] = ["Bâtiment B"]
    assert second.post(url, fresh_data).status_code == 302
    venue.refresh_from_db()
    assert (venue.name, venue.address_complement, venue.version) == (
        "Centre social Lazare Garreau (rénové)",
        "Bâtiment B",
        3,
    )


def test_a_save_from_a_stale_copy_is_refused_by_the_database_update():
    world = build_world()
    venue = world.objects["a"].venue
    mine = Venue.objects.get(pk=venue.pk)
    theirs = Venue.objects.get(pk=venue.pk)
    theirs.name = "Nom A"
    theirs.save()
    mine.name = "Nom B"
    with pytest.raises(VersionConflict), transaction.atomic():
        mine.save()
    assert mine.version == 1
    assert Venue.objects.get(pk=venue.pk).name == "Nom A"
    # Saving the same instance twice is fine: it knows its own version.
    theirs.name = "Nom C"
    theirs.save()
    assert Venue.objects.get(pk=venue.pk).version == 3


def test_saving_through_the_admin_confirms_the_entry():
    world = build_world()
    venue = world.objects["b"].venue
    Venue.objects.filter(pk=venue.pk).update(verified_at=None, verified_by=None)
    client, data = open_form(world, "mediator_b", venue)
    assert client.post(reverse("admin:directory_venue_change", args=[venue.pk]), data).status_code == 302
    venue.refresh_from_db()
    assert venue.verified_by == world.users["mediator_b"]
    assert venue.verified_at is not None
    assert not venue.is_stale
    # The change is in the history, with who made it.
    assert venue.history.first().history_user == world.users["mediator_b"]
