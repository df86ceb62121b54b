"""The public validator in a real browser: works without JavaScript, no axe violation on the
form nor on a report with problems, warnings and the rejects link."""

import csv
import io

import pytest

from directory.opendata import standard
from tests.browser.conftest import axe_violations, format_violations
from tests.factories import build_marne


@pytest.fixture
def marne(live_server, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    return build_marne()


def _file_with_a_bad_row(tmp_path):
    with standard.EXAMPLE_PATH.open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(row), delimiter=";")
    writer.writeheader()
    writer.writerow(row)
    writer.writerow(dict(row, id="deux", code_postal="5110"))
    path = tmp_path / "lieux.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_check_a_file_without_javascript_and_download_the_rejects(nojs_page, base_url, marne, tmp_path):
    page = nojs_page
    page.goto(f"{base_url}/open-data/valider/")
    page.get_by_label("Fichier à vérifier").set_input_files(str(_file_with_a_bad_row(tmp_path)))
    page.get_by_role("button", name="Vérifier le fichier").click()

    assert page.get_by_text("1 lignes valides et 1 lignes refusées").is_visible()
    assert page.get_by_text("Ligne 3, champ code_postal, valeur « 5110 »").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger la ligne refusée").click()
    content = download.value.path().read_bytes().decode("utf-8-sig")
    assert content.startswith('"ligne_origine";"motifs_refus";"id"')


def test_the_validator_has_no_axe_violations(axe_page, base_url, marne, tmp_path):
    axe_page.goto(f"{base_url}/open-data/valider/")
    assert (violations := axe_violations(axe_page)) == [], format_violations(violations)
    axe_page.get_by_label("Fichier à vérifier").set_input_files(str(_file_with_a_bad_row(tmp_path)))
    axe_page.get_by_role("button", name="Vérifier le fichier").click()
    axe_page.wait_for_selector("#result-title")
    assert (violations := axe_violations(axe_page)) == [], format_violations(violations)
    # An empty submission: the field's French error.
    axe_page.get_by_role("button", name="Vérifier le fichier").click()
    axe_page.wait_for_selector(".field-errors")
    assert (violations := axe_violations(axe_page)) == [], format_violations(violations)


def test_the_staff_import_of_the_valid_rows_has_no_axe_violations(axe_page, base_url, marne, tmp_path):
    from tests.browser.test_browser_accessibility import login
    from tests.browser.world import PASSWORD
    from tests.factories import UserFactory

    admin = UserFactory(username="import-admin", is_superuser=True, is_staff=True)
    admin.set_password(PASSWORD)
    admin.save()
    login(axe_page, base_url, admin.username)
    axe_page.goto(f"{base_url}/gestion/import/")
    axe_page.locator("input[type=file]").set_input_files(str(_file_with_a_bad_row(tmp_path)))
    axe_page.get_by_role("button", name="Vérifier le fichier").click()
    axe_page.wait_for_selector("#report-title")
    assert axe_page.get_by_role("button", name="Importer la ligne valide").is_visible()
    assert (violations := axe_violations(axe_page)) == [], format_violations(violations)
    axe_page.get_by_role("button", name="Importer la ligne valide").click()
    axe_page.wait_for_selector("#report-title")
    assert axe_page.get_by_text("1 lignes importées").is_visible()
    assert (violations := axe_violations(axe_page)) == [], format_violations(violations)
