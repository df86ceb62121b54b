"""French list order: ``text.sort_name`` (Python) and ``gll_sort_name`` (PostgreSQL, the
generated column ``Venue.sort_name``) give the same key on a table of names."""

import pytest
from django.db import connection

from directory.text import sort_name
from tests.factories import VenueFactory

NAMES = [
    "Centre social",
    "CORIF",
    "École numérique",
    "ÉCOLE",
    "Œuvre des Ateliers",
    "Lætitia Æsthétique",
    "  Espace\t\tpublic\u00a0numérique  ",
    "Maison France Services\u202fde Cysoing",
    "L’Atelier",
    "Ÿvette — Noël à l'île",
    "Ça Ira",
    "Zèbre",
    "Łódź",  # letters outside the table stay as they are
    "médiathèque",
    "",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAMES)
def test_python_and_sql_agree(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT gll_sort_name(%s)", [name])
        assert cursor.fetchone()[0] == sort_name(name)


def test_the_key_reads_as_french_order():
    assert sorted(["CORIF", "Centre", "École", "Espace", "Eglise"], key=sort_name) == [
        "Centre",
        "CORIF",
        "École",
        "Eglise",
        "Espace",
    ]
    assert sort_name("  Œuvre  ÉCOLE ") == "oeuvre ecole"


@pytest.mark.django_db
def test_the_column_follows_the_name(hauts_de_france):
    venue = VenueFactory(name="Épicerie CORIF", commune=hauts_de_france.lille)
    venue.refresh_from_db()
    assert venue.sort_name == "epicerie corif"
    type(venue).objects.filter(pk=venue.pk).update(name="Atelier")
    venue.refresh_from_db()
    assert venue.sort_name == "atelier"
