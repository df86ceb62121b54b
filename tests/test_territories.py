"""manage.py load_territories with a tiny fixture file: idempotent, filtered, --if-needed."""

import copy
import gzip
import io
import json

import pytest
from django.core.management import CommandError, call_command

from directory.models import Commune, Departement, Epci, Region

pytestmark = pytest.mark.django_db

DATA = {
    "source": "fixture de test",
    "regions": [["32", "Hauts-de-France"], ["11", "Île-de-France"]],
    "departements": [["59", "Nord", "32"], ["62", "Pas-de-Calais", "32"], ["75", "Paris", "11"]],
    "epci": [
        ["200093201", "Métropole Européenne de Lille", "METRO", 1190000],
        ["200041960", "CC Pévèle-Carembault", "CC", 97000],
        ["200033579", "CU d'Arras", "CU", 107000],
        ["200054781", "Métropole du Grand Paris", "METRO", 7000000],
    ],
    "communes": [
        ["59350", "Lille", "59", "200093201", ["59000", "59160", "59260", "59777", "59800"], 238246],
        ["59009", "Villeneuve-d'Ascq", "59", "200093201", ["59491", "59493", "59650"], 62868],
        ["59168", "Cysoing", "59", "200041960", ["59830"], 4839],
        ["62041", "Arras", "62", "200033579", ["62000"], 42875],
        ["75056", "Paris", "75", "200054781", ["75001", "75002"], 2100000],
    ],
}


def write(path, data):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        json.dump(data, handle)
    return str(path)


@pytest.fixture
def fixture_file(tmp_path):
    return write(tmp_path / "territories.json.gz", DATA)


def load(path, **options):
    out = io.StringIO()
    call_command("load_territories", file=path, no_progress=True, stdout=out, **options)
    return out.getvalue()


def counts():
    return (Region.objects.count(), Departement.objects.count(), Epci.objects.count(), Commune.objects.count())


def test_it_loads_every_level(fixture_file):
    out = load(fixture_file)
    assert counts() == (2, 3, 4, 5)
    assert "5 communes chargés" in out
    lille = Commune.objects.select_related("departement__region", "epci").get(code="59350")
    assert lille.name == "Lille"
    assert lille.postal_codes == ["59000", "59160", "59260", "59777", "59800"]
    assert lille.population == 238246
    assert lille.epci.name == "Métropole Européenne de Lille"
    assert lille.departement.region.name == "Hauts-de-France"
    assert Commune.objects.get(code="59009").search_name == "villeneuve-d'ascq"
    assert Epci.objects.get(code="200041960").search_name == "cc pevele-carembault"


def test_a_second_run_duplicates_nothing_and_updates_names(fixture_file, tmp_path):
    load(fixture_file)
    Departement.objects.filter(code="59").update(contact_label="Plateforme du Nord", contact_phone="+33353010000")
    changed = copy.deepcopy(DATA)
    changed["communes"][2] = ["59168", "Cysoing (nouveau nom)", "59", "200041960", ["59830"], 5000]
    changed["epci"][1][1] = "Communauté de communes Pévèle Carembault"

    load(write(tmp_path / "changed.json.gz", changed))

    assert counts() == (2, 3, 4, 5)
    cysoing = Commune.objects.get(code="59168")
    assert (cysoing.name, cysoing.population, cysoing.search_name) == (
        "Cysoing (nouveau nom)",
        5000,
        "cysoing (nouveau nom)",
    )
    assert Epci.objects.get(code="200041960").name == "Communauté de communes Pévèle Carembault"
    # What the loader does not own is kept.
    assert Departement.objects.get(code="59").contact_phone == "+33353010000"


def test_a_load_bumps_the_data_version(fixture_file):
    """Commune names are on cached pages and in cached coverage figures: a load changes the key."""
    from directory.cache import data_version

    version = data_version()
    load(fixture_file)
    assert data_version() != version


def test_departements_option_loads_only_those_communes_and_their_epci(fixture_file):
    load(fixture_file, departements="59, 62")
    assert set(Commune.objects.values_list("code", flat=True)) == {"59350", "59009", "59168", "62041"}
    assert set(Epci.objects.values_list("code", flat=True)) == {"200093201", "200041960", "200033579"}
    # Régions and départements are small: always all of them.
    assert Departement.objects.count() == 3


