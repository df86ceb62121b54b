"""« Mon lieu »: the mediator's task page (closure, channels, hours, vocabularies) in one
form, one transaction, through the shared write path."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from directory import enums
from directory.cache import data_version
from directory.models import Channel, ClosurePeriod, Venue
from directory.workspace import hours_editor
from tests.admin_world import build_world, login, scrape_form
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def page_url(venue):
    return reverse("directory:workspace_venue", args=[venue.pk])


def form_data(client, venue):
    response = client.get(page_url(venue))
    assert response.status_code == 200
    return scrape_form(response.content.decode())


def add_row(client, venue, data, kind):
    response = client.post(page_url(venue), {**data, "add": kind})
    assert response.status_code == 200
    return scrape_form(response.content.decode()), response.content.decode()


def test_a_closure_declared_with_new_channels_keeps_them_open(client, world):
    venue = world.objects["a"].venue
    ClosurePeriod.objects.filter(venue=venue).delete()
    login(client, world, "mediator_a")
    today = timezone.localdate()
    data = form_data(client, venue)
    data["closure-ends_on"] = [(today + datetime.timedelta(days=10)).isoformat()]
    data["closure-public_message"] = ["Fermé pour travaux, écrivez-nous sur WhatsApp"]
    data, html = add_row(client, venue, data, "whatsapp")
    assert "https://chat.whatsapp.com/…" in html  # the kind's placeholder
    assert "Fermé pour travaux, écrivez-nous sur WhatsApp" in html  # typed work kept
    data, html = add_row(client, venue, data, "sms")
    total = int(data["channels-TOTAL_FORMS"][0])
    data[f"channels-{total - 2}-value"] = ["https://chat.whatsapp.com/AbCdEfGhIj1234"]
    data[f"channels-{total - 1}-value"] = ["06 39 98 12 34"]
    version = data_version()
    response = client.post(page_url(venue), data)
    assert response.status_code == 302, response.content.decode()
    closure = ClosurePeriod.objects.get(venue=venue)
    assert closure.ends_on == today + datetime.timedelta(days=9)  # the day before reopening
    assert closure.public_message == "Fermé pour travaux, écrivez-nous sur WhatsApp"
    kept = {c.kind: c.value for c in closure.open_channels.all()}
    assert kept == {"whatsapp": "https://chat.whatsapp.com/AbCdEfGhIj1234", "sms": "+33639981234"}
    venue.refresh_from_db()
    assert not venue.is_stale
    assert data_version() != version
    assert venue.history.first().history_user == world.users["mediator_a"]
    assert closure.history.first().history_user == world.users["mediator_a"]


def test_a_whatsapp_group_name_is_refused_with_what_is_expected(client, world):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    data, _html = add_row(client, venue, form_data(client, venue), "whatsapp")
    total = int(data["channels-TOTAL_FORMS"][0])
    data[f"channels-{total - 1}-value"] = ["Groupe entraide"]
    data["closure-public_message"] = ["Message gardé"]
    before = Channel.objects.count()
    response = client.post(page_url(venue), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "lien d'invitation https://chat.whatsapp.com/…" in html
    assert f'href="#id_channels-{total - 1}-value"' in html  # the summary links to the field
    assert "Message gardé" in html
    assert Channel.objects.count() == before and not ClosurePeriod.objects.filter(public_message="Message gardé")


def test_phones_are_shown_in_national_format_and_stored_e164(client, world):
    venue = world.objects["a"].venue
    phone = ChannelFactory(venue=venue, kind=enums.ChannelKind.PHONE, value="+33353010101")
    login(client, world, "mediator_a")
    data = form_data(client, venue)
    index = next(k for k, v in data.items() if k.endswith("-id") and v == [str(phone.pk)]).split("-")[1]
    assert data[f"channels-{index}-value"] == ["03 53 01 01 01"]
    data[f"channels-{index}-value"] = ["03 53 01 02 02"]
    assert client.post(page_url(venue), data).status_code == 302
    phone.refresh_from_db()
    assert phone.value == "+33353010202"


def test_remove_and_reorder_channels(client, world):
    venue = world.objects["a"].venue
    first = world.objects["a"].channel
    second = ChannelFactory(venue=venue, kind=enums.ChannelKind.SMS, value="+33639980001", position=5)
    login(client, world, "mediator_a")
    data = form_data(client, venue)
    index = {v[0]: k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v[0]}
    data[f"channels-{index[str(second.pk)]}-position"] = ["0"]
    data[f"channels-{index[str(first.pk)]}-DELETE"] = ["on"]
    assert client.post(page_url(venue), data).status_code == 302
    assert list(venue.channels.all()) == [second]
    second.refresh_from_db()
    assert second.position == 0


def test_hours_grid_writes_opening_hours_and_reads_back_in_french(client, world):
    venue = world.objects["a"].venue
    Venue.objects.filter(pk=venue.pk).update(opening_hours="")
    login(client, world, "mediator_a")
    data = form_data(client, venue)
    for day in ["Mo", "Tu", "We", "Th", "Fr"]:
        data[f"hours-{day}_am_start"], data[f"hours-{day}_am_end"] = ["09:00"], ["12:00"]
    data["hours-Sa_am_start"], data["hours-Sa_am_end"] = ["09:30"], ["12:00"]
    data["hours-Mo_pm_start"], data["hours-Mo_pm_end"] = ["14:00"], ["17:00"]
    data["hours-closed_on_holidays"] = ["on"]
    assert client.post(page_url(venue), data).status_code == 302
    venue.refresh_from_db()
    assert venue.opening_hours == "Mo 09:00-12:00,14:00-17:00; Tu-Fr 09:00-12:00; Sa 09:30-12:00; PH off"
    html = client.get(page_url(venue)).content.decode()
    assert "Lundi : 9 h – 12 h, 14 h – 17 h" in html


def test_hours_grid_refuses_an_afternoon_ending_before_it_starts(client, world):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    data = form_data(client, venue)
    data["hours-We_pm_start"], data["hours-We_pm_end"] = ["17:00"], ["14:00"]
    response = client.post(page_url(venue), data)
    assert response.status_code == 400
    assert 'href="#id_hours-We_pm_end"' in response.content.decode()


@pytest.mark.parametrize(
    "expression",
    ["Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off", "Mo,We 10:00-12:00; 2026 Dec 24 off", ""],
)
def test_hours_editor_round_trips(expression):
    assert hours_editor.to_osm(hours_editor.from_osm(expression)) == expression.replace("Mo,We", "Mo 10:00-12:00; We")


def test_hours_editor_leaves_rules_it_cannot_show():
    assert hours_editor.from_osm("Mo-Fr 09:00-12:00; week 1-10 Sa 10:00-12:00") is None
    assert hours_editor.from_osm("Mo 08:00-09:00,10:00-11:00,12:00-13:00") is None


def test_nothing_changed_confirm(client, world):
    venue = world.objects["a"].venue
    Venue.objects.filter(pk=venue.pk).update(verified_at=timezone.now() - datetime.timedelta(days=400))
    login(client, world, "mediator_a")
    data = form_data(client, venue)
    version = data_version()
    assert client.post(page_url(venue), {**data, "confirm_only": "1"}).status_code == 302
    venue.refresh_from_db()
    assert not venue.is_stale and data_version() != version
    assert venue.history.first().history_user == world.users["mediator_a"]


def test_nothing_changed_confirm_keeps_typed_changes(client, world):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    data = form_data(client, venue)
    data["closure-public_message"] = ["Tapé mais pas enregistré"]
    response = client.post(page_url(venue), {**data, "confirm_only": "1"})
    assert response.status_code == 400
    assert "Tapé mais pas enregistré" in response.content.decode()


def test_lift_the_current_closure(client, world):
    venue = world.objects["a"].venue
    today = timezone.localdate()
    ClosurePeriod.objects.filter(venue=venue).delete()
    closure = ClosurePeriod.objects.create(venue=venue, starts_on=today - datetime.timedelta(days=3))
    login(client, world, "mediator_a")
    data = form_data(client, venue)
    data["closure-lift"] = ["on"]
    assert client.post(page_url(venue), data).status_code == 302
    closure.refresh_from_db()
    assert closure.ends_on == today - datetime.timedelta(days=1)
    assert Venue.objects.get(pk=venue.pk).status == enums.VenueStatus.OPEN


def test_lost_update_is_refused_and_nothing_is_saved(client, world):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    data = form_data(client, venue)
    other = Venue.objects.get(pk=venue.pk)
    other.name = "Renommé entre-temps"
    other._history_user = world.users["manager_a"]
    other.save()
    data["closure-public_message"] = ["Fermé"]
    response = client.post(page_url(venue), data)
    assert response.status_code == 409
    assert "pendant que vous l&#x27;éditiez" in response.content.decode()
    assert not ClosurePeriod.objects.filter(public_message="Fermé").exists()


def test_list_of_venues_and_single_venue_redirect(client, world):
    login(client, world, "mediator_b")
    response = client.get(reverse("directory:workspace"))
    assert response.status_code == 302 and response["Location"] == page_url(world.objects["b"].venue)
    world.objects["a"].venue.structure = world.structures["b"]
    world.objects["a"].venue.save()
    response = client.get(reverse("directory:workspace"))
    assert response.status_code == 200
    assert world.objects["a"].venue.name in response.content.decode()


@pytest.mark.parametrize(
    ("role", "venue_key", "expected"),
    [
        ("anonymous", "a", 302),
        ("mediator_a", "a", 200),
        ("manager_a", "a", 200),
        ("mediator_b", "a", 404),
        ("staff_59", "a", 404),
        ("staff_62", "a", 404),
        ("superuser", "a", 200),
        ("mediator_a", "b", 404),
    ],
)
def test_who_may_open_and_post_mon_lieu(client, world, role, venue_key, expected):
    venue = world.objects[venue_key].venue
    login(client, world, role)
    assert client.get(page_url(venue)).status_code == expected
    before = venue.history.count()
    response = client.post(page_url(venue), {"confirm_only": "1"})
    assert response.status_code == (expected if expected != 200 else 400)
    assert venue.history.count() == before


def test_mediators_land_on_mon_lieu_after_login_staff_on_the_admin(client, world):
    login(client, world, "mediator_a")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"] == reverse("directory:workspace")
    login(client, world, "staff_59")
    assert client.get(reverse("admin:index")).status_code == 200
