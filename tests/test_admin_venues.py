"""The venue admin's features: confirm buttons, quick closure, filters, folded search,
scoped choices, checkboxes for vocabularies, history and revert, login lockout."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from directory import enums
from directory.models import ClosurePeriod, Venue
from tests.admin_world import build_world, login, scrape_form
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:directory_venue_changelist"


@pytest.fixture
def world():
    return build_world()


def names(response):
    return sorted(v.name for v in response.context["cl"].result_list)


def test_changelist_flags_stale_entries_and_offers_one_click_confirm(client, world):
    venue = world.objects["a"].venue
    Venue.objects.filter(pk=venue.pk).update(verified_at=timezone.now() - datetime.timedelta(days=400))
    login(client, world, "mediator_a")
    response = client.get(reverse(CHANGELIST))
    content = response.content.decode()
    assert 'class="gll-stale"' in content
    confirm_url = reverse("admin:directory_venue_confirm", args=[venue.pk])
    assert f'formaction="{confirm_url}"' in content
    # The button posts the change list's form; CSRF is enforced as usual.
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.users["mediator_a"])
    assert csrf_client.post(confirm_url).status_code == 403
    response = client.post(confirm_url, {"next": reverse(CHANGELIST)})
    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST)
    venue.refresh_from_db()
    assert not venue.is_stale and venue.verified_by == world.users["mediator_a"]


def test_confirm_refuses_other_scope_and_unsafe_next(client, world):
    login(client, world, "staff_62")
    other = world.objects["a"].venue
    assert client.post(reverse("admin:directory_venue_confirm", args=[other.pk])).status_code == 404
    login(client, world, "staff_59")
    response = client.post(reverse("admin:directory_venue_confirm", args=[other.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("admin:directory_venue_change", args=[other.pk])


def test_staff_confirms_but_cannot_edit(client, world):
    venue = world.objects["a"].venue
    login(client, world, "staff_59")
    page = client.get(reverse("admin:directory_venue_change", args=[venue.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in content
    assert "Confirmer que les informations sont à jour" in content
    assert "Déclarer une fermeture temporaire" not in content
    assert client.post(reverse("admin:directory_venue_quick_closure", args=[venue.pk])).status_code == 403


def test_quick_closure_from_the_venue_page(client, world):
    venue = world.objects["a"].venue
    sms = ChannelFactory(venue=venue, sms=True)
    other_channel = world.objects["b"].channel
    login(client, world, "mediator_a")
    page = client.get(reverse("admin:directory_venue_change", args=[venue.pk]))
    assert "Déclarer une fermeture temporaire" in page.content.decode()
    url = reverse("admin:directory_venue_quick_closure", args=[venue.pk])
    start = timezone.localdate() + datetime.timedelta(days=20)
    bad = client.post(
        url,
        {
            "closure-starts_on": start.isoformat(),
            "closure-ends_on": (start - datetime.timedelta(days=1)).isoformat(),
            "closure-open_channels": [other_channel.pk],
        },
    )
    assert bad.status_code == 200
    assert "postérieure ou égale" in bad.content.decode()
    before = ClosurePeriod.objects.count()
    ok = client.post(
        url,
        {
            "closure-starts_on": start.isoformat(),
            "closure-ends_on": (start + datetime.timedelta(days=7)).isoformat(),
            "closure-public_message": "Fermé pour travaux, joignable par SMS au 06 39 98 00 00",
            "closure-open_channels": [sms.pk],
        },
    )
    assert ok.status_code == 302
    assert ClosurePeriod.objects.count() == before + 1
    closure = ClosurePeriod.objects.latest("pk")
    assert closure.venue == venue and closure.created_by == world.users["mediator_a"]
    assert list(closure.open_channels.all()) == [sms]
    assert closure.history.first().history_user == world.users["mediator_a"]
    # A channel of another venue cannot be kept open.
    refused = client.post(url, {"closure-starts_on": start.isoformat(), "closure-open_channels": [other_channel.pk]})
    assert refused.status_code == 200
    assert ClosurePeriod.objects.count() == before + 1


def test_filters_status_freshness_scenario(client, world):
    a = world.objects["a"].venue
    b = world.objects["b"].venue
    Venue.objects.filter(pk=b.pk).update(verified_at=timezone.now() - datetime.timedelta(days=400))
    b.channels.all().delete()
    ChannelFactory(venue=b, website=True)
    login(client, world, "staff_59")
    url = reverse(CHANGELIST)
    assert names(client.get(url)) == sorted([a.name, b.name])
    # Both have a closure covering today (factory): temporarily closed.
    assert names(client.get(url, {"statut": "ferme"})) == sorted([a.name, b.name])
    assert names(client.get(url, {"statut": "ouvert"})) == []
    assert names(client.get(url, {"fraicheur": "stale"})) == [b.name]
    assert names(client.get(url, {"fraicheur": "fresh"})) == [a.name]
    assert names(client.get(url, {"scenario": "2"})) == [a.name]
    assert names(client.get(url, {"scenario": "not2"})) == [b.name]
    assert names(client.get(url, {"scenario": "3"})) == sorted([a.name, b.name])
    assert names(client.get(url, {"o": "5"}))  # sortable by verification date
    # Nonsense parameters never give a 500.
    assert client.get(url, {"scenario": "zzz", "statut": "<b>"}).status_code in {200, 302}


def test_the_status_filter_speaks_the_public_words_and_redirects_old_links(client, world):
    """``?statut=`` has one spelling, the public list's (« ouvert », « ferme »,
    « ferme_definitivement »); the admin's old ``?statut=temporarily_closed`` links redirect."""
    from directory.filters import Statut

    login(client, world, "staff_59")
    url = reverse(CHANGELIST)
    html = client.get(url).content.decode()
    for word, _label in Statut.choices:
        assert f"?statut={word}" in html
    assert "statut=temporarily_closed" not in html
    old = client.get(url, {"statut": "temporarily_closed", "q": "lille"})
    assert old.status_code == 302
    assert old["Location"] == f"{url}?statut=ferme&q=lille"
    assert names(client.get(old["Location"])) == [world.objects["a"].venue.name]


