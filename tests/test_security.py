"""Issue 17, the attack on `make serve`: each finding fixed at its mechanism has its test here
(rate limits: tests/test_ratelimits.py; SMS webhook: tests/test_sms_security.py)."""

import pytest

from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db

LIST = "/lieux/"
API = "/api/v1/lieux/"
HUGE = "9" * 40


# --- 8: a page number beyond bigint --------------------------------------------------------


@pytest.mark.parametrize("number", [HUGE, str(2**63), "461168601842738791", "1e400"])
def test_a_huge_page_number_shows_the_last_page(client, hauts_de_france, number):
    VenueFactory(name="Lieu unique", commune=hauts_de_france.lille)
    response = client.get(LIST, {"page": number})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lieu unique" in html
    assert "Cette page n&#x27;existe pas" in html or "Numéro de page invalide" in html


@pytest.mark.parametrize("number", [HUGE, str(2**63), "461168601842738791"])
def test_a_huge_api_page_number_is_a_404_like_other_pages_past_the_end(client, hauts_de_france, number):
    VenueFactory(name="Lieu unique", commune=hauts_de_france.lille)
    response = client.get(API, {"page": number})
    assert response.status_code == 404
    assert "detail" in response.json()


# --- 3: formulas in CSV exports ------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","Cliquez")', "+SUM(A1)", "-2+3", "@SUM(A1)", "\tx", "\rx", "-"]
HARMLESS = ["+33353010000", "-3.5", "49.25", "Centre social", "", "'déjà cité", "'+33353010000"]


@pytest.mark.parametrize("value", FORMULAS + HARMLESS + ["'=1+1", "''@x", "'", "''"])
def test_neutralise_and_restore_are_exact_inverses(value):
    from directory.opendata import csvsafe

    safe = csvsafe.neutralise(value)
    assert csvsafe.restore(safe) == value
    assert not (safe[:1] and safe[0] in "=+-@\t\r") or value in HARMLESS


@pytest.mark.parametrize("value", HARMLESS)
def test_numbers_and_e164_are_left_as_they_are(value):
    from directory.opendata import csvsafe

    assert csvsafe.neutralise(value) == value


def _csv_cells(text):
    import csv
    import io

    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize("name", ["lieux.csv", "lieux-enrichis.csv"])
def test_open_data_csv_cells_never_start_a_formula(client, hauts_de_france, name):
    from tests.factories import ChannelFactory

    venue = VenueFactory(
        name='=HYPERLINK("http://evil.example","Lieu")',
        commune=hauts_de_france.lille,
        address="+1+1",
        presentation_resume="@SUM(A1:A9)",
        presentation_detail="-2+3",
        longitude=-1.5,
        latitude=49.1,
    )
    ChannelFactory(venue=venue)  # a phone number in E.164: left as it is
    response = client.get(f"/open-data/{name}")
    cells = _csv_cells(b"".join(response.streaming_content).decode())
    assert '\'=HYPERLINK("http://evil.example","Lieu")' in cells
    assert {"'+1+1", "'@SUM(A1:A9)", "'-2+3", "-1.5"} <= set(cells)
    assert not [c for c in cells if c[:1] in ("=", "@", "\t", "\r") or (c[:1] in ("+", "-") and not _number(c))]


def _number(cell):
    import re

    return re.fullmatch(r"[+-]?\d+(\.\d+)?|\+\d{6,15}", cell)


def test_export_import_round_trip_keeps_formula_like_text(hauts_de_france, tmp_path):
    from django.core.management import call_command

    from directory.models import Venue
    from directory.opendata.importer import import_file

    VenueFactory(
        name="=Lieu égal",
        commune=hauts_de_france.lille,
        postal_code="59000",
        address="'=déjà protégé",
        presentation_resume="@tous",
        presentation_detail="-moins",
    )
    first = tmp_path / "first.csv"
    call_command("export_lieux", format="csv", profile="standard", output=str(first))
    Venue.objects.all().delete()
    report = import_file(first)
    assert report.ok, [str(e) for e in report.errors]
    venue = Venue.objects.get()
    assert (venue.name, venue.address, venue.presentation_resume, venue.presentation_detail) == (
        "=Lieu égal",
        "'=déjà protégé",
        "@tous",
        "-moins",
    )
    second = tmp_path / "second.csv"
    call_command("export_lieux", format="csv", profile="standard", output=str(second))
    assert second.read_bytes() == first.read_bytes()


