"""The demo accounts of the directory issue log in at the admin and see exactly their scope
(computed here from the demo data, not from the permission code)."""

import pytest
from django.urls import reverse

from directory.data import demo
from directory.models import Venue

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_data(settings, demo_world):
    settings.DEBUG = True  # demo accounts have a published password: DEBUG only


def expected_scope(username):
    spec = demo.ACCOUNTS[username]
    venues = Venue.objects.all()
    if spec.get("superuser"):
        return set(venues.values_list("pk", flat=True))
    if "structure" in spec:
        pivot = demo.STRUCTURES[spec["structure"]]["pivot"]
        return set(venues.filter(structure__pivot=pivot).values_list("pk", flat=True))
    return set(venues.filter(commune__departement_id=spec["departement"]).values_list("pk", flat=True))


@pytest.mark.parametrize("username", ["admin", "mediatrice.lille", "mediateur.pevele", "agent.nord"])
def test_demo_account_logs_in_and_sees_exactly_its_scope(client, demo_data, username):
    login = client.post(
        reverse("admin:login"),
        {"username": username, "password": demo.PASSWORD, "next": reverse("admin:index")},
    )
    assert login.status_code == 302, login.content[:1000]
    response = client.get(reverse("admin:directory_venue_changelist"), {"all": ""})
    assert response.status_code == 200
    changelist = response.context["cl"]
    seen = {venue.pk for venue in changelist.result_list}
    expected = expected_scope(username)
    assert expected, username
    assert changelist.result_count == len(expected)
    assert seen == expected
    if username != "admin":
        assert len(expected) < Venue.objects.count()
