"""The public validator /open-data/valider/: anyone checks a file, nothing is written."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Venue
from directory.opendata import standard
from tests.factories import build_marne
from tests.test_import import example_row, write_csv

URL = "/open-data/valider/"
WRITES = ("INSERT", "UPDATE", "DELETE", "COPY", "TRUNCATE", "CREATE", "ALTER", "SELECT NEXTVAL")


@pytest.fixture
def marne(db, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "kept")
    return build_marne()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()


def _post(client, content: bytes, name="lieux.csv"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, "text/csv")})


def test_the_page_is_public_and_french(client, marne):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vérifier un fichier de lieux" in page
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in page
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_valid_file_gets_its_counts_and_nothing_is_written(client, marne):
    with CaptureQueriesContext(connection) as queries:
        response = _post(client, standard.EXAMPLE_PATH.read_bytes())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Fichier valide (standard v1.0.2) : 1 ligne pourrait être importée." in page
    assert "1 lieux nouveaux" in page
    assert Venue.objects.count() == 0
    written = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    # Only the client's rate counter (directory/ratelimit.py), never the directory's data.
    assert [sql for sql in written if "directory_ratecounter" not in sql] == []
    assert len(written) <= 1
    assert not client.cookies.get("sessionid")  # no session row either


def test_problems_warnings_and_rejects_download(client, marne, tmp_path):
    rows = []
    for n in range(4):
        row = example_row()
        row.update(id=f"v-{n}")
        rows.append(row)
    rows[2]["code_postal"] = "511"
    content = write_csv(tmp_path / "lieux.csv", rows, delimiter=";").read_bytes()

    response = _post(client, content)

    page = response.content.decode()
    assert "3 lignes valides et 1 lignes refusées" in page
    assert "Ligne 4, champ code_postal, valeur « 511 » : le code postal doit comporter 5 chiffres" in page
    link = response.context["rejects_url"]
    assert link in page
    download = client.get(link)
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert '"4";"champ code_postal' in body.decode("utf-8-sig")
    assert client.get(link).status_code == 404  # once
    assert Venue.objects.count() == 0
    # Nothing of the upload is left on disk.
    assert not [p for p in (tmp_path / "kept").rglob("*") if p.is_file()]


def test_v0_warnings_are_listed(client, marne):
    response = _post(client, standard.EXAMPLE_V0_PATH.read_bytes())
    assert response.status_code == 200
    assert "avertissement" in response.content.decode()


def test_a_file_over_the_limit_is_refused_before_being_read(client, marne, settings):
    settings.VALIDATOR_MAX_BYTES = 1000
    big = b"id,nom\n" + b"x,y\n" * 100_000
    response = _post(client, big)
    assert response.status_code == 413
    assert "la limite est de" in response.content.decode()


def test_a_small_limit_is_checked_on_the_file_too(client, marne, settings):
    settings.VALIDATOR_MAX_BYTES = 70 * 1024  # the body allowance is 64 KiB more
    response = _post(client, b"x" * (100 * 1024))
    assert response.status_code == 400
    assert "la limite est de" in response.content.decode()


def test_rate_limited(client, marne, settings):
    settings.VALIDATOR_RATE_LIMIT_PER_HOUR = 2
    content = standard.EXAMPLE_PATH.read_bytes()
    assert _post(client, content).status_code == 200
    assert _post(client, content).status_code == 200
    refused = _post(client, content)
    assert refused.status_code == 429
    assert "Réessayez dans une heure" in refused.content.decode()


def test_csrf_is_required(marne):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(URL, {"file": SimpleUploadedFile("l.csv", standard.EXAMPLE_PATH.read_bytes())})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "content, message",
    [
        (b"[" * 100_000 + b"]" * 100_000, "imbriqués trop profondément"),
        (b'[{"id": ' + b"9" * 5000 + b"}]", "un nombre comporte trop de chiffres"),
        (b"\xff\xfe" + "id,nom".encode("utf-16-le"), "pas encodé en UTF-8"),
        (b"", "Le fichier est vide"),
    ],
    ids=["deep", "digits", "utf16", "empty"],
)
def test_hostile_or_broken_files_get_a_french_message(client, marne, content, message):
    response = _post(client, content, name="lieux.json" if content.startswith(b"[") else "lieux.csv")
    assert response.status_code in (200, 400)
    assert message in response.content.decode()


def test_unstorable_characters_are_reported_not_crashed_on(client, marne):
    rows = [dict(example_row(), id="a", nom="Lieu\x00"), dict(example_row(), id="b", adresse="rue \ud800")]
    response = _post(client, json.dumps(rows).encode(), name="lieux.json")
    assert response.status_code == 200
    assert response.content.decode().count("caractère interdit") == 2


def test_rejects_tokens_are_checked(client, marne):
    assert client.get("/open-data/valider/rejets/../../etc/passwd/").status_code == 404
    assert client.get("/open-data/valider/rejets/" + "a" * 32 + "/").status_code == 404


def test_the_rate_limit_is_an_atomic_counter_no_cache_clear_resets(client, marne, settings):
    """Counted in PostgreSQL like the report form (issue 17, findings 2 and 4): emptying the
    cache (what a flood of anonymous pages did to the file cache) does not reset it."""
    from django.core.cache import cache

    settings.VALIDATOR_RATE_LIMIT_PER_HOUR = 1
    content = standard.EXAMPLE_PATH.read_bytes()
    assert _post(client, content).status_code == 200
    cache.clear()
    assert _post(client, content).status_code == 429
