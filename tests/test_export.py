"""Export in the national standard (and the rich format): validity with frictionless against
the official schema, round trip, downloads."""

import csv
import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from frictionless import Resource, Schema

from directory import enums
from directory.models import Channel, ClosurePeriod, Venue
from directory.opendata import exporter, standard
from directory.opendata.importer import import_file
from tests.factories import (
    ChannelFactory,
    ClosurePeriodFactory,
    StructureFactory,
    VenueFactory,
    build_marne,
)


def csv_rows(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def marne(db):
    return build_marne()


def export(tmp_path: Path, fmt="csv", profile="standard", name=None) -> Path:
    path = tmp_path / (name or f"export-{profile}.{fmt}")
    call_command("export_lieux", format=fmt, profile=profile, output=str(path))
    return path


def validate(path: Path, schema_path: Path):
    resource = Resource(
        path=path.name,
        basepath=str(path.parent),
        schema=Schema.from_descriptor(json.loads(schema_path.read_text(encoding="utf-8"))),
    )
    report = resource.validate()
    return report, [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors]


def rich_venues(marne):
    """Venues that use every field and every channel kind, one closed for good."""
    structure = StructureFactory(name="Centre social de l'Arbrisseau")
    full = VenueFactory(
        name="Espace numérique « Le Patio »",
        structure=structure,
        commune=marne.reims,
        postal_code="51100",
        address="3 rue de l'Université",
        address_complement="Bâtiment B, 1er étage",
        latitude=49.2535,
        longitude=4.0551,
        typologie=["CS", "EPN"],
        itinerance=["Fixe", "Itinérant"],
        services=list(enums.Service.values),
        publics=["Seniors", "Familles et/ou enfants"],
        prise_en_charge=["Surdité", "Langues étrangères (anglais)"],
        frais=["Gratuit"],
        dispositifs=["Conseillers numériques", "France Services"],
        formations_labels=["Étapes numériques(La Poste)", "ORDI 3.0"],
        autres_formations_labels='Label « Ça marche », virgules, "guillemets"',
        modalites_acces=["Se présenter", "Téléphoner"],
        modalites_accompagnement=["En autonomie", "À distance"],
        presentation_resume="Ateliers ; permanences, et accès libre.\nSur deux lignes.",
        presentation_detail="Détail avec | barre verticale échappée ? Non : texte libre.",
        structure_parente="Ville de Reims",
        fiche_acces_libre="https://acceslibre.beta.gouv.fr/app/erp/patio/",
        prise_rdv="https://www.rdv-solidarites.fr/lieux/patio",
        date_maj=datetime.date(2026, 10, 1),
        source="",
        service_area=enums.ServiceArea.COMMUNES,
    )
    full.service_area_communes.set([marne.reims, marne.chalons])
    ChannelFactory(venue=full, kind="phone", value="+33353010203", position=0)
    ChannelFactory(venue=full, kind="phone", value="+3225551234", position=1)  # Belgian: not in the standard
    ChannelFactory(venue=full, sms=True, label="Accueil", availability="mardi 14h-17h")
    ChannelFactory(venue=full, email=True)
    ChannelFactory(venue=full, website=True)
    ChannelFactory(venue=full, facebook=True)
    ChannelFactory(venue=full, whatsapp=True)
    ChannelFactory(venue=full, signage=True)
    ChannelFactory(venue=full, in_person=True)
    ClosurePeriodFactory(venue=full)
    bare = VenueFactory(
        name="Point numérique de Châlons",
        structure=None,
        commune=marne.chalons,
        postal_code="51000",
        latitude=None,
        longitude=None,
        opening_hours="",
        external_id="pn-chalons",
        source="Conseil départemental de la Marne",
    )
    closed = VenueFactory(commune=marne.reims, postal_code="51100", closed_for_good=True, name="Ancien local")
    return full, bare, closed


def test_export_of_the_official_example_is_valid(marne, tmp_path):
    assert import_file(standard.EXAMPLE_PATH).ok
    path = export(tmp_path)

    report, errors = validate(path, standard.SCHEMA_PATH)

    assert report.valid, errors
    rows = csv_rows(path)
    assert list(rows[0]) == list(standard.FIELDS)
    assert rows[0]["site_web"] == ("https://www.laquincaillerie.tl/|https://www.facebook.com/laquincaillerienumerique/")
    assert rows[0]["telephone"] == "+33180059880"
    assert rows[0]["code_insee"] == "51454"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_of_rich_data_is_valid_against_the_official_schema(marne, tmp_path, fmt):
    full, bare, closed = rich_venues(marne)
    path = export(tmp_path, fmt=fmt)

    report, errors = validate(path, standard.SCHEMA_PATH)

    assert report.valid, errors
    rows = csv_rows(path) if fmt == "csv" else json.loads(path.read_text())
    by_name = {r["nom"]: r for r in rows}
    # The standard cannot say "closed": venues closed for good are left out.
    assert set(by_name) == {full.name, bare.name}
    row = by_name[full.name]
    assert row["id"] == full.slug
    assert row["source"] == "Gardez le lien"
    assert row["telephone"] == "+33353010203"
    assert row["courriels"] == "contact@exemple.fr"
    assert row["site_web"] == "https://www.exemple.fr/|https://www.facebook.com/groups/exemple"
    assert row["prise_rdv"] == "https://www.rdv-solidarites.fr/lieux/patio"
    assert row["formations_labels"] == "Étapes numériques(La Poste)|ORDI 3.0"
    assert by_name[bare.name]["id"] == "pn-chalons"
    if fmt == "json":
        assert row["latitude"] == 49.2535
        assert by_name[bare.name]["latitude"] is None


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_rich_export_is_valid_against_its_own_schema(marne, tmp_path, fmt):
    full, bare, closed = rich_venues(marne)
    path = export(tmp_path, fmt=fmt, profile="rich")

    report, errors = validate(path, standard.RICH_SCHEMA_PATH)

    assert report.valid, errors
    rows = csv_rows(path) if fmt == "csv" else json.loads(path.read_text())
    by_slug = {r["slug"]: r for r in rows}
    assert by_slug[closed.slug]["statut"] == "permanently_closed"
    row = by_slug[full.slug]
    assert row["statut"] == "temporarily_closed"
    channels = json.loads(row["canaux"]) if fmt == "csv" else row["canaux"]
    assert [c["scenario"] for c in channels] == sorted(c["scenario"] for c in channels)
    sms = next(c for c in channels if c["type"] == "sms")
    assert sms == {
        "type": "sms",
        "valeur": "+33639980000",
        "lien": "sms:+33639980000",
        "intitule": "Accueil",
        "disponibilite": "mardi 14h-17h",
        "scenario": 2,
        "champ_standard": "",
    }
    assert next(c for c in channels if c["type"] == "signage")["lien"] == ""
    closures = json.loads(row["fermetures"]) if fmt == "csv" else row["fermetures"]
    assert closures[0]["motif"] == "works"
    area = json.loads(row["communes_desservies"]) if fmt == "csv" else row["communes_desservies"]
    assert area == ["51108", "51454"]


def test_rich_schema_repeats_the_standard_unchanged():
    rich = json.loads(standard.RICH_SCHEMA_PATH.read_text(encoding="utf-8"))
    official = standard.schema()["fields"]
    head = rich["fields"][: len(official)]
    for mine, theirs in zip(head, official, strict=True):
        theirs = {**theirs, "constraints": {k: v for k, v in theirs["constraints"].items() if k != "unique"}}
        assert mine == theirs
    assert [f["name"] for f in rich["fields"]] == list(exporter.RICH_FIELDS)


def _wipe():
    Channel.objects.all().delete()
    ClosurePeriod.objects.all().delete()
    Venue.objects.all().delete()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_round_trip_gives_the_same_file(marne, tmp_path, fmt):
    rich_venues(marne)
    assert import_file(standard.EXAMPLE_PATH).ok
    first = export(tmp_path, fmt=fmt, name=f"first.{fmt}")

    _wipe()
    report = import_file(first)
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == 3
    second = export(tmp_path, fmt=fmt, name=f"second.{fmt}")

    _wipe()
    assert import_file(second).ok
    third = export(tmp_path, fmt=fmt, name=f"third.{fmt}")

    assert second.read_bytes() == first.read_bytes()
    assert third.read_bytes() == first.read_bytes()
    # And re-importing the export on top of itself changes nothing.
    again = import_file(third)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_round_trip_of_a_generated_file(marne, tmp_path):
    """Many rows with varied values: the import of an export exports to the same bytes."""
    vocab = [v for v in standard.VOCABULARIES if v.column != "typologie"]
    rows = []
    for n in range(60):
        row = dict.fromkeys(standard.FIELDS, "")
        row.update(
            id=f"gen-{n:03d}",
            pivot=f"{21510000000000 + n}",
            nom=f"Lieu généré n°{n}, « test »",
            commune="Reims" if n % 2 else "Châlons-en-Champagne",
            code_postal="51100" if n % 2 else "51000",
            code_insee=("51454" if n % 2 else "51108") if n % 3 else "",
            adresse=f"{n} rue du Test",
            latitude=f"{49 + n / 1000:.5f}" if n % 4 else "",
            longitude=f"{4 + n / 997:.6f}" if n % 4 else "",
            typologie="|".join(list(enums.Typologie.values)[n % 20 : n % 20 + 2]),
            telephone=f"03 53 01 {n:02d} {n:02d}" if n % 5 else "",
            courriels=f"lieu{n}@exemple.fr|contact{n}@Exemple.FR" if n % 2 else "",
            site_web=f"https://exemple.fr/{n}|https://m.facebook.com/lieu{n}" if n % 3 else "",
            horaires="Mo-Fr 09:00-12:00" if n % 2 else "",
            presentation_resume=f"Résumé {n}",
            source="Générateur" if n % 7 else "",
            date_maj=f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            prise_rdv=f"https://rdv.exemple.fr/{n}" if n % 6 == 0 else "",
        )
        for i, vocabulary in enumerate(vocab):
            values = list(vocabulary.choices.values)
            row[vocabulary.column] = "|".join(values[(n + i) % len(values) :][:2])
        rows.append(row)
    source = tmp_path / "generated.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, standard.FIELDS, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)

    report = import_file(source)
    assert report.ok, [str(e) for e in report.errors[:5]]
    first = export(tmp_path, name="first.csv")
    assert validate(first, standard.SCHEMA_PATH)[0].valid
    _wipe()
    assert import_file(first).ok
    second = export(tmp_path, name="second.csv")
    assert second.read_bytes() == first.read_bytes()


def test_export_streams_with_a_constant_number_of_queries(marne):
    for _ in range(3):
        ChannelFactory(venue=VenueFactory(commune=marne.reims, postal_code="51100"))

    def count():
        with CaptureQueriesContext(connection) as queries:
            list(exporter.stream("csv", "rich"))
        return len(queries)

    few = count()
    for _ in range(10):
        venue = VenueFactory(commune=marne.chalons, postal_code="51000")
        ChannelFactory(venue=venue)
        ClosurePeriodFactory(venue=venue)
    assert count() == few


# --- public downloads -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["lieux.csv", "lieux.json", "lieux-enrichis.csv", "lieux-enrichis.json"])
def test_public_download_streams_the_export(client, marne, name):
    VenueFactory(commune=marne.reims, postal_code="51100", name="Lieu public")
    response = client.get(f"/open-data/{name}", HTTP_ORIGIN="https://ailleurs.example")

    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert "Lieu public" in body
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in response["Cache-Control"]

    again = client.get(f"/open-data/{name}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304

    VenueFactory(commune=marne.reims, postal_code="51100")  # any write changes the tag
    assert client.get(f"/open-data/{name}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


def test_public_download_matches_the_command(client, marne, tmp_path):
    rich_venues(marne)
    body = b"".join(client.get("/open-data/lieux.csv").streaming_content)
    assert body == export(tmp_path).read_bytes()


def test_unknown_download_is_404_and_schemas_are_served(client, db):
    assert client.get("/open-data/lieux.xlsx").status_code == 404
    assert client.post("/open-data/lieux.csv").status_code == 405
    response = client.get("/open-data/schemas/schema.json")
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content))["version"] == "v1.0.2"
    response = client.get("/open-data/schemas/gardez-le-lien-lieux.schema.json")
    assert response.status_code == 200
    response.close()  # a FileResponse holds the file open until it is read or closed


def test_export_command_writes_to_stdout(marne):
    VenueFactory(commune=marne.reims, postal_code="51100", verified_at=timezone.now())
    out = io.StringIO()
    call_command("export_lieux", format="json", stdout=out)
    assert json.loads(out.getvalue())[0]["code_insee"] == "51454"


def test_reimporting_an_export_into_the_same_database_changes_nothing(marne, tmp_path):
    """Venues entered here are exported under their slug: importing the file back matches them
    instead of creating copies."""
    full, bare, closed = rich_venues(marne)
    assert import_file(standard.EXAMPLE_PATH).ok
    count = Venue.objects.count()

    report = import_file(export(tmp_path))

    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert Venue.objects.count() == count
    full.refresh_from_db()
    assert (full.external_id, full.source) == ("", "")
