"""Menus that fit the role: « Couverture » for département staff and superusers, « Mon lieu »
for mediators and managers, on the public pages and in the admin."""

import pytest
from django.urls import reverse

from tests.admin_world import build_world, login

pytestmark = pytest.mark.django_db

COVERAGE = 'href="/couverture/"'
WORKSPACE = 'href="/mon-lieu/"'


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize(
    ("role", "coverage", "workspace"),
    [
        ("anonymous", False, False),
        ("mediator_a", False, True),
        ("manager_a", False, True),
        ("staff_59", True, False),
        ("superuser", True, True),
    ],
)
def test_public_and_admin_menus_fit_the_role(client, world, role, coverage, workspace):
    login(client, world, role)
    public = client.get(reverse("directory:venue_list")).content.decode()
    assert (COVERAGE in public) is coverage
    assert (WORKSPACE in public) is workspace
    if role != "anonymous":
        admin_page = client.get(reverse("admin:directory_venue_changelist")).content.decode()
        assert (COVERAGE in admin_page) is coverage
        assert (WORKSPACE in admin_page) is workspace


def test_the_coverage_refusal_does_not_link_back_to_itself(client, world):
    login(client, world, "mediator_a")
    response = client.get(reverse("directory:coverage"))
    assert response.status_code == 403
    content = response.content.decode()
    assert COVERAGE not in content and WORKSPACE in content
