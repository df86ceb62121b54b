"""Partial import (``--skip-invalid``), the rejects file (``--rejects``), and the importer's
robustness on hostile files (issue 17, findings 9 and 10)."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from directory import coverage
from directory.cache import data_version
from directory.models import Channel, Venue
from directory.opendata import exporter
from directory.opendata.importer import import_file
from directory.opendata.reading import REJECT_COLUMNS
from directory.opendata.validation import MAX_LISTED_PROBLEMS
from tests.factories import DepartementFactory, DepartementStaffFactory, UserFactory, build_marne
from tests.test_import import example_row, snapshot, write_csv


@pytest.fixture
def marne(db):
    return build_marne()


def rows(count: int) -> list[dict]:
    out = []
    for n in range(count):
        row = example_row()
        row.update(id=f"lieu-{n}", nom=f"Lieu numéro {n}", telephone=f"+3335301{n:04d}")
        out.append(row)
    return out


def read_rejects(path: Path) -> tuple[bytes, list[dict]]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    return raw, list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_skip_invalid_imports_the_valid_rows_and_rejects_the_others(marne, tmp_path):
    data = rows(10)
    data[2]["code_postal"] = "511"  # line 4
    data[5]["date_maj"] = "31/02/2024"  # line 7
    data[8]["id"] = "lieu-1"  # line 10: the later of two rows with one id
    source = write_csv(tmp_path / "lieux.csv", data)
    rejects = tmp_path / "rejets.csv"

    report = import_file(source, skip_invalid=True, rejects=rejects)

    assert report.written and report.partial
    assert (report.rows, report.rejected, report.created) == (7, 3, 7)
    assert set(Venue.objects.values_list("external_id", flat=True)) == {f"lieu-{n}" for n in (0, 1, 3, 4, 6, 7, 9)}
    raw, refused = read_rejects(rejects)
    assert raw.startswith(b"\xef\xbb\xbf")  # so a spreadsheet reads UTF-8
    assert [r["ligne_origine"] for r in refused] == ["4", "7", "10"]
    assert "le code postal doit comporter 5 chiffres" in refused[0]["motifs_refus"]
    assert "date invalide" in refused[1]["motifs_refus"]
    assert "identifiant déjà utilisé ligne 3" in refused[2]["motifs_refus"]
    # The original columns and values, unchanged.
    assert list(refused[0])[2:] == list(data[0])
    assert {k: refused[0][k] for k in data[2]} == data[2]


def test_without_skip_invalid_nothing_is_written_but_rejects_are(marne, tmp_path):
    data = rows(3)
    data[1]["code_postal"] = "511"
    rejects = tmp_path / "rejets.csv"
    before = snapshot()

    report = import_file(write_csv(tmp_path / "lieux.csv", data), rejects=rejects)

    assert not report.ok and not report.written
    assert snapshot() == before
    assert [r["ligne_origine"] for r in read_rejects(rejects)[1]] == ["3"]


def test_a_fixed_rejects_file_imports_again(marne, tmp_path):
    data = rows(4)
    data[3]["code_postal"] = "511"
    rejects = tmp_path / "rejets.csv"
    import_file(write_csv(tmp_path / "lieux.csv", data, delimiter=";"), skip_invalid=True, rejects=rejects)
    assert Venue.objects.count() == 3

    # The person fixes the postal code in a spreadsheet and imports the same file again.
    text = rejects.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith('"ligne_origine";"motifs_refus";"id";')  # the file's own « ; »
    rejects.write_bytes(text.replace('"511"', '"51100"').encode("utf-8-sig"))
    again = tmp_path / "rejets-2.csv"
    report = import_file(rejects, rejects=again)

    assert report.ok, [str(e) for e in report.errors]
    assert report.created == 1 and Venue.objects.count() == 4
    assert read_rejects(again)[1] == []  # header only


def test_rejects_of_a_rejects_file_do_not_repeat_its_columns(marne, tmp_path):
    data = rows(2)
    data[1]["pivot"] = "x"
    first = tmp_path / "rejets.csv"
    import_file(write_csv(tmp_path / "lieux.csv", data), skip_invalid=True, rejects=first)
    second = tmp_path / "rejets-2.csv"
    import_file(first, skip_invalid=True, rejects=second)

    header = read_rejects(second)[1][0].keys()
    assert list(header) == [*REJECT_COLUMNS, *data[0].keys()]


def test_json_rejects_are_a_semicolon_csv(marne, tmp_path):
    data = rows(2)
    data[0]["latitude"] = "nord"
    source = tmp_path / "lieux.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rejects = tmp_path / "rejets.csv"

    report = import_file(source, skip_invalid=True, rejects=rejects)

    assert (report.created, report.rejected) == (1, 1)
    raw, refused = read_rejects(rejects)
    assert raw.decode("utf-8-sig").startswith('"ligne_origine";"motifs_refus";')
    assert refused[0]["ligne_origine"] == "1" and refused[0]["latitude"] == "nord"


def test_rows_refused_for_rights_are_rejected_rows(marne, tmp_path):
    DepartementFactory(code="59", name="Nord")
    agent = UserFactory(is_staff=True)
    DepartementStaffFactory(user=agent, departement=marne.marne)
    data = rows(3)
    data[1].update(code_insee="59350", commune="Lille", code_postal="59000")
    from tests.factories import CommuneFactory

    CommuneFactory(code="59350", name="Lille", departement_id="59", postal_codes=["59000"])
    rejects = tmp_path / "rejets.csv"

    report = import_file(write_csv(tmp_path / "lieux.csv", data), user=agent, skip_invalid=True, rejects=rejects)

    assert (report.created, report.rejected) == (2, 1)
    refused = read_rejects(rejects)[1]
    assert refused[0]["ligne_origine"] == "3"
    assert "vous ne pouvez importer que des lieux de vos départements" in refused[0]["motifs_refus"]


def test_the_first_of_two_rows_with_one_id_wins_even_when_invalid(marne, tmp_path):
    data = rows(2)
    data[1]["id"] = "lieu-0"
    data[0]["code_postal"] = "511"
    report = import_file(write_csv(tmp_path / "lieux.csv", data), skip_invalid=True)
    assert (report.created, report.rejected) == (0, 2)
    assert not report.written and Venue.objects.count() == 0


def test_partial_import_keeps_search_coverage_and_exports_in_step(marne, tmp_path):
    data = rows(10)
    data[4]["pivot"] = "pas-un-pivot"
    version = data_version()

    report = import_file(write_csv(tmp_path / "lieux.csv", data), skip_invalid=True)

    assert report.created == 9
    assert data_version() != version  # cached pages and ETags change
    assert Venue.objects.search("lieu numero 7").filter(external_id="lieu-7").exists()
    assert not Venue.objects.filter(external_id="lieu-4").exists()
    exported = list(csv.DictReader(io.StringIO("".join(exporter.stream("csv", "standard")))))
    assert sorted(r["id"] for r in exported) == sorted(f"lieu-{n}" for n in range(10) if n != 4)
    totals = coverage.compute(coverage.DEPARTEMENT, "51").totals
    assert totals.located == 9
    # The channel filter finds the new venues by their channels.
    venue = Venue.objects.get(external_id="lieu-7")
    kinds = set(Channel.objects.filter(venue=venue).values_list("kind", flat=True))
    assert Venue.objects.with_channel_kinds(kinds).filter(pk=venue.pk).exists()


def test_command_skip_invalid_and_rejects(marne, tmp_path):
    data = rows(3)
    data[0]["code_postal"] = "511"
    source = write_csv(tmp_path / "lieux.csv", data)
    rejects = tmp_path / "rejets.csv"
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "import_lieux",
        str(source),
        "--skip-invalid",
        "--rejects",
        str(rejects),
        no_progress=True,
        stdout=out,
        stderr=err,
    )

    assert "2 lignes importées : 2 lieux créés" in out.getvalue()
    assert "1 lignes refusées" in out.getvalue()
    assert "Ligne 2, champ code_postal" in err.getvalue()
    assert f"1 lignes refusées écrites dans {rejects}" in err.getvalue()
    assert Venue.objects.count() == 2


def test_command_dry_run_with_rejects_writes_only_the_rejects(marne, tmp_path):
    data = rows(3)
    data[2]["code_postal"] = "511"
    rejects = tmp_path / "rejets.csv"
    with pytest.raises(CommandError, match="aucun lieu ne serait importé"):
        call_command("import_lieux", str(write_csv(tmp_path / "l.csv", data)), "--dry-run", "--rejects", str(rejects))
    assert Venue.objects.count() == 0
    assert [r["ligne_origine"] for r in read_rejects(rejects)[1]] == ["4"]

    out = io.StringIO()
    call_command("import_lieux", str(tmp_path / "l.csv"), "--dry-run", "--skip-invalid", no_progress=True, stdout=out)
    assert "2 lignes valides : 2 lieux seraient créés" in out.getvalue()
    assert Venue.objects.count() == 0


# --- hostile files (issue 17, finding 9) ------------------------------------------------------


def _json_file(tmp_path, text: str) -> Path:
    path = tmp_path / "lieux.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ("[" * 100_000 + "]" * 100_000, "imbriqués trop profondément"),
        ('[{"id": ' + "9" * 5000 + "}]", "un nombre comporte trop de chiffres"),
    ],
    ids=["deep-nesting", "5000-digit-number"],
)
def test_hostile_json_gets_a_french_message(marne, tmp_path, text, message):
    report = import_file(_json_file(tmp_path, text), dry_run=True)
    assert report.aborted and message in str(report.errors[0])


def test_a_deep_value_inside_a_record_rejects_that_record(marne, tmp_path):
    good = example_row()
    bad = dict(example_row(), id="profond")
    text = json.dumps([good])[:-1] + ", " + json.dumps(bad)[:-1] + ', "services": ' + "[" * 900 + "]" * 900 + "}]"
    report = import_file(_json_file(tmp_path, text), skip_invalid=True)
    assert (report.created, report.rejected) == (1, 1)


@pytest.mark.parametrize("bad", ["Lieu\x00nul", "Lieu \ud800 isolé"], ids=["nul", "lone-surrogate"])
def test_unstorable_characters_fail_the_dry_run_as_they_would_the_import(marne, tmp_path, bad):
    data = rows(2)
    data[1]["nom"] = bad
    source = _json_file(tmp_path, json.dumps(data))  # json.dumps escapes both (\u0000, \ud800)
    rejects = tmp_path / "rejets.csv"

    checked = import_file(source, dry_run=True, skip_invalid=True, rejects=rejects)
    assert (checked.rows, checked.rejected) == (1, 1)
    assert "caractère interdit" in str(checked.errors[0])
    str(checked.errors[0]).encode("utf-8")  # the message itself can be shown
    assert "\ufffd" in read_rejects(rejects)[1][0]["nom"]

    imported = import_file(source, skip_invalid=True)
    assert (imported.created, imported.rejected) == (1, 1)


def test_nul_in_a_csv_cell_is_refused(marne, tmp_path):
    data = rows(1)
    data[0]["adresse"] = "1 rue\x00 du Port"
    before = snapshot()
    report = import_file(write_csv(tmp_path / "lieux.csv", data))
    assert not report.ok and "caractère interdit" in str(report.errors[0])
    assert snapshot() == before


# --- bounded problems (issue 17, finding 10) ----------------------------------------------------


def test_problems_are_listed_up_to_a_bound_and_counted_beyond(marne, tmp_path):
    count = MAX_LISTED_PROBLEMS + 200
    data = rows(count)
    for row in data:
        row["code_postal"] = "511"
    rejects = tmp_path / "rejets.csv"

    report = import_file(write_csv(tmp_path / "lieux.csv", data), rejects=rejects, dry_run=True)

    assert len(report.errors) == MAX_LISTED_PROBLEMS
    assert report.error_count == count and report.errors_not_listed == 200
    assert report.rejected == count
    assert len(read_rejects(rejects)[1]) == count  # every refused row is in the rejects file


def test_command_says_how_many_problems_were_not_listed(marne, tmp_path):
    data = rows(MAX_LISTED_PROBLEMS + 5)
    for row in data:
        row["pivot"] = "x"
    err = io.StringIO()
    with pytest.raises(CommandError, match=f"{MAX_LISTED_PROBLEMS + 5} problème"):
        call_command("import_lieux", str(write_csv(tmp_path / "l.csv", data)), no_progress=True, stderr=err)
    assert "… et 5 autres problèmes non listés." in err.getvalue()


# --- staff upload -------------------------------------------------------------------------------

IMPORT_URL = "/gestion/import/"


def _upload(client, content: bytes, name="lieux.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(IMPORT_URL, {"step": "upload", "file": SimpleUploadedFile(name, content, "text/csv")})


def _kept(settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "kept")
    return tmp_path / "kept"


def test_upload_offers_the_valid_rows_and_the_rejects(client, marne, tmp_path, settings):
    kept = _kept(settings, tmp_path)
    client.force_login(UserFactory(is_superuser=True))
    data = rows(5)
    data[1]["code_postal"] = "511"
    content = write_csv(tmp_path / "lieux.csv", data).read_bytes()

    checked = _upload(client, content)

    page = checked.content.decode()
    assert "Importer les 4 lignes valides" in page
    assert "4 lignes valides (standard v1.0.2) : 4 lieux seraient créés" in page
    assert "Ligne 3, champ code_postal" in page
    assert Venue.objects.count() == 0
    rejects_url = f"/gestion/import/rejets/{checked.context['rejects_token']}/"
    assert rejects_url in page
    assert all(oct(p.stat().st_mode)[-3:] == "600" for p in kept.iterdir())  # private files

    download = client.get(rejects_url)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert '"3"' in body and "511" in body
    assert client.get(rejects_url).status_code == 404  # downloaded once, then gone
    assert not list(kept.glob("*.rejects.csv"))

    done = client.post(IMPORT_URL, {"step": "confirm", "token": checked.context["token"], "partial": "1"})

    assert "4 lignes importées : 4 lieux créés" in done.content.decode()
    assert "1 ligne refusée, non importée." in done.content.decode()
    assert Venue.objects.count() == 4
    assert not list(kept.glob("*.upload"))


def test_confirm_without_partial_stays_all_or_nothing(client, marne, tmp_path, settings):
    _kept(settings, tmp_path)
    client.force_login(UserFactory(is_superuser=True))
    data = rows(3)
    data[0]["code_postal"] = "511"
    checked = _upload(client, write_csv(tmp_path / "lieux.csv", data).read_bytes())

    done = client.post(IMPORT_URL, {"step": "confirm", "token": checked.context["token"]})

    assert "aucun lieu n'a été importé" in done.content.decode()
    assert Venue.objects.count() == 0


def test_rejects_of_another_session_are_not_served(client, marne, tmp_path, settings):
    _kept(settings, tmp_path)
    client.force_login(UserFactory(is_superuser=True))
    data = rows(2)
    data[0]["pivot"] = "x"
    token = _upload(client, write_csv(tmp_path / "lieux.csv", data).read_bytes()).context["rejects_token"]
    other = type(client)()
    other.force_login(UserFactory(is_superuser=True))
    assert other.get(f"/gestion/import/rejets/{token}/").status_code == 404


@pytest.mark.parametrize(
    "content, message",
    [
        (b"[" * 100_000 + b"]" * 100_000, "imbriqués trop profondément"),
        (b'[{"id": ' + b"9" * 5000 + b"}]", "un nombre comporte trop de chiffres"),
    ],
    ids=["deep-nesting", "5000-digit-number"],
)
def test_hostile_uploads_get_a_french_message_and_leave_nothing(client, marne, tmp_path, settings, content, message):
    kept = _kept(settings, tmp_path)
    client.force_login(UserFactory(is_superuser=True))
    response = _upload(client, content, name="lieux.json")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not list(kept.iterdir())


def test_nul_and_surrogates_are_refused_at_the_check_and_the_confirm_does_not_fail(client, marne, tmp_path, settings):
    kept = _kept(settings, tmp_path)
    client.force_login(UserFactory(is_superuser=True))
    data = rows(3)
    data[1]["nom"] = "Lieu\x00nul"
    data[2]["adresse"] = "1 rue \ud800"
    checked = _upload(client, json.dumps(data).encode(), name="lieux.json")
    assert checked.status_code == 200
    assert "Importer la ligne valide" in checked.content.decode()

    done = client.post(IMPORT_URL, {"step": "confirm", "token": checked.context["token"], "partial": "1"})
    assert done.status_code == 200
    assert Venue.objects.count() == 1
    assert not list(kept.glob("*.upload"))


def test_an_unexpected_failure_deletes_the_kept_files(client, marne, tmp_path, settings, monkeypatch):
    kept = _kept(settings, tmp_path)
    client.force_login(UserFactory(is_superuser=True))
    checked = _upload(client, write_csv(tmp_path / "lieux.csv", rows(2)).read_bytes())

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("directory.opendata.admin_views.import_file", broken)
    done = client.post(IMPORT_URL, {"step": "confirm", "token": checked.context["token"]})

    assert done.status_code == 500
    assert "erreur inattendue" in done.content.decode()
    assert not list(kept.iterdir())
    assert Venue.objects.count() == 0


def test_command_refuses_a_rejects_file_that_would_overwrite_the_input(marne, tmp_path):
    source = write_csv(tmp_path / "lieux.csv", rows(2))
    before = source.read_bytes()
    with pytest.raises(CommandError, match="ne peut pas être le fichier importé"):
        call_command("import_lieux", str(source), "--rejects", str(source))
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("import_lieux", str(source), "--rejects", str(tmp_path / "absent" / "r.csv"))
    assert source.read_bytes() == before


def test_rejects_cells_never_start_a_formula_and_import_back_exactly(marne, tmp_path):
    """The rejects file is opened in a spreadsheet like the exports (issue 17, finding 3)."""
    data = rows(2)
    data[0]["nom"] = '=HYPERLINK("http://example.org","Cliquez")'
    data[0]["code_postal"] = "511"  # refused, so it lands in the rejects
    source = write_csv(tmp_path / "lieux.csv", data)
    rejects = tmp_path / "rejets.csv"
    import_file(source, skip_invalid=True, rejects=rejects)
    _raw, refused = read_rejects(rejects)
    assert refused[0]["nom"] == '\'=HYPERLINK("http://example.org","Cliquez")'
    # Fixed and imported again, the name is the one the file had.
    text = rejects.read_bytes().decode("utf-8-sig").replace('"511"', '"51100"')
    rejects.write_bytes(text.encode("utf-8-sig"))
    import_file(rejects, skip_invalid=True)
    assert Venue.objects.filter(name='=HYPERLINK("http://example.org","Cliquez")').exists()


def test_names_with_invisible_characters_are_refused_as_the_admin_refuses_them(marne, tmp_path):
    data = rows(2)
    data[1]["nom"] = "Centre social\u202e enimalP"
    report = import_file(write_csv(tmp_path / "lieux.csv", data), skip_invalid=True)
    assert report.rejected == 1
    assert any("U+202E" in str(problem) for problem in report.errors)
    assert not Venue.objects.filter(name__contains="\u202e").exists()


def test_v0_json_lists_are_read_with_the_v0_separator(marne, tmp_path):
    """Real regional files in v0.1 are JSON with lists (« services »: [...]): joined with « ; »,
    the separator v0.1 splits on, not the « | » of v1.0.2."""
    from directory.opendata import standard

    with standard.EXAMPLE_V0_PATH.open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    record = {key: value for key, value in row.items() if value}
    for column in ("services", "labels_nationaux", "typologie"):
        record[column] = [part for part in row[column].split(";") if part]
    record["latitude"], record["longitude"] = float(row["latitude"]), float(row["longitude"])
    source = tmp_path / "lieux.json"
    source.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")

    report = import_file(source)

    assert report.ok, [str(e) for e in report.errors]
    venue = Venue.objects.get()
    assert venue.services == ["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"]
    assert venue.dispositifs == ["France Services", "Point d'accès numérique CAF"]
    assert venue.typologie == ["TIERS_LIEUX", "ASSO"]


@pytest.mark.parametrize(
    "text, expected, warning",
    [
        ("2024-04-02", "2024-04-02", None),
        ("02/04/2024", "2024-04-02", "date JJ/MM/AAAA lue comme le 2024-04-02"),
        ("2/4/2024", "2024-04-02", "date JJ/MM/AAAA lue comme le 2024-04-02"),
        ("2024-04-02T10:30:00Z", "2024-04-02", "seule la date est gardée"),
        ("2024-04-02 10:30", "2024-04-02", "seule la date est gardée"),
    ],
)
def test_dates_a_spreadsheet_writes_back_are_read_with_a_warning(marne, tmp_path, text, expected, warning):
    """A rejects file fixed in French Excel comes back with « 02/04/2024 »: it must import."""
    data = rows(1)
    data[0]["date_maj"] = text
    report = import_file(write_csv(tmp_path / "lieux.csv", data))
    assert report.ok, [str(e) for e in report.errors]
    assert Venue.objects.get().date_maj.isoformat() == expected
    warnings = [str(w) for w in report.warnings if w.column == "date_maj"]
    assert warnings == ([] if warning is None else [warnings[0]]) and all(warning in w for w in warnings), warnings
