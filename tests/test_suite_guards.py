"""The test suite's own guards (tests/conftest.py, pyproject.toml): warnings fail, undefined
variables in our templates fail, unordered querysets come back in random order, and the
session's demo world is copied into each test that asks for it and gone after it."""

import warnings
from pathlib import Path

import django.contrib.admin
import pytest
from django.db import connection
from django.template import Context, Template, engines
from django.template.base import Origin
from django.test.utils import CaptureQueriesContext

from directory.models import Commune, Venue
from tests.conftest import PROJECT_TEMPLATES


def test_a_warning_fails_the_test():
    with pytest.raises(DeprecationWarning):
        warnings.warn("announced removal", DeprecationWarning, stacklevel=1)
    with pytest.raises(ResourceWarning):
        warnings.warn("unclosed file", ResourceWarning, stacklevel=1)


def render(source: str, origin: Path, **context) -> str:
    """``source`` rendered as if it were the template file ``origin``."""
    template = Template(source, origin=Origin(name=str(origin)), engine=engines["django"].engine)
    return template.render(Context(context))


def test_an_undefined_variable_in_our_templates_fails():
    with pytest.raises(NameError, match="missing"):
        render("<p>{{ missing }}</p>", PROJECT_TEMPLATES / "directory" / "example.html")
    with pytest.raises(NameError, match="venue.nickname"):
        render("<p>{{ venue.nickname }}</p>", PROJECT_TEMPLATES / "example.html", venue=object())
    # Defined, or tested with {% if %}: fine.
    assert render("{{ name }}{% if missing %}x{% endif %}", PROJECT_TEMPLATES / "example.html", name="Lille") == "Lille"


def test_an_undefined_variable_elsewhere_renders_empty():
    # Django's admin templates rely on it (is_popup, has_view_permission… unset by some views).
    admin = Path(django.contrib.admin.__file__).parent / "templates" / "admin" / "example.html"
    assert render("<p>{{ is_popup }}</p>", admin) == "<p></p>"


def test_unordered_querysets_are_sorted_at_random(hauts_de_france):
    with CaptureQueriesContext(connection) as queries:
        # order_by(): not even the model's default ordering.
        list(Venue.objects.order_by().filter(name="x"))
        list(Venue.objects.order_by().values_list("pk", flat=True))
        list(Commune.objects.all())  # ordered by Meta.ordering: left as it is
        list(Venue.objects.values("commune_id").distinct())  # DISTINCT: left as it is
        Venue.objects.count()
    sql = [q["sql"] for q in queries.captured_queries]
    assert "RANDOM()" in sql[0] and "RANDOM()" in sql[1]
    assert "RANDOM()" not in sql[2] and '"name" ASC' in sql[2]
    assert "RANDOM()" not in sql[3] and "RANDOM()" not in sql[4]


def test_the_demo_world_is_there_for_the_test_that_asks(demo_world):
    assert Venue.objects.count() >= 40
    assert Commune.objects.filter(departement_id="62").exists()
    # New rows take ids after the copied ones.
    from tests.factories import VenueFactory

    venue = VenueFactory(commune=Commune.objects.get(code="59350"))
    assert venue.pk > max(Venue.objects.exclude(pk=venue.pk).values_list("pk", flat=True))


def test_the_demo_world_is_gone_for_the_next_test(db):
    assert not Venue.objects.exists()
    assert not Commune.objects.exists()
