import pytest
from django.urls import reverse

from tests.admin_world import build_world, login

pytestmark = pytest.mark.django_db


def test_superuser_opens_venue_change(client):
    world = build_world()
    login(client, world, "superuser")
    venue = world.objects["a"].venue
    response = client.get(reverse("admin:directory_venue_change", args=[venue.pk]))
    assert response.status_code == 200, response.content[:3000]
