"""The national France Services list, recognised from its header and read as venues."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from directory import enums
from directory.hours import parse as parse_hours
from directory.models import Venue
from directory.opendata import exporter, france_services
from directory.opendata.importer import import_file

FIXTURE = Path(__file__).parent / "data" / "france_services_marne.csv"


@pytest.fixture
def marne(db):
    call_command("load_territories", departements="51", no_progress=True, verbosity=0)


def fixture_rows() -> tuple[list[str], list[dict]]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        return list(reader.fieldnames), list(reader)


def write(path: Path, header, rows) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, expected",
    [
        ("09:00 - 12:00 / 13:30 - 17:00", ["09:00-12:00", "13:30-17:00"]),
        ("9h-12h", ["09:00-12:00"]),
        ("9h30 à 12h / 14h - 17h30", ["09:30-12:00", "14:00-17:30"]),
        ("08:30-12:00, 13:30-17:00", ["08:30-12:00", "13:30-17:00"]),
        ("", []),
        ("Fermé", []),
        ("FERMEE", []),
        ("sur rendez-vous", None),
        ("12:00 - 09:00", None),
        ("25h-26h", None),
        ("09:00 - 12:60", None),
    ],
)
def test_day_hours_are_read(text, expected):
    assert france_services.day_ranges(text) == expected


def test_days_with_the_same_hours_are_grouped_into_valid_osm_hours():
    header, rows = fixture_rows()
    hours, unreadable = france_services.opening_hours(rows[0])
    assert hours == "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"
    assert unreadable == []
    hours, _ = france_services.opening_hours(rows[1])
    assert hours == "Mo-Tu 09:00-12:00,14:00-17:30; Th-Fr 09:00-12:00,14:00-17:30"
    assert parse_hours(hours) is not None
    assert france_services.opening_hours({}) == ("", [])


def test_the_list_is_imported_as_venues(marne, tmp_path):
    rejects = tmp_path / "rejets.csv"

    report = import_file(FIXTURE, skip_invalid=True, rejects=rejects)

    assert report.version == "france-services"
    assert (report.created, report.rejected) == (6, 1)
    orgeval = Venue.objects.get(source="France Services", external_id="FS-51-0001")
    assert orgeval.name == "France services Reims Orgeval"
    assert orgeval.commune_id == "51454" and orgeval.postal_code == "51100"
    assert (orgeval.latitude, orgeval.longitude) == (49.2731, 4.0223)  # decimal commas read
    assert orgeval.opening_hours == "Mo-Fr 09:00-12:00,13:30-17:00; Sa 09:00-12:00"
    assert orgeval.dispositifs == [enums.Dispositif.FRANCE_SERVICES]
    assert orgeval.typologie == [enums.Typologie.RFS]
    assert orgeval.itinerance == [enums.Itinerance.FIXE]
    assert orgeval.pivot == france_services.UNKNOWN_PIVOT
    assert orgeval.staff_comment == "Permanence CAF le mardi matin sur rendez-vous"
    assert orgeval.date_maj == datetime.date.today()
    channels = {(c.kind, c.value) for c in orgeval.channels.all()}
    assert channels == {("phone", "+33353015101"), ("email", "france-services.orgeval@exemple.fr")}

    bus = Venue.objects.get(external_id="FS-51-0003")
    assert bus.itinerance == [enums.Itinerance.ITINERANT]  # a mobile venue, as the model says it
    vitry = Venue.objects.get(external_id="FS-51-0005")
    assert sorted(vitry.channels.filter(kind="phone").values_list("value", flat=True)) == [
        "+33353015105",
        "+33353015115",
    ]
    menehould = Venue.objects.get(external_id="FS-51-0006")
    assert menehould.opening_hours == ""  # unreadable: dropped, with a warning
    warnings = [str(w) for w in report.warnings]
    assert any("Ligne 7, champ h_lundi" in w and "horaires illisibles" in w for w in warnings)
    assert any("pas de SIRET" in w for w in warnings)
    refused = rejects.read_text(encoding="utf-8-sig")
    assert refused.splitlines()[0].startswith('"ligne_origine";"motifs_refus";"id_fs";"insee_dep"')
    assert '"8";"champ mail' not in refused  # the column of the standard is named
    assert '"8";"champ courriels, valeur « accueil@ »' in refused


def test_a_newer_list_updates_in_place(marne, tmp_path):
    import_file(FIXTURE, skip_invalid=True)
    before = dict(Venue.objects.values_list("external_id", "pk"))
    dates = dict(Venue.objects.values_list("external_id", "date_maj"))
    Venue.objects.update(date_maj=datetime.date(2026, 1, 1))  # as if imported long ago
    header, rows = fixture_rows()
    rows[0]["h_samedi"] = "Fermé"
    rows[1]["lib_fs"] = "France services Épernay centre"
    rows[2]["commentaire"] = "Nouvelle tournée"
    rows[6]["mail"] = "accueil@exemple.fr"  # fixed: now created

    report = import_file(write(tmp_path / "fs-2.csv", header, rows))

    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated, report.unchanged) == (1, 3, 3)
    after = dict(Venue.objects.values_list("external_id", "pk"))
    assert {k: after[k] for k in before} == before  # same venues, same addresses
    orgeval = Venue.objects.get(external_id="FS-51-0001")
    assert orgeval.opening_hours == "Mo-Fr 09:00-12:00,13:30-17:00"
    assert orgeval.date_maj == datetime.date.today()  # changed: dated today
    assert Venue.objects.get(external_id="FS-51-0004").date_maj == datetime.date(2026, 1, 1)  # unchanged
    assert Venue.objects.get(external_id="FS-51-0003").staff_comment == "Nouvelle tournée"
    assert dates  # the first import dated every venue


def test_staff_comment_is_never_published_nor_cleared_by_a_standard_file(marne, client, tmp_path):
    import_file(FIXTURE, skip_invalid=True)
    venue = Venue.objects.get(external_id="FS-51-0001")
    exported = "".join(exporter.stream("csv", "rich")) + "".join(exporter.stream("json", "rich"))
    assert "Permanence CAF" not in exported
    assert "Permanence CAF" not in client.get(venue.get_absolute_url()).content.decode()
    assert "Permanence CAF" not in client.get(f"/api/v1/lieux/{venue.slug}/").content.decode()

    # The standard export of these venues, imported again: the comment stays.
    standard_file = tmp_path / "lieux.csv"
    standard_file.write_text("".join(exporter.stream("csv", "standard")), encoding="utf-8")
    report = import_file(standard_file)
    assert report.ok
    # The standard carries one phone number: Vitry's second one is the only change.
    assert list(Venue.objects.filter(version__gt=1).values_list("external_id", flat=True)) == ["FS-51-0005"]
    venue.refresh_from_db()
    assert venue.staff_comment == "Permanence CAF le mardi matin sur rendez-vous"


def test_a_siret_column_gives_the_pivot():
    row = {"id_fs": "1", "lib_fs": "x", "siret": "130 025 265 00013", "insee_com": "1053", "code_postal": "1000"}
    warnings = []
    out = france_services.translate(row, warn=lambda *a: warnings.append(a), error=lambda *a: None)
    assert out["pivot"] == "13002526500013"
    # Codes pass unchanged: the importer's commune resolution puts a lost leading zero back.
    assert (out["code_insee"], out["code_postal"]) == ("1053", "1000")
    assert warnings == []


def test_an_unknown_itinerance_value_is_an_error():
    errors = []
    france_services.translate({"itinerance": "peut-être"}, warn=lambda *a: None, error=lambda *a: errors.append(a))
    assert errors and errors[0][0] == "itinerance"


def test_the_command_recognises_the_list(marne):
    out = io.StringIO()
    call_command("import_lieux", str(FIXTURE), "--skip-invalid", no_progress=True, stdout=out, stderr=io.StringIO())
    assert "6 lignes importées : 6 lieux créés" in out.getvalue()


def test_the_validator_recognises_the_list(marne, client, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    response = client.post(
        "/open-data/valider/", {"file": SimpleUploadedFile("fs.csv", FIXTURE.read_bytes(), "text/csv")}
    )
    page = response.content.decode()
    assert "6 lignes valides et 1 lignes refusées (liste France Services)" in page
    assert Venue.objects.count() == 0


def test_a_missing_required_column_refuses_the_file(marne, tmp_path):
    header, rows = fixture_rows()
    header.remove("lib_com")
    for row in rows:
        del row["lib_com"]
    report = import_file(write(tmp_path / "fs.csv", header, rows), skip_invalid=True)
    assert report.aborted and "colonne obligatoire absente" in str(report.errors[0])
    assert Venue.objects.count() == 0


def test_rows_written_outside_the_orm_get_an_empty_staff_comment(db):
    """Bulk loaders (COPY with their own column list, as bench/build_dataset.py) do not name
    the column: the database fills it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_default FROM information_schema.columns "
            "WHERE column_name = 'staff_comment' ORDER BY table_name"
        )
        assert cursor.fetchall() == [
            ("directory_historicalvenue", "''::text"),
            ("directory_venue", "''::text"),
        ]
