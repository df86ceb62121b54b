"""Languages spoken at a venue: one field, shown on the venue page, the paper sheet and the
printed venue, filterable by the one VenueFilter (HTML list and API), in the rich export."""

import csv
import io

import pytest
from django.urls import reverse

from directory.enums import Language
from directory.opendata import exporter
from tests.factories import ChannelFactory, VenueFactory


@pytest.fixture
def venues(hauts_de_france):
    arabic = VenueFactory(name="Centre social Wazemmes", commune=hauts_de_france.lille, languages=["ar", "fsl", "fr"])
    ChannelFactory(venue=arabic)
    plain = VenueFactory(name="Médiathèque Fives", commune=hauts_de_france.lille)
    ChannelFactory(venue=plain)
    return arabic, plain


def test_labels_follow_the_vocabulary_order_in_french(venues):
    arabic, _plain = venues
    assert arabic.language_labels == ["Français", "Langue des signes française (LSF)", "Arabe"]


def test_the_venue_page_the_sheet_and_the_print_show_the_languages(client, venues, hauts_de_france):
    arabic, plain = venues
    expected = "Français, Langue des signes française (LSF), Arabe"
    assert expected in client.get(arabic.get_absolute_url()).content.decode()
    assert "Langues parlées" not in client.get(plain.get_absolute_url()).content.decode()
    sheet = client.get(reverse("directory:territory_sheet", kwargs={"code": hauts_de_france.lille.code}))
    assert f"Langues parlées : {expected}" in sheet.content.decode()
    printed = client.get(reverse("directory:venue_print", kwargs={"slug": arabic.slug}))
    assert f"Langues parlées : {expected}" in printed.content.decode()


def test_the_html_list_and_the_api_filter_by_language_with_one_filterset(client, venues):
    arabic, plain = venues
    html = client.get(reverse("directory:venue_list") + "?langue=ar").content.decode()
    assert arabic.name in html and plain.name not in html
    assert '<option value="ar" selected>Arabe</option>' in html
    api = client.get(reverse("api:venue-list") + "?langue=ar&langue=fsl").json()
    assert [v["name"] for v in api["results"]] == [arabic.name]
    assert api["results"][0]["languages"] == ["ar", "fsl", "fr"]


def test_an_unknown_language_is_a_french_error_and_filters_nothing(client, venues):
    response = client.get(reverse("directory:venue_list") + "?langue=klingon")
    html = response.content.decode()
    assert "Valeur inconnue : klingon." in html
    assert all(v.name in html for v in venues)
    assert client.get(reverse("api:venue-list") + "?langue=klingon").status_code == 400


def test_the_rich_export_has_the_languages_column(venues):
    arabic, plain = venues
    text = "".join(exporter.stream("csv", "rich"))
    rows = {row["nom"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows[arabic.name]["langues"] == "ar|fsl|fr"
    assert rows[plain.name]["langues"] == ""
    assert "langues" not in "".join(exporter.stream("csv", "standard")).splitlines()[0].split(",")


def test_every_language_code_fits_the_column():
    assert all(len(code) <= 3 for code in Language.values)
