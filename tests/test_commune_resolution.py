"""Commune resolution (directory/territories.py) on the real COG 2026 and positions shipped in
directory/data: arrondissements, merged communes, CEDEX codes, localities, postal codes in the
commune field, overseas postal codes, homonyms, coordinates — and through ``import_file``."""

import csv
import gzip
import json

import pytest
from django.core.management import call_command

from directory.models import Venue
from directory.opendata.importer import import_file
from directory.territories import AliasInfo, CommuneIndex, CommuneInfo, name_key
from tests.test_import import EXAMPLE, write_csv

DATA = "directory/data/territories.json.gz"


@pytest.fixture(scope="module")
def france():
    """The whole of France in memory, built once for the module from the shipped data file
    (no database: 35,000 communes per test would be too slow)."""
    with gzip.open(DATA, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    communes = [CommuneInfo(c[0], c[1], c[2], tuple(c[4]), c[5] or 0) for c in data["communes"]]
    aliases = [AliasInfo(a[0], a[1], a[2], a[3], tuple(a[4])) for a in data["aliases"]]
    return CommuneIndex(communes, aliases)


def resolve(france, insee="", postal="", name="", lat=None, lon=None):
    found = france.resolve(insee, postal, name, lat, lon)
    return (
        found.commune.code if found.commune else None,
        [note.text for note in found.warnings],
        [note.text for note in found.errors],
    )


@pytest.mark.parametrize(
    "text, key",
    [
        ("MARSEILLE 4E ARRONDISSEMENT", "marseille#4"),
        ("Marseille 4e Arrondissement", "marseille#4"),
        ("Paris 15e", "paris#15"),
        ("PARIS 15EME ARRONDISSEMENT", "paris#15"),
        ("Lyon 3ème", "lyon#3"),
        ("LYON 03", "lyon#3"),
        ("Paris 1er Arrondissement", "paris#1"),
        ("ST ETIENNE", "saintetienne"),
        ("Saint-Étienne", "saintetienne"),
        ("STE FOY LES LYON", "saintefoyleslyon"),
        ("L'Île-Rousse", "lilerousse"),
        ("ANGOULEME CEDEX 9", "angouleme"),
        ("LILLE 59000", "lille"),
        ("BOULOGNE S/ MER", "boulognesurmer"),
        ("HAVRE (LE)", "lehavre"),
        ("MONT-DORE (LE)", "lemontdore"),
    ],
)
def test_every_spelling_of_a_name_gives_one_key(text, key):
    assert name_key(text) == key


# (insee, postal, name, lat, lon) → commune, a piece of each warning expected (all of them)
RESOLVED = {
    "current INSEE code": (("59350", "59000", "LILLE"), "59350", []),
    "arrondissement code": (
        ("75115", "75015", "PARIS"),
        "75056",
        ["arrondissement municipal Paris 15e Arrondissement"],
    ),
    "Marseille arrondissement by name": (
        ("", "13004", "MARSEILLE 4E ARRONDISSEMENT"),
        "13055",
        ["arrondissement municipal Marseille 4e Arrondissement → Marseille (13055)"],
    ),
    "Paris arrondissement short form": (("", "75015", "Paris 15e"), "75056", ["Paris 15e Arrondissement"]),
    "Lyon arrondissement EME form": (("", "69003", "LYON 3EME"), "69123", ["Lyon 3e Arrondissement"]),
    "Lyon arrondissement code": (("69383", "", ""), "69123", ["Lyon 3e Arrondissement → Lyon (69123)"]),
    "city name with an arrondissement postal code": (("", "13001", "MARSEILLE"), "13055", []),
    "delegated commune by name": (
        ("", "16230", "MANSLE"),
        "16206",
        ["commune déléguée Mansle → Mansle-les-Fontaines (16206)"],
    ),
    "delegated commune by name, hyphens": (
        ("", "16370", "CHERVES RICHEMONT"),
        "16097",
        ["commune déléguée Cherves-Richemont → Val-de-Cognac (16097)"],
    ),
    "delegated commune by its old code": (
        ("16140", "16230", "FONTCLAIREAU"),
        "16206",
        ["commune déléguée Fontclaireau → Mansle-les-Fontaines (16206)"],
    ),
    "CEDEX code": (
        ("", "16016", "ANGOULEME CEDEX"),
        "16015",
        ["code postal 16016 (CEDEX ou code d'entreprise) : commune trouvée par son nom dans le département 16"],
    ),
    "company postal code": (("", "16024", "ANGOULEME"), "16015", ["code postal 16024 (CEDEX"]),
    "CEDEX with a number": (("", "16025", "ANGOULEME CEDEX 9"), "16015", ["code postal 16025 (CEDEX"]),
    "CEDEX of a homonym in another département": (("", "26901", "VALENCE CEDEX 9"), "26362", ["département 26"]),
    "locality as La Poste writes it": (
        ("", "06150", "CANNES LA BOCCA"),
        "06029",
        ["libellé postal « CANNES LA BOCCA » → Cannes (06029)"],
    ),
    "hamlet that is a delivery label": (("", "84140", "MONTFAVET"), "84007", ["MONTFAVET » → Avignon (84007)"]),
    "hamlet after the commune's name": (
        ("", "06400", "CANNES CALIFORNIE"),
        "06029",
        ["« CANNES CALIFORNIE » lu comme Cannes (06029) (mots en plus ignorés)"],
    ),
    "postal code in the commune field": (
        ("", "06370", "06370"),
        "06084",
        ["code postal écrit à la place du nom de la commune : 06370", "commune déduite du code postal 06370"],
    ),
    "postal code only in the commune field": (("", "", "06370"), "06084", ["code postal écrit", "déduite"]),
    "coordinates 0, 0 are a placeholder, not a place": (
        ("", "06370", "06370", "0.0", "0.0"),
        "06084",
        ["code postal écrit", "déduite"],
    ),
    "ST": (("", "42000", "ST ETIENNE"), "42218", []),
    "a typo among the communes of a postal code": (
        ("", "59650", "VILLENEUVE D ASQ"),
        "59009",
        ["« VILLENEUVE D ASQ » lu comme Villeneuve-d'Ascq (59009) (orthographe approchée)"],
    ),
    "a typo in a postal code of several communes": (
        ("", "16230", "MANSSLE LES FONTAINES"),
        "16206",
        ["(orthographe approchée)"],
    ),
    "STE and spaces": (("", "69110", "STE FOY LES LYON"), "69202", []),
    "overseas main-town postal code": (
        ("", "98800", "MONT-DORE"),
        "98817",
        [
            "le code postal 98800 n'est pas celui de Le Mont-Dore (98817) : commune trouvée par son nom dans le département 988"
        ],
    ),
    "overseas main-town postal code, other commune": (("", "98800", "DUMBEA"), "98805", ["Dumbéa (98805)"]),
    "Mont-Dore of the Puy-de-Dôme": (("", "63240", "MONT-DORE"), "63236", []),
    "overseas homonym by its postal code": (("", "97400", "ST DENIS"), "97411", []),
    "metropolitan homonym by its postal code": (("", "93200", "SAINT-DENIS"), "93066", []),
    "Corsica": (("", "20090", "AJACCIO CEDEX"), "2A004", []),
    "Corsican CEDEX code of the other département": (
        ("", "20928", "SORBOLLANO CEDEX"),
        "2A285",
        ["code postal 20928 (CEDEX ou code d'entreprise) : commune trouvée par son nom dans le département 2A"],
    ),
    "a commune's own name wins over a neighbour's delivery label": (("", "81200", "MAZAMET"), "81163", []),
    "name of a commune of another département, coordinates in the postal code's commune": (
        ("", "06400", "CANNES ET CLAIRAN", "43.5513", "7.0127"),
        "06029",
        ["Cannes (06029) choisie d'après les coordonnées (à 0 km), parmi : Cannes (06029, 06)"],
    ),
    "postal code alone names one commune": (
        ("", "84140", "AGROPARC"),  # 84140 is Montfavet, in Avignon only
        "84007",
        ["« AGROPARC » n'est pas une commune du code postal 84140 : Avignon (84007), sa seule commune, retenue"],
    ),
    "name of another commune of the postal code's département": (
        ("", "84140", "LE PONTET"),  # Le Pontet is 84130
        "84092",
        [
            "le code postal 84140 n'est pas celui de Le Pontet (84092) : commune trouvée par son nom dans le département 84"
        ],
    ),
    "coordinates choose between the communes of a postal code": (
        ("", "16120", "LIEU-DIT LES GRANGES", "45.5985", "-0.054"),
        "16090",
        ["Châteauneuf-sur-Charente (16090) choisie d'après les coordonnées (à 0 km)"],
    ),
    "far coordinates of a commune named by its code": (
        ("59350", "59000", "LILLE", "50.3", "3.06"),
        "59350",
        ["coordonnées à 37 km de Lille (59350) : vérifiez-les"],
    ),
    "coordinates in another département, commune named by code and name": (
        ("51454", "51100", "Reims", "43.52609", "5.41423"),  # the official example's
        "51454",
        ["les coordonnées (43.526, 5.4142) sont hors du département 51 de la commune Reims (51454)"],
    ),
}


@pytest.mark.parametrize("case", RESOLVED.values(), ids=RESOLVED.keys())
def test_rows_land_in_the_right_commune(france, case):
    row, expected, warnings = case
    code, got_warnings, errors = resolve(france, *row)
    assert (code, errors) == (expected, [])
    assert len(got_warnings) == len(warnings), got_warnings
    for piece, text in zip(warnings, got_warnings, strict=True):
        assert piece in text


REFUSED = {
    "several communes and nothing to choose": (
        ("", "16120", "MALAVILLE"),
        "plusieurs communes possibles pour « MALAVILLE » (16120) : Châteauneuf-sur-Charente (16090, 16)",
    ),
    "Mont-Dore with the Nouvelle-Calédonie postal code and coordinates in the Puy-de-Dôme": (
        ("", "98800", "MONT-DORE", "45.5764", "2.8089"),
        "les coordonnées (45.576, 2.8089) sont hors du département 988 de la commune Le Mont-Dore (98817)",
    ),
    "postal code alone and coordinates elsewhere": (
        ("", "06370", "06370", "48.85", "2.35"),
        "hors du département 06 de la commune Mouans-Sartoux (06084)",
    ),
    "postal code alone and coordinates far from its only commune": (
        ("", "84140", "AGROPARC", "43.55", "4.75"),  # 45 km away, still in the Vaucluse's box
        "coordonnées à 45 km de Avignon (84007), trouvée sans que le nom et le code postal concordent",
    ),
    "name of a commune of another département, postal code of one commune": (
        ("", "06400", "CANNES ET CLAIRAN"),
        "« CANNES ET CLAIRAN » est le nom de Cannes-et-Clairan (30066, 30), hors du département du code postal "
        "06400 (06) : corrigez la commune ou le code postal",
    ),
    "coordinates far from every candidate": (
        ("", "16120", "MALAVILLE", "50.6", "3.0"),
        "plusieurs communes possibles pour « MALAVILLE »",
    ),
    "name unknown in the département": (
        ("", "16016", "NULLE PART"),
        "aucune commune « NULLE PART » avec le code postal 16016 ni dans le département 16 ; indiquez le code INSEE",
    ),
    "name that exists only in another département": (
        ("", "16016", "MONT-DORE"),
        "(ce nom existe ailleurs : Le Mont-Dore (98817, 988), Mont-Dore (63236, 63), Montdoré (70360, 70))",
    ),
    "INSEE code of another département than the postal code": (
        ("63236", "98800", "MONT-DORE"),
        "le code postal est celui du département 988, le code INSEE 63236 celui de Mont-Dore (63236) (département 63)",
    ),
    "INSEE code against the postal code and the name": (
        ("59350", "59100", "ROUBAIX"),
        "le code INSEE 59350 désigne Lille (59350), mais le code postal et le nom désignent Roubaix (59512, 59)",
    ),
    "Monaco": (("", "98000", "MONACO"), "code postal 98000 inconnu, d'aucun département"),
    "postal code in the commune field against the postal code": (
        ("", "59000", "06370"),
        "le champ commune contient le code postal 06370, le champ code_postal 59000",
    ),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_doubtful_rows_are_refused_with_a_french_message(france, case):
    row, message = case
    code, _warnings, errors = resolve(france, *row)
    assert code is None or errors
    assert any(message in error for error in errors), errors


@pytest.mark.parametrize(
    "text, expected",
    [
        ("st etienne", [("42218", None)]),
        ("MARSEILLE 4E ARRONDISSEMENT", [("13055", "Marseille 4e Arrondissement")]),
        ("Paris 15e", [("75056", "Paris 15e Arrondissement")]),
        ("LYON 3EME", [("69123", "Lyon 3e Arrondissement")]),
        ("mansle", [("16206", "Mansle")]),
        ("59000 Lille", [("59350", None)]),
        ("2A004", [("2A004", None)]),
        ("mont dore", [("98817", None), ("63236", None), ("70360", None)]),
    ],
)
def test_find_communes_recognises_what_a_resident_types(france, text, expected):
    found = [(c.commune.code, c.alias.name if c.alias else None) for c in france.find(text)]
    assert found == expected


def test_find_communes_by_postal_code_lists_its_communes_biggest_first(france):
    found = [c.commune.name for c in france.find("59246")]
    assert found[0] == "Mons-en-Pévèle"
    assert found[-1] == "Forest-en-Cambrésis"  # the commune whose INSEE code is 59246, last


def test_find_communes_completes_a_beginning(france):
    assert [c.commune.name for c in france.find("lill", limit=2)] == ["Lille", "Lillers"]
    assert france.find("zzzz") == []


# --- through the importer -----------------------------------------------------------------


@pytest.fixture
def communes(db):
    """Real communes of the départements the files below use (loaded from the shipped COG)."""
    call_command("load_territories", departements="06,16,59,63,75,84,988", no_progress=True, verbosity=0)


def v1_row(**changes):
    with EXAMPLE.open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    row.update(code_insee="", latitude="", longitude="")
    row.update(changes)
    return row


def test_a_regional_csv_file_lands_every_row_with_warnings(communes, tmp_path):
    rows = [
        v1_row(id="a", commune="PARIS 15E ARRONDISSEMENT", code_postal="75015"),
        v1_row(id="b", commune="MANSLE", code_postal="16230", latitude="45.876", longitude="0.18"),
        v1_row(id="c", commune="ANGOULEME CEDEX", code_postal="16016"),
        v1_row(id="d", commune="06370", code_postal="6370"),
        v1_row(id="e", commune="MONT-DORE", code_postal="98800", latitude="-22.26", longitude="166.56"),
        v1_row(id="f", commune="CANNES LA BOCCA", code_postal="06150"),
        v1_row(id="g", commune="Lille", code_postal="59000", code_insee="59350"),
    ]
    path = write_csv(tmp_path / "lieux.csv", rows, delimiter=";")

    report = import_file(path)

    assert report.ok, [str(e) for e in report.errors]
    assert dict(Venue.objects.values_list("external_id", "commune_id")) == {
        "a": "75056",
        "b": "16206",
        "c": "16015",
        "d": "06084",
        "e": "98817",
        "f": "06029",
        "g": "59350",
    }
    warnings = [str(w) for w in report.warnings]
    assert (
        "Ligne 2, champ commune, valeur « PARIS 15E ARRONDISSEMENT » : arrondissement municipal Paris 15e "
        "Arrondissement → Paris (75056)" in warnings
    )
    assert (
        "Ligne 3, champ commune, valeur « MANSLE » : commune déléguée Mansle → Mansle-les-Fontaines (16206)" in warnings
    )
    assert (
        "Ligne 4, champ code_postal, valeur « 16016 » : code postal 16016 (CEDEX ou code d'entreprise) : "
        "commune trouvée par son nom dans le département 16" in warnings
    )
    assert "Ligne 5, champ code_postal, valeur « 6370 » : code postal complété d'un zéro : 06370" in warnings
    assert any(w.startswith("Ligne 6, champ code_postal, valeur « 98800 » : le code postal 98800") for w in warnings)
    assert not any(w.startswith("Ligne 8") for w in warnings)
    assert Venue.objects.get(external_id="d").postal_code == "06370"


def test_a_v0_json_file_with_upper_case_names(communes, tmp_path):
    with (EXAMPLE.parent / "exemple-valide-v0.1.1.csv").open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    records = []
    for number, (commune, postal, lat, lon) in enumerate(
        [
            ("MARSEILLE 4E ARRONDISSEMENT", "13004", None, None),
            ("LYON 3EME", "69003", None, None),
            ("MONTFAVET", "84140", 43.93335, 4.87342),
            ("NOUMEA", "98800", -22.27, 166.45),
        ]
    ):
        records.append(
            {**row, "id": f"v0-{number}", "commune": commune, "code_postal": postal, "code_insee": None}
            | {"latitude": lat, "longitude": lon}
        )
    call_command("load_territories", departements="13,69", no_progress=True, verbosity=0)
    path = tmp_path / "lieux.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")

    report = import_file(path)

    assert report.ok, [str(e) for e in report.errors]
    assert sorted(Venue.objects.values_list("commune_id", flat=True)) == ["13055", "69123", "84007", "98818"]
    assert any(
        "Enregistrement 3, champ commune, valeur « MONTFAVET » : libellé postal" in str(w) for w in report.warnings
    )


def test_a_wrong_commune_is_refused_and_nothing_is_written(communes, tmp_path):
    rows = [
        v1_row(id="ok", commune="LILLE", code_postal="59000"),
        v1_row(id="far", commune="MONT-DORE", code_postal="98800", latitude="45.5764", longitude="2.8089"),
    ]
    report = import_file(write_csv(tmp_path / "lieux.csv", rows))

    assert [str(e) for e in report.errors] == [
        "Ligne 3, champ latitude, valeur « 45.5764 » : les coordonnées (45.576, 2.8089) sont hors du département "
        "988 de la commune Le Mont-Dore (98817) : vérifiez la latitude, la longitude, le code postal et la commune"
    ]
    assert not Venue.objects.exists()


def test_find_communes_reads_the_database_once_and_forgets_after_a_load(communes, django_assert_num_queries):
    from directory.territories import find_communes, forget_shared_index

    forget_shared_index()
    # No commune has the postal code 16016 (a CEDEX): the commune whose INSEE code it is.
    assert [c.commune.name for c in find_communes("16016")] == ["Ansac-sur-Vienne"]
    with django_assert_num_queries(0):
        found = find_communes("mansle")
    assert [(c.commune.name, c.alias.kind) for c in found] == [("Mansle-les-Fontaines", "commune-deleguee")]
    call_command("load_territories", departements="42", no_progress=True, verbosity=0)
    assert [c.commune.code for c in find_communes("st etienne")] == ["42218"]
