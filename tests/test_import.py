"""Import of « Lieux de médiation numérique » files: command, validation, matching, rights."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory import enums
from directory.models import Channel, Venue
from directory.opendata import standard
from directory.opendata.importer import import_file
from tests.factories import DepartementStaffFactory, UserFactory, VenueFactory, build_marne

EXAMPLE = standard.EXAMPLE_PATH
EXAMPLE_V0 = standard.EXAMPLE_V0_PATH


@pytest.fixture
def marne(db):
    """Two real communes of the Marne (the official example is in Reims, 51454)."""
    return build_marne()


def example_row() -> dict:
    with EXAMPLE.open(encoding="utf-8") as handle:
        return next(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict], delimiter=",", header=None, encoding="utf-8") -> Path:
    header = header or list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def snapshot():
    """Everything an import may touch, to prove a refused file left the database unchanged."""
    return (
        sorted(Venue.objects.values_list("pk", "name", "version", "postal_code", "date_maj")),
        sorted(Channel.objects.values_list("pk", "kind", "value")),
    )


def test_it_imports_the_official_example(marne):
    report = import_file(EXAMPLE)

    assert report.ok, [str(e) for e in report.errors]
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    venue = Venue.objects.get()
    assert venue.external_id == "structure-1"
    assert venue.source == "Hubik"
    assert venue.commune_id == "51454"
    assert venue.postal_code == "51100"
    assert venue.typologie == ["TIERS_LIEUX", "ASSO"]
    assert venue.publics == ["Jeunes", "Femmes"]
    assert venue.formations_labels == ["Formé à « Mon Espace Santé »", "Arnia/MedNum BFC (Bourgogne-Franche-Comté)"]
    assert venue.latitude == 43.52609
    assert venue.date_maj.isoformat() == "2024-04-02"
    assert venue.slug == "anonymal-reims"
    assert "reims" in venue.search_text
    channels = [(c.standard_field, c.kind, c.value, c.scenario) for c in venue.channels.order_by("position", "pk")]
    assert ("telephone", "phone", "+33180059880", 2) in channels
    assert ("courriels", "email", "contact@laquincaillerie.tl", 3) in channels
    assert ("courriels", "email", "responsable@laquincaillerie.tl", 3) in channels
    assert ("site_web", "website", "https://www.laquincaillerie.tl/", 3) in channels
    # The Facebook address of ``site_web`` becomes a Facebook channel, in its canonical form.
    assert ("site_web", "facebook", "https://www.facebook.com/laquincaillerienumerique/", 3) in channels
    assert ("prise_rdv", "website", "https://www.rdv-solidarites.fr/", 3) in channels
    assert venue.history.count() == 1


def test_the_official_example_imports_with_the_real_territories(db):
    call_command("load_territories", departements="51", no_progress=True, verbosity=0)
    assert import_file(EXAMPLE).ok
    assert Venue.objects.get().commune.name == "Reims"


def test_the_command_reports_and_writes(marne):
    out = io.StringIO()
    call_command("import_lieux", str(EXAMPLE), no_progress=True, stdout=out)
    assert "1 lieux créés" in out.getvalue()
    assert Venue.objects.count() == 1


def test_dry_run_counts_and_writes_nothing(marne):
    out = io.StringIO()
    call_command("import_lieux", str(EXAMPLE), "--dry-run", no_progress=True, stdout=out)
    assert "1 lieux seraient créés, 0 mis à jour, 0 inchangés" in out.getvalue()
    assert Venue.objects.count() == 0

    import_file(EXAMPLE)
    report = import_file(EXAMPLE, dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)


def test_reimport_updates_instead_of_duplicating(marne, tmp_path):
    import_file(EXAMPLE)
    venue = Venue.objects.get()
    extra = Channel.objects.create(venue=venue, kind=enums.ChannelKind.SMS, value="+33639980001")

    again = import_file(EXAMPLE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)

    row = example_row()
    row.update(nom="Anonymal renommé", telephone="+33353010000", courriels="accueil@exemple.fr")
    report = import_file(write_csv(tmp_path / "maj.csv", [row]))

    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    venue = Venue.objects.get()
    assert venue.name == "Anonymal renommé"
    assert venue.version == 2
    assert venue.slug == "anonymal-reims"  # a stable address, even after a rename
    assert set(venue.channels.filter(standard_field="courriels").values_list("value", flat=True)) == {
        "accueil@exemple.fr"
    }
    assert venue.channels.get(kind="phone").value == "+33353010000"
    # A channel added here (not from the standard) survives the re-import.
    assert Channel.objects.filter(pk=extra.pk).exists()


def test_same_id_from_another_source_is_another_venue(marne, tmp_path):
    import_file(EXAMPLE)
    row = example_row()
    row["source"] = "Autre source"
    report = import_file(write_csv(tmp_path / "autre.csv", [row]))
    assert report.created == 1
    assert Venue.objects.count() == 2
    assert Venue.objects.filter(slug="anonymal-reims-2").exists()


def test_semicolon_and_bom_are_read(marne, tmp_path):
    path = write_csv(tmp_path / "pv.csv", [example_row()], delimiter=";", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = import_file(path)
    assert report.ok, [str(e) for e in report.errors]
    assert Venue.objects.get().name == "Anonymal"


@pytest.mark.parametrize("wrap", [False, True])
def test_json_is_read(marne, tmp_path, wrap):
    row = example_row()
    row["latitude"], row["longitude"] = 49.2535, 4.0551
    row["services"] = row["services"].split("|")
    data = {"data": [row]} if wrap else [row]
    path = tmp_path / "lieux.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = import_file(path)
    assert report.ok, [str(e) for e in report.errors]
    venue = Venue.objects.get()
    assert venue.latitude == 49.2535
    assert venue.services == ["Maîtrise des outils numériques du quotidien", *venue.services[1:]]
    assert len(venue.services) == 3


def test_commune_is_resolved_from_postal_code_and_name(marne, tmp_path):
    row = example_row()
    row.update(code_insee="", commune="Chalons en Champagne", code_postal="51000")
    report = import_file(write_csv(tmp_path / "cp.csv", [row]))
    assert report.ok, [str(e) for e in report.errors]
    assert Venue.objects.get().commune_id == "51108"


def test_v0_file_is_mapped(marne):
    report = import_file(EXAMPLE_V0)

    assert report.ok, [str(e) for e in report.errors]
    assert report.version == "0.1"
    venue = Venue.objects.get()
    assert venue.services == ["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"]
    assert venue.publics == ["Familles et/ou enfants"]
    assert venue.prise_en_charge == ["Déficience visuelle"]
    assert venue.frais == ["Payant"]
    assert venue.dispositifs == ["France Services", "Point d'accès numérique CAF"]
    assert venue.autres_formations_labels == "SudLabs;Nièvre médiation numérique"
    assert venue.modalites_accompagnement == ["En autonomie", "Accompagnement individuel"]
    assert venue.fiche_acces_libre.startswith("https://acceslibre.beta.gouv.fr/")
    assert venue.channels.filter(kind="facebook").count() == 1
    warned = {(w.column, w.value) for w in report.warnings}
    assert ("publics_accueillis", "Adultes") in warned
    assert ("labels_nationaux", "APTIC") in warned
    assert ("cle_ban", "13001_3079_00001") in warned


# --- malformed files: one message each, database unchanged ----------------------------------


def _bad(**changes):
    def build(tmp_path):
        row = example_row()
        row.update(changes)
        return write_csv(tmp_path / "bad.csv", [row])

    return build


def _duplicate_id(tmp_path):
    first, second = example_row(), example_row()
    second["nom"] = "Autre lieu"
    return write_csv(tmp_path / "dup.csv", [first, second])


def _latin1(tmp_path):
    return _write_bytes(tmp_path / "latin1.csv", _csv_text([example_row()]).encode("cp1252", errors="replace"))


def _csv_text(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]), quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


def _extra_column(tmp_path):
    row = example_row()
    row["couleur_preferee"] = "bleu"
    return write_csv(tmp_path / "extra.csv", [row])


def _missing_column(tmp_path):
    row = example_row()
    del row["pivot"]
    return write_csv(tmp_path / "nopivot.csv", [row])


MALFORMED = {
    "missing required field": (_bad(nom=""), "Ligne 2, champ nom : champ obligatoire vide"),
    "missing required column": (_missing_column, "Ligne 1, champ pivot : colonne obligatoire absente"),
    "bad postal code": (
        _bad(code_postal="511"),
        "Ligne 2, champ code_postal, valeur « 511 » : le code postal doit comporter 5 chiffres",
    ),
    "postal code of another département": (
        _bad(code_postal="75001"),
        "Ligne 2, champ code_postal, valeur « 75001 » : le code postal est celui du département 75, "
        "le code INSEE 51454 celui de Reims (51454) (département 51) : corrigez l'un des deux",
    ),
    "bad INSEE code": (_bad(code_insee="5A454"), "Ligne 2, champ code_insee, valeur « 5A454 » : code INSEE invalide"),
    "unknown INSEE code": (
        _bad(code_insee="51999", code_postal="51999", commune="Nulle-Part"),
        "champ commune, valeur « Nulle-Part » : aucune commune « Nulle-Part » avec le code postal 51999 "
        "ni dans le département 51 ; indiquez le code INSEE",
    ),
    "unknown vocabulary value": (
        _bad(services="Aide aux démarches administratives|Cours de cuisine"),
        "Ligne 2, champ services, valeur « Cours de cuisine » : valeur inconnue du vocabulaire du standard",
    ),
    "bad date": (
        _bad(date_maj="2 avril 2024"),
        "Ligne 2, champ date_maj, valeur « 2 avril 2024 » : date invalide (format attendu : AAAA-MM-JJ)",
    ),
    "impossible date": (_bad(date_maj="2024-02-30"), "champ date_maj, valeur « 2024-02-30 » : date invalide"),
    "bad latitude": (_bad(latitude="91.5"), "Ligne 2, champ latitude, valeur « 91.5 » : doit être comprise entre"),
    "coordinates not a number": (
        _bad(longitude="4,03"),
        "Ligne 2, champ longitude, valeur « 4,03 » : nombre attendu, avec un point décimal",
    ),
    "latitude without longitude": (_bad(longitude=""), "champ latitude : indiquez la latitude et la longitude"),
    "bad pivot": (_bad(pivot="123"), "Ligne 2, champ pivot, valeur « 123 » : le pivot doit être un SIRET"),
    "bad e-mail": (_bad(courriels="pas-un-mail"), "Ligne 2, champ courriels, valeur « pas-un-mail » :"),
    "bad phone": (_bad(telephone="12"), "Ligne 2, champ telephone, valeur « 12 » :"),
    "bad hours": (_bad(horaires="le matin"), "Ligne 2, champ horaires, valeur « le matin » : horaires illisibles"),
    "summary too long": (_bad(presentation_resume="x" * 281), "champ presentation_resume, valeur « xxx"),
    "duplicate id": (_duplicate_id, "Ligne 3, champ id, valeur « structure-1 » : identifiant déjà utilisé ligne 2"),
    "wrong encoding": (_latin1, "Le fichier n'est pas encodé en UTF-8"),
    "empty file": (lambda p: _write_bytes(p / "vide.csv", b""), "Fichier : Le fichier est vide."),
    "header only": (
        lambda p: _write_bytes(p / "entete.csv", EXAMPLE.read_bytes().split(b"\n")[0] + b"\n"),
        "aucun lieu",
    ),
    "extra columns": (
        _extra_column,
        "Ligne 1, champ couleur_preferee : colonne inconnue du standard",
    ),
    "row wider than header": (
        lambda p: _write_bytes(p / "large.csv", EXAMPLE.read_bytes().rstrip(b"\n") + b',"en trop"\n'),
        "Ligne 2 : 33 valeurs pour 32 colonnes",
    ),
    "JSON unknown key": (
        lambda p: _write_bytes(p / "x.json", json.dumps([{**example_row(), "couleur": "bleu"}]).encode()),
        "Fichier, champ couleur : colonne inconnue du standard",
    ),
    "JSON bad value": (
        lambda p: _write_bytes(p / "x.json", json.dumps([{**example_row(), "latitude": "nord"}]).encode()),
        "Enregistrement 1, champ latitude, valeur « nord » : nombre attendu",
    ),
    "JSON not a list": (
        lambda p: _write_bytes(p / "x.json", b'{"lieux": 1}'),
        "Le JSON doit être une liste d'objets",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_file_gives_its_message_and_changes_nothing(marne, tmp_path, case):
    existing = VenueFactory(commune_id="51108", postal_code="51000", external_id="structure-1", source="Hubik")
    before = snapshot()
    build, message = MALFORMED[case]

    report = import_file(build(tmp_path))

    messages = [str(p) for p in report.errors]
    assert any(message in m for m in messages), messages
    assert not report.written
    assert snapshot() == before
    assert Venue.objects.get().pk == existing.pk


def test_every_problem_is_listed_not_only_the_first(marne, tmp_path):
    rows = [example_row() for _ in range(3)]
    rows[0].update(code_postal="abc")
    rows[1].update(id="b", date_maj="hier", nom="")
    rows[2].update(id="c", services="Inconnu")
    report = import_file(write_csv(tmp_path / "many.csv", rows))
    lines = [(p.line, p.column) for p in report.errors]
    assert (2, "code_postal") in lines
    assert (3, "date_maj") in lines
    assert (3, "nom") in lines
    assert (4, "services") in lines


def test_command_prints_one_line_per_problem_and_fails(marne, tmp_path):
    path = _bad(code_postal="5110", date_maj="demain")(tmp_path)
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problème"):
        call_command("import_lieux", str(path), no_progress=True, stderr=err)
    assert "Ligne 2, champ code_postal, valeur « 5110 »" in err.getvalue()
    assert "Ligne 2, champ date_maj, valeur « demain »" in err.getvalue()
    assert Venue.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_before_reading(marne, tmp_path, settings):
    path = tmp_path / "enorme.csv"
    with path.open("wb") as handle:
        handle.write(EXAMPLE.read_bytes())
        handle.truncate(settings.IMPORT_MAX_BYTES + 1)  # 50 MB and one byte, sparse on disk
    report = import_file(path)
    assert [str(p) for p in report.errors] == [
        "Fichier : Le fichier pèse 52.4 Mo : la limite est de 52 Mo. Découpez-le en plusieurs fichiers."
    ]
    assert Venue.objects.count() == 0


# --- rights of the person importing ---------------------------------------------------------


def test_departement_staff_imports_in_their_departement_only(marne, tmp_path):
    marne_staff = DepartementStaffFactory(departement_id="51").user
    assert import_file(EXAMPLE, user=marne_staff).ok
    assert Venue.objects.get().history.get().history_user == marne_staff

    nord_staff = DepartementStaffFactory(departement__code="59").user
    row = example_row()
    row.update(id="structure-2")
    report = import_file(write_csv(tmp_path / "autre.csv", [row]), user=nord_staff)
    assert [str(p) for p in report.errors] == [
        "Ligne 2, champ code_insee, valeur « 51454 » : vous ne pouvez importer que des lieux de vos départements"
    ]
    assert Venue.objects.count() == 1


def test_staff_cannot_move_a_venue_out_of_another_departement(marne, tmp_path):
    chalons_staff = DepartementStaffFactory(departement_id="51").user
    VenueFactory(external_id="structure-1", source="Hubik")  # in the Nord
    report = import_file(EXAMPLE, user=chalons_staff)
    assert any("ce lieu existe déjà dans un département où vous n'avez pas de droits" in str(p) for p in report.errors)


def test_user_without_departement_imports_nothing(marne):
    report = import_file(EXAMPLE, user=UserFactory(is_superuser=False))
    assert not report.ok
    assert Venue.objects.count() == 0


def test_superuser_imports_anywhere(marne):
    assert import_file(EXAMPLE, user=UserFactory(is_superuser=True)).ok


# --- staff upload (two steps: check, then confirm) ------------------------------------------

IMPORT_URL = "/gestion/import/"


def _upload(client, content: bytes, name="lieux.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(IMPORT_URL, {"step": "upload", "file": SimpleUploadedFile(name, content, "text/csv")})


def test_upload_checks_then_confirm_imports(client, marne):
    staff = DepartementStaffFactory(departement_id="51").user
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 200

    checked = _upload(client, EXAMPLE.read_bytes())

    assert checked.status_code == 200
    page = checked.content.decode()
    assert "1 lignes valides (standard v1.0.2) : 1 lieux seraient créés, 0 mis à jour, 0 inchangés" in page
    assert "Confirmer l’import" in page
    assert Venue.objects.count() == 0
    token = checked.context["token"]

    done = client.post(IMPORT_URL, {"step": "confirm", "token": token})

    assert "1 lignes importées : 1 lieux créés" in done.content.decode()
    assert Venue.objects.get().history.get().history_user == staff
    # The kept file is gone: confirming twice imports nothing more.
    again = client.post(IMPORT_URL, {"step": "confirm", "token": token})
    assert "n'est plus disponible" in again.content.decode()
    assert Venue.objects.count() == 1


def test_upload_with_errors_shows_them_and_offers_no_confirmation(client, marne, tmp_path):
    client.force_login(UserFactory(is_superuser=True))
    content = _bad(code_postal="511")(tmp_path).read_bytes()

    response = _upload(client, content)

    page = response.content.decode()
    assert "Ligne 2, champ code_postal, valeur « 511 » : le code postal doit comporter 5 chiffres" in page
    assert "Confirmer l’import" not in page
    assert Venue.objects.count() == 0


def test_upload_refuses_rows_outside_the_staff_departements(client, marne):
    client.force_login(DepartementStaffFactory(departement__code="59").user)
    page = _upload(client, EXAMPLE.read_bytes()).content.decode()
    assert "vous ne pouvez importer que des lieux de vos départements" in page
    assert Venue.objects.count() == 0


def test_upload_over_the_size_limit_is_refused(client, marne, settings):
    settings.IMPORT_MAX_BYTES = 100
    client.force_login(UserFactory(is_superuser=True))
    response = _upload(client, EXAMPLE.read_bytes())
    assert "la limite est de" in response.content.decode()
    assert "token" not in response.context or not response.context["token"]
    assert Venue.objects.count() == 0


def test_confirm_only_accepts_tokens_of_the_session(client, marne):
    superuser = UserFactory(is_superuser=True)
    client.force_login(superuser)
    token = _upload(client, EXAMPLE.read_bytes()).context["token"]

    other = type(client)()
    other.force_login(UserFactory(is_superuser=True))
    assert "n'est plus disponible" in other.post(IMPORT_URL, {"step": "confirm", "token": token}).content.decode()
    forged = client.post(IMPORT_URL, {"step": "confirm", "token": "../../etc/passwd"})
    assert "n'est plus disponible" in forged.content.decode()
    assert Venue.objects.count() == 0


def test_only_superusers_and_departement_staff_may_upload(client, marne):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert "login" in response["Location"]
    client.force_login(UserFactory(is_superuser=False))  # staff of a structure, no département
    assert client.get(IMPORT_URL).status_code == 403
    client.force_login(DepartementStaffFactory(departement_id="51", user__is_staff=False).user)
    assert client.get(IMPORT_URL).status_code == 403


def test_imported_and_updated_venues_carry_their_weekly_hours(marne, tmp_path):
    """The time filters read ``weekly_hours`` / ``holiday_hours``: the importer writes them
    itself (COPY and bulk updates skip ``save()``), exactly as ``save()`` would."""
    from directory import maintenance

    row = example_row()
    row.update(horaires="Mo-Fr 09:00-12:00; PH 10:00-11:00")
    import_file(write_csv(tmp_path / "a.csv", [row]))
    venue = Venue.objects.get()
    assert [(r.lower, r.upper) for r in venue.weekly_hours][:2] == [(540, 720), (1440 + 540, 1440 + 720)]
    assert [(r.lower, r.upper) for r in venue.holiday_hours] == [(600, 660)]
    assert maintenance.refresh_weekly_hours() == 0  # nothing left for the nightly job

    row.update(horaires="Sa 14:00-18:00")
    report = import_file(write_csv(tmp_path / "b.csv", [row]))
    assert report.updated == 1
    venue.refresh_from_db()
    assert [(r.lower, r.upper) for r in venue.weekly_hours] == [(5 * 1440 + 840, 5 * 1440 + 1080)]
    assert venue.holiday_hours is None
    assert maintenance.refresh_weekly_hours() == 0
    assert Venue.objects.open_at(_a_saturday_at(15)).filter(pk=venue.pk).exists()


def _a_saturday_at(hour: int):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
    return datetime.datetime.combine(saturday, datetime.time(hour))