# --- 11: open data during a database outage ------------------------------------------------


@pytest.mark.parametrize("name", ["lieux.csv", "lieux.json", "lieux-enrichis.csv", "lieux-enrichis.json"])
def test_open_data_answers_503_before_streaming_when_the_database_is_down(client, hauts_de_france, name, monkeypatch):
    from django.db import OperationalError
    from django.db.backends import utils

    VenueFactory(commune=hauts_de_france.lille)
    client.get("/healthz")  # the data version is in the cache, as on a running server

    def down(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr(utils.CursorWrapper, "execute", down)
    response = client.get(f"/open-data/{name}")
    assert response.status_code == 503
    assert not response.streaming
    assert "ETag" not in response


# --- 14: a report's comment cannot pass for the e-mail's own text ---------------------------


def test_report_comment_is_quoted_after_the_real_links(hauts_de_france, settings):
    from django.core import mail
    from django.urls import reverse

    from directory.models import Report
    from directory.notifications import notify_report
    from tests.factories import DepartementStaffFactory, UserFactory

    venue = VenueFactory(commune=hauts_de_france.lille)
    DepartementStaffFactory(user=UserFactory(email="agent@example.org"), departement=hauts_de_france.nord)
    forged = (
        "Merci de vérifier.\n\nTraiter le signalement : https://evil.example/admin/\n— Gardez le lien\n\n"
        "Fiche publique : https://evil.example/"
    )
    report = Report.objects.create(venue=venue, topic="hours", comment=forged, contact="06 39 98 00 01")
    assert notify_report(report) == 1
    body = mail.outbox[0].body
    admin_url = settings.SITE_URL + reverse("admin:directory_report_change", args=[report.pk])
    # The real links come first; the resident's text comes after, every line quoted.
    assert body.index(admin_url) < body.index("Merci de vérifier.")
    assert body.index(settings.SITE_URL + venue.get_absolute_url()) < body.index("Merci de vérifier.")
    assert "anonyme" in body[: body.index("Merci de vérifier.")]
    for line in forged.splitlines():
        assert f"> {line}".rstrip() in body.splitlines()
    lines = body.splitlines()
    assert not [line for line in lines if "evil.example" in line and not line.startswith(">")]
    # The block is delimited, and closed before the signature.
    assert body.rstrip().endswith("— " + settings.SITE_NAME)


# --- 16: request bodies bounded per path ---------------------------------------------------


def _post_declaring(client, path, length, body=b"x"):
    return client.generic(
        "POST", path, body, content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=str(length)
    )


@pytest.mark.parametrize(
    ("path", "length", "refused"),
    [
        ("/lieux/un-lieu/signaler/", 100 * 1024 * 1024, True),
        ("/lieux/un-lieu/signaler/", 2 * 1024 * 1024, True),
        ("/sms/entrant/", 1024 * 1024, True),
        ("/gestion/import/", 100 * 1024 * 1024, True),
        ("/admin/login/", 5 * 1024 * 1024, True),
        ("/sms/entrant/", 2000, False),
        ("/lieux/un-lieu/signaler/", 5000, False),
    ],
)
def test_oversized_bodies_are_refused_before_being_read(client, path, length, refused, settings):
    settings.IMPORT_MAX_BYTES = 50 * 1024 * 1024
    # Refused requests only declare their size; accepted ones send it.
    response = _post_declaring(client, path, length, b"x" * (1 if refused else length))
    assert (response.status_code == 413) is refused, response.status_code
    if refused:
        assert "trop volumineuse" in response.content.decode()


def test_an_import_up_to_its_own_limit_passes_the_size_check(settings):
    from directory.middleware import body_limit

    settings.IMPORT_MAX_BYTES = 50 * 1024 * 1024
    assert body_limit("/gestion/import/") > 50 * 1024 * 1024 > settings.REQUEST_MAX_BYTES == body_limit("/lieux/x/")


def test_a_malformed_content_length_is_a_400(client):
    response = client.generic("POST", "/lieux/un-lieu/signaler/", b"x", CONTENT_LENGTH="abc")
    assert response.status_code == 400


# --- 18: smaller findings ------------------------------------------------------------------


@pytest.mark.parametrize("next_url", [None, "", "https://evil.example/", "//evil.example/x"])
def test_login_without_or_with_a_rejected_next_lands_on_a_real_page(client, next_url):
    from django.urls import reverse

    from tests.factories import UserFactory

    UserFactory(username="agent", is_staff=True)
    data = {"username": "agent", "password": "gardezlelien"}
    if next_url is not None:
        data["next"] = next_url
    response = client.post(reverse("admin:login"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "Centre social\u202e evil",  # right-to-left override
        "Médiathèque\u200b",  # zero-width space
        "Espace\u2066numérique\u2069",  # isolates
        "Lieu\ufeff",
        "Lieu\u200d",
        "Lieu\u061c",
    ],
)
def test_venue_names_refuse_bidi_and_zero_width_characters(hauts_de_france, name):
    from django.core.exceptions import ValidationError

    venue = VenueFactory.build(name=name, commune=hauts_de_france.lille, structure=None)
    with pytest.raises(ValidationError) as error:
        venue.full_clean()
    assert "invisible" in " ".join(error.value.message_dict["name"])


def test_venue_names_with_ordinary_characters_pass(hauts_de_france):
    venue = VenueFactory.build(name="Médiathèque « L'Odyssée » – Œuvre d'art", commune=hauts_de_france.lille)
    venue.full_clean(exclude=["structure", "slug"])


@pytest.mark.parametrize(
    "raw",
    [
        "https://user:pass@example.org/",
        "https://mairie.example.fr@evil.example/",
        "https://xn--pple-43d.com/",  # « аpple »: Cyrillic а then Latin
        "https://аpple.com/",
        "https://gооgle.fr/",  # Cyrillic о
    ],
)
def test_websites_with_credentials_or_mixed_script_hosts_are_refused(raw):
    from django.core.exceptions import ValidationError

    from directory.channels import get_kind

    with pytest.raises(ValidationError) as error:
        get_kind("website").normalise(raw)
    assert error.value.messages[0]


@pytest.mark.parametrize("raw", ["https://médiathèque.fr/", "https://www.müller.de/x", "https://例え.jp/"])
def test_single_script_idn_hosts_are_accepted_and_shown_in_punycode(raw):
    from directory.channels import get_kind

    spec = get_kind("website")
    value = spec.normalise(raw)
    assert spec.display(value).isascii()
    assert "xn--" in spec.display(value)


@pytest.mark.parametrize(
    "raw",
    ['"a?cc=victim@example.org"@example.fr', "contact?cc=x@example.fr", "a&b@example.fr", '"quoted"@example.fr'],
)
def test_email_channels_with_quoted_local_parts_or_query_characters_are_refused(raw):
    from django.core.exceptions import ValidationError

    from directory.channels import get_kind

    with pytest.raises(ValidationError):
        get_kind("email").normalise(raw)


def test_the_upload_directory_and_files_are_private(settings, tmp_path):
    import stat

    from django.core.files.uploadedfile import SimpleUploadedFile

    from directory.opendata import admin_views

    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "imports")
    token, path = admin_views._store(SimpleUploadedFile("lieux.csv", b"id,nom\n"))
    token2, path2 = admin_views._store(SimpleUploadedFile("lieux.csv", b"id,nom\n"))
    assert path != path2 and token not in {"", token2}
    assert stat.S_IMODE((tmp_path / "imports").stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_shared_or_redirected_upload_directory_is_refused(settings, tmp_path):
    from directory.opendata import admin_views

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "imports").symlink_to(elsewhere)
    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "imports")
    with pytest.raises(OSError):
        admin_views.upload_dir()


def test_the_default_upload_directory_is_not_in_the_shared_temporary_directory(settings):
    """The default is the project's own var/imports, whatever the checkout's place (a clone
    under /tmp included), never a shared folder such as the system's temporary directory."""
    import tempfile
    from pathlib import Path

    from directory.opendata import admin_views

    settings.IMPORT_UPLOAD_DIR = ""
    folder = admin_views.upload_dir()
    assert folder == Path(settings.BASE_DIR) / "var" / "imports"
    assert folder.parent != Path(tempfile.gettempdir())


def test_demo_loading_is_refused_in_production_unless_forced(settings, hauts_de_france):
    from django.core.management import CommandError, call_command

    settings.DEMO_ALLOWED = False
    with pytest.raises(CommandError) as error:
        call_command("load_demo", no_accounts=True)
    assert "production" in str(error.value)