def test_search_is_accent_free(client, world):
    login(client, world, "staff_59")
    response = client.get(reverse(CHANGELIST), {"q": "mediatheque cysoing"})
    assert names(response) == ["Médiathèque de Cysoing"]
    response = client.get(reverse(CHANGELIST), {"q": "MÉDIATHÈQUE"})
    assert names(response) == ["Médiathèque de Cysoing"]  # Arras (62) is out of scope


def test_structure_choices_are_limited_to_own_structures(client, world):
    login(client, world, "mediator_a")
    page = client.get(reverse("admin:directory_venue_add"))
    choices = list(page.context["adminform"].form.fields["structure"].queryset)
    assert choices == [world.structures["a"]]
    # Moving one's venue to another structure is refused.
    venue = world.objects["a"].venue
    data = scrape_form(
        client.get(reverse("admin:directory_venue_change", args=[venue.pk])).content.decode(), "venue_form"
    )
    data["structure"] = [str(world.structures["b"].pk)]
    response = client.post(reverse("admin:directory_venue_change", args=[venue.pk]), data)
    assert response.status_code == 200
    venue.refresh_from_db()
    assert venue.structure == world.structures["a"]


def test_mediator_adds_a_venue_with_channels_and_vocabularies(client, world):
    login(client, world, "mediator_a")
    page = client.get(reverse("admin:directory_venue_add"))
    data = scrape_form(page.content.decode(), "venue_form")
    assert 'type="checkbox" name="services"' in page.content.decode()
    data.update(
        {
            "name": ["Point numérique Wazemmes"],
            "structure": [str(world.structures["a"].pk)],
            "pivot": ["21590350100011"],
            "address": ["1 place de la Nouvelle Aventure"],
            "postal_code": ["59000"],
            "commune": [world.hdf.lille.pk],
            "services": [enums.Service.choices[0][0], enums.Service.choices[1][0]],
            "channels-TOTAL_FORMS": ["1"],
            "channels-0-kind": ["phone"],
            "channels-0-value": ["03 53 01 00 07"],
            "channels-0-position": ["0"],
            "channels-0-scenario": [""],
        }
    )
    response = client.post(reverse("admin:directory_venue_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    venue = Venue.objects.get(name="Point numérique Wazemmes")
    assert venue.services == [enums.Service.choices[0][0], enums.Service.choices[1][0]]
    channel = venue.channels.get()
    assert (channel.value, channel.scenario) == ("+33353010007", 2)
    assert venue.verified_by == world.users["mediator_a"]


def test_invalid_channel_is_refused_with_the_registry_message(client, world):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    url = reverse("admin:directory_venue_change", args=[venue.pk])
    data = scrape_form(client.get(url).content.decode(), "venue_form")
    data["channels-0-value"] = ["pas un numéro"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "numéro de téléphone" in response.content.decode()
    assert Venue.objects.get(pk=venue.pk).version == venue.version


def test_history_and_revert_are_scoped(client, world):
    venue = world.objects["a"].venue
    editor = Client()
    editor.force_login(world.users["mediator_a"])
    url = reverse("admin:directory_venue_change", args=[venue.pk])
    data = scrape_form(editor.get(url).content.decode(), "venue_form")
    data["name"] = ["Nouveau nom"]
    assert editor.post(url, data).status_code == 302
    first_record = venue.history.order_by("history_id").first()
    revert_url = reverse("admin:directory_venue_simple_history", args=[venue.pk, first_record.history_id])

    # Staff of 59 reads the history but cannot revert.
    login(client, world, "staff_59")
    assert client.get(reverse("admin:directory_venue_history", args=[venue.pk])).status_code == 200
    form = scrape_form(client.get(revert_url).content.decode(), "historicalvenue_form")
    assert form["name"] == ["Centre social Lazare Garreau"]
    assert client.post(revert_url, form).status_code == 403
    # Mediator of B sees neither.
    login(client, world, "mediator_b")
    assert client.get(reverse("admin:directory_venue_history", args=[venue.pk])).status_code == 403
    assert client.get(revert_url).status_code == 403
    # The mediator of A reverts.
    page = editor.get(revert_url)
    assert page.status_code == 200
    response = editor.post(revert_url, scrape_form(page.content.decode(), "historicalvenue_form"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    venue.refresh_from_db()
    assert venue.name == "Centre social Lazare Garreau"


@pytest.mark.parametrize("role", ["superuser", "mediator_a", "staff_59"])
def test_changelist_query_count_does_not_grow_with_rows(client, world, role):
    login(client, world, role)
    url = reverse(CHANGELIST)
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    for i in range(15):
        venue = VenueFactory(
            structure=world.structures["a"], commune=world.hdf.lille, postal_code="59000", name=f"Lieu {i}"
        )
        ChannelFactory(venue=venue)
        ClosurePeriodFactory(venue=venue)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.context["cl"].result_count >= 16
    assert len(after.captured_queries) == len(before.captured_queries)


def test_login_lockout_after_five_failures(client, world):
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "mediator_a", "password": "mauvais"})
    response = client.post(url, {"username": "mediator_a", "password": "gardezlelien"})
    assert response.status_code == 429


@pytest.mark.parametrize(("role", "sees_import"), [("mediator_a", False), ("staff_59", True), ("superuser", True)])
def test_changelist_links_to_the_import_for_those_allowed(client, world, role, sees_import):
    login(client, world, role)
    content = client.get(reverse(CHANGELIST)).content.decode()
    assert (reverse("directory:opendata_import") in content) is sees_import


def test_change_form_links_to_the_door_poster(client, world):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    content = client.get(reverse("admin:directory_venue_change", args=[venue.pk])).content.decode()
    assert reverse("directory:venue_poster", args=[venue.slug]) in content