def test_if_needed_does_nothing_when_every_commune_is_there(fixture_file, tmp_path):
    load(fixture_file, departements="59")
    renamed = copy.deepcopy(DATA)
    renamed["communes"][0][1] = "Lille (renommée)"
    path = write(tmp_path / "renamed.json.gz", renamed)

    out = load(path, departements="59", if_needed=True)

    assert "rien à faire" in out
    assert Commune.objects.get(code="59350").name == "Lille"


def test_if_needed_loads_when_communes_are_missing(fixture_file):
    load(fixture_file, departements="59")
    out = load(fixture_file, if_needed=True)
    assert "rien à faire" not in out
    assert Commune.objects.count() == 5


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        load(str(tmp_path / "absent.json.gz"))
    assert counts() == (0, 0, 0, 0)


def test_the_bundled_file_has_nord_and_pas_de_calais(db):
    load_default = io.StringIO()
    call_command("load_territories", departements="62", no_progress=True, stdout=load_default)
    arras = Commune.objects.get(code="62041")
    assert arras.name == "Arras" and "62000" in arras.postal_codes
    assert not Commune.objects.exclude(departement_id="62").exists()


def test_every_shipped_commune_code_starts_with_its_departement_code():
    """``Venue.objects.located_in_departement`` reads the département off the INSEE code
    (SQL ``gll_departement_code``, migration 0006): the rule must hold for the whole COG."""
    from pathlib import Path

    with gzip.open(Path(__file__).resolve().parent.parent / "directory/data/territories.json.gz") as handle:
        data = json.load(handle)
    prefix = {code: code[:3] if code[:2] in {"97", "98"} else code[:2] for code, *_ in data["communes"]}
    assert len(prefix) > 34000
    assert all(prefix[code] == departement for code, _name, departement, *_ in data["communes"])


def test_the_sql_departement_code_agrees_with_the_communes(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT gll_departement_code(%s), gll_departement_code(%s), gll_departement_code(%s)",
                       ["59350", "2A004", "97411"])  # fmt: skip
        assert cursor.fetchone() == ("59", "2A", "974")


ALIASES = [
    ["59298", "Hellemmes-Lille", "commune-associee", "59350", []],
    ["59355", "Lomme", "commune-associee", "59350", []],
    ["75101", "Paris 1er Arrondissement", "arrondissement-municipal", "75056", ["75001"]],
    ["", "LILLE CEDEX", "libelle-acheminement", "59350", ["59000"]],
]


def test_it_loads_aliases_of_communes(tmp_path):
    from directory.models import CommuneAlias

    path = write(tmp_path / "t.json.gz", {**DATA, "aliases": ALIASES})
    out = load(path)
    assert "(4 autres noms de communes)" in out
    lomme = CommuneAlias.objects.get(code="59355")
    assert (lomme.name, lomme.search_name, lomme.kind, lomme.commune_id) == (
        "Lomme",
        "lomme",
        "commune-associee",
        "59350",
    )
    assert CommuneAlias.objects.arrondissement_of("75056", "75001").name == "Paris 1er Arrondissement"
    assert CommuneAlias.objects.arrondissement_of("75056", "75002") is None
    load(path)
    assert CommuneAlias.objects.count() == 4  # replaced, not duplicated


def test_if_needed_loads_aliases_on_a_database_that_has_communes_but_no_alias(tmp_path):
    from directory.models import CommuneAlias

    load(write(tmp_path / "old.json.gz", DATA))  # a deployment from before aliases
    assert CommuneAlias.objects.count() == 0
    path = write(tmp_path / "new.json.gz", {**DATA, "aliases": ALIASES})
    out = load(path, if_needed=True)
    assert "rien à faire" not in out
    assert CommuneAlias.objects.count() == 4
    assert "rien à faire" in load(path, if_needed=True)


def test_departement_filter_keeps_the_aliases_of_loaded_communes(tmp_path):
    from directory.models import CommuneAlias

    load(write(tmp_path / "t.json.gz", {**DATA, "aliases": ALIASES}), departements="59")
    assert set(CommuneAlias.objects.values_list("commune_id", flat=True)) == {"59350"}
