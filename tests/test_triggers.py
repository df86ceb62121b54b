"""Triggers declared on the models (``directory/models/triggers.py``): installed by the
migrations, reported by the ``directory.W010`` check when missing, and what they keep refilled
by ``manage.py rebuild_derived`` after a load made without them."""

import io

import pgtrigger
import pytest
from django.core.management import call_command
from django.db import connection

from directory.checks import check_triggers_installed
from directory.models import SearchWord, Venue, VenueSearchEntry
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db


def test_every_declared_trigger_is_installed():
    declared = [t.name for m, t in pgtrigger.registered() if m._meta.app_label == "directory"]
    assert len(declared) == 6
    assert check_triggers_installed(databases=["default"]) == []


def test_a_missing_trigger_is_reported():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_search_words_insert_%'")
        (name,) = cursor.fetchone()
        cursor.execute(f'DROP TRIGGER "{name}" ON directory_venue')  # rolled back with the test
    problems = check_triggers_installed(databases=["default"])
    assert [p.id for p in problems] == ["directory.W010"]
    assert "search_words_insert" in problems[0].msg and "rebuild_derived" in problems[0].hint


def test_rebuild_derived_refills_what_a_load_without_triggers_left_out(hauts_de_france):
    with pgtrigger.ignore("directory.Venue:search_words_insert", "directory.Venue:search_entries_insert"):
        venue = VenueFactory(name="Ludothèque Zéphyrine", commune=hauts_de_france.lille)
    assert not SearchWord.objects.filter(word="zephyrine").exists()
    assert not VenueSearchEntry.objects.filter(pk=venue.pk).exists()

    out = io.StringIO()
    call_command("rebuild_derived", stdout=out)

    assert SearchWord.objects.filter(word="zephyrine").exists()
    entry = VenueSearchEntry.objects.get(pk=venue.pk)
    assert entry.sort_name == "ludotheque zephyrine"
    assert "Données dérivées recalculées" in out.getvalue()
    assert Venue.objects.public().search("zephyrine").filter(pk=venue.pk).exists()
