"""Coverage (/couverture/): numbers against a hand-computed territory, CSV == table, constant
query count, access rules per role, public summary."""

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse

from directory import coverage, enums
from tests.factories import (
    ChannelFactory,
    ClosurePeriodFactory,
    CommuneFactory,
    DepartementStaffFactory,
    EpciFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)

URL = reverse("directory:coverage")
PUBLIC_URL = reverse("directory:coverage_public")
AREA = enums.ServiceArea


@pytest.fixture
def territory(hauts_de_france):
    """Nord: MEL (Lille 236 710, Villeneuve-d'Ascq 62 000), Pévèle (Cysoing 4 900,
    Templeuve 6 100), a commune without EPCI (Hameau-sans-EPCI 100); Pas-de-Calais: Arras.

    v1 Lille, area commune, in person (s1) .............. open, fresh
    v2 Villeneuve, area EPCI (MEL), phone (s2) ........... open, stale
    v3 Cysoing, area list [Templeuve], WhatsApp (s3) ..... open, fresh
    v4 Templeuve, area commune, in person (s1) ............ temporarily closed, fresh
    v5 Arras, area département (62), phone (s2) .......... open, fresh
    v6 Lille, area département, signage + phone ........... closed for good, stale
    v7 Cysoing, area EPCI (Pévèle), in person (s1) ........ temporarily closed, never verified
    v8 Lille, area département (59), e-mail (s3) ......... open, fresh
    v9 Villeneuve, area EPCI, no channel at all .......... open, fresh
    """
    t = hauts_de_france
    t.hameau = CommuneFactory(
        code="59999", name="Hameau-sans-EPCI", departement=t.nord, epci=None, postal_codes=["59999"], population=100
    )
    t.v1 = VenueFactory(name="V1 Lille permanence", commune=t.lille, service_area=AREA.COMMUNE)
    ChannelFactory(venue=t.v1, in_person=True)
    t.v2 = VenueFactory(name="V2 Villeneuve téléphone", commune=t.villeneuve, service_area=AREA.EPCI, stale=True)
    ChannelFactory(venue=t.v2)
    t.v3 = VenueFactory(name="V3 Cysoing WhatsApp", commune=t.cysoing, service_area=AREA.COMMUNES)
    t.v3.service_area_communes.set([t.templeuve])
    ChannelFactory(venue=t.v3, whatsapp=True)
    t.v4 = VenueFactory(name="V4 Templeuve fermé", commune=t.templeuve, service_area=AREA.COMMUNE)
    ChannelFactory(venue=t.v4, in_person=True)
    ClosurePeriodFactory(venue=t.v4)
    t.v5 = VenueFactory(name="V5 Arras", commune=t.arras, service_area=AREA.DEPARTEMENT, postal_code="62000")
    ChannelFactory(venue=t.v5)
    t.v6 = VenueFactory(
        name="V6 Lille fermé", commune=t.lille, service_area=AREA.DEPARTEMENT, closed_for_good=True, stale=True
    )
    ChannelFactory(venue=t.v6, signage=True)
    ChannelFactory(venue=t.v6)
    t.v7 = VenueFactory(name="V7 Cysoing permanence", commune=t.cysoing, service_area=AREA.EPCI, verified_at=None)
    ChannelFactory(venue=t.v7, in_person=True)
    ClosurePeriodFactory(venue=t.v7, ends_on=None)
    t.v8 = VenueFactory(name="V8 Nord e-mail", commune=t.lille, service_area=AREA.DEPARTEMENT)
    ChannelFactory(venue=t.v8, email=True)
    t.v9 = VenueFactory(name="V9 Villeneuve sans canal", commune=t.villeneuve, service_area=AREA.EPCI)
    return t


def by_key(result):
    return {row.key: row for row in result.rows}


@pytest.mark.django_db
def test_it_computes_the_departement_by_hand(territory):
    t = territory
    result = coverage.compute("departement", "59")
    rows = by_key(result)
    # Rows: MEL, Pévèle and the commune without EPCI (its own row); Arras (62) is out.
    assert set(rows) == {t.mel.code, t.pevele.code, t.hameau.code}
    assert rows[t.hameau.code].level == "commune"
    assert rows[t.mel.code].level == "epci"

    # Per commune (reachable s1 / s2 / s3), the same definition as the directory (a venue
    # counts in every commune it serves, scenario 1 too):
    #   Lille      v1            / v1 v2          / v1 v2 v8          (v6 closed for good: never)
    #   Villeneuve -             / v2             / v2 v8             (v9 has no channel)
    #   Cysoing    -             / -              / v3 v8
    #   Templeuve  -             / -              / v3 v8
    #   Hameau     -             / -              / v8
    # v4 and v7 are closed today by closures naming no channel: the closure rule
    # (ClosurePeriod.keeps_working) stops their drop-in, their only channel: unreachable, like
    # on the paper sheet and in the SMS reply.
    # « Proximité » leaves out v8 (département-wide): Hameau is unreached in every scenario.
    mel = rows[t.mel.code]
    assert mel.population == 236710 + 62000 == 298710
    assert (mel.located, mel.open, mel.temporarily_closed, mel.permanently_closed) == (4 + 1, 4, 0, 1)
    assert mel.stale == 1  # v2 (v6 is stale but closed for good: nothing to check)
    assert mel.stale_pct == Decimal("25.0")  # 1 of 4 active venues
    assert mel.reachable == {1: 1, 2: 2, 3: 3}  # {v1}, {v1, v2}, {v1, v2, v8}
    assert mel.covered == {1: 236710, 2: 298710, 3: 298710}
    assert mel.covered_pct(1) == Decimal("79.2")  # 236710 / 298710 = 79.244 %
    assert mel.covered_pct(2) == Decimal("100.0")

    pevele = rows[t.pevele.code]
    assert pevele.population == 4900 + 6100 == 11000
    assert (pevele.located, pevele.open, pevele.temporarily_closed, pevele.permanently_closed) == (3, 1, 2, 0)
    assert pevele.stale == 1  # v7, never verified
    assert pevele.stale_pct == Decimal("33.3")
    assert pevele.reachable == {1: 0, 2: 0, 3: 2}  # {}, {}, {v3, v8}
    assert pevele.covered == {1: 0, 2: 0, 3: 11000}
    assert pevele.reachable_prox == {1: 0, 2: 0, 3: 1}  # without v8
    assert pevele.covered_prox == {1: 0, 2: 0, 3: 11000}

    hameau = rows[t.hameau.code]
    assert hameau.population == 100
    assert (hameau.located, hameau.stale, hameau.stale_pct) == (0, 0, Decimal("0.0"))
    assert hameau.reachable == {1: 0, 2: 0, 3: 1}  # v8 serves the whole département
    assert hameau.covered == {1: 0, 2: 0, 3: 100}
    assert hameau.reachable_prox == {1: 0, 2: 0, 3: 0}
    assert hameau.covered_prox == {1: 0, 2: 0, 3: 0}

    total = result.totals
    assert total.population == 309810
    assert (total.located, total.open, total.temporarily_closed, total.permanently_closed) == (8, 5, 2, 1)
    assert total.stale == 2 and total.stale_pct == Decimal("28.6")  # 2 of 7 active
    # Distinct venues, not the sum of the rows: v8 counts once although it reaches all three.
    assert total.reachable == {1: 1, 2: 2, 3: 4}  # {v1}, {v1 v2}, {v1 v2 v3 v8}
    assert total.covered == {1: 236710, 2: 298710, 3: 309810}
    assert total.covered_pct(1) == Decimal("76.4")  # 236710 / 309810 = 76.405 %
    assert total.reachable_prox == {1: 1, 2: 2, 3: 3}  # without v8
    assert total.covered_prox == {1: 236710, 2: 298710, 3: 309810 - 100}
    assert total.covered_pct(3, coverage.PROXIMITY) == Decimal("100.0")  # 99.97 % rounded

    unreached_1 = ["Villeneuve-d'Ascq", "Templeuve-en-Pévèle", "Cysoing", "Hameau-sans-EPCI"]
    assert [c["name"] for c in result.unreached[1]] == unreached_1
    assert [c["name"] for c in result.unreached[2]] == ["Templeuve-en-Pévèle", "Cysoing", "Hameau-sans-EPCI"]
    assert result.unreached[3] == []
    assert result.unreached_count == {1: 4, 2: 3, 3: 0}
    assert [c["name"] for c in result.unreached_prox[3]] == ["Hameau-sans-EPCI"]
    assert result.unreached_prox[3][0]["epci_code"] == ""
    assert result.unreached_count_prox == {1: 4, 2: 3, 3: 1}
    villeneuve = result.unreached[1][0]
    assert (villeneuve["epci_code"], villeneuve["epci_name"]) == (t.mel.code, t.mel.name)


@pytest.mark.django_db
def test_it_rolls_up_a_region_an_epci_and_a_commune(territory):
    t = territory
    region = by_key(coverage.compute("region", "32"))
    assert set(region) == {"59", "62"}
    # Arras: v5 (phone, whole Pas-de-Calais) reachable in 2 and 3, nothing in person.
    assert region["62"].reachable == {1: 0, 2: 1, 3: 1}
    assert region["62"].covered == {1: 0, 2: 41000, 3: 41000}
    assert region["59"].reachable == {1: 1, 2: 2, 3: 4}

    epci = coverage.compute("epci", t.pevele.code)
    rows = by_key(epci)
    assert rows[t.cysoing.code].reachable == {1: 0, 2: 0, 3: 2}
    assert rows[t.templeuve.code].reachable == {1: 0, 2: 0, 3: 2}
    assert epci.totals.reachable == {1: 0, 2: 0, 3: 2}

    commune = coverage.compute("commune", t.templeuve.code)
    assert [r.key for r in commune.rows] == [t.templeuve.code]
    assert commune.totals.covered == {1: 0, 2: 0, 3: 6100}


@pytest.mark.django_db
def test_it_restricts_numbers_to_the_staff_departements(territory):
    region = coverage.compute("region", "32", departements=["59"])
    assert [r.key for r in region.rows] == ["59"]
    assert region.totals.population == 309810


@pytest.mark.django_db
def test_it_handles_an_epci_area_without_epci_and_a_list_across_departements(territory):
    t = territory
    # An "EPCI" service area on a commune outside any EPCI serves that commune only.
    lonely = VenueFactory(commune=t.hameau, service_area=AREA.EPCI, postal_code="59999")
    ChannelFactory(venue=lonely)
    # A Pas-de-Calais venue listing Cysoing (Nord) reaches it, without being located there.
    across = VenueFactory(commune=t.arras, service_area=AREA.COMMUNES, postal_code="62000")
    across.service_area_communes.set([t.cysoing])
    ChannelFactory(venue=across, sms=True)
    rows = by_key(coverage.compute("departement", "59", departements=["59"]))
    assert rows[t.hameau.code].reachable == {1: 0, 2: 1, 3: 2}
    assert rows[t.hameau.code].covered == {1: 0, 2: 100, 3: 100}
    assert rows[t.mel.code].reachable == {1: 1, 2: 2, 3: 3}  # unchanged
    assert rows[t.pevele.code].reachable == {1: 0, 2: 1, 3: 3}  # + the Arras venue
    assert rows[t.pevele.code].located == 3  # located counts stay in their département
    result = coverage.compute("departement", "59")
    assert result.totals.reachable == {1: 1, 2: 4, 3: 6}
    assert result.unreached_count == {1: 4, 2: 1, 3: 0}


@pytest.mark.django_db
def test_it_shows_the_hand_computed_table(client, territory):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL, {"niveau": "departement", "code": "59"})
    assert response.status_code == 200
    names = [line["row"].name for line in response.context["lines"]]
    assert names == ["CC Pévèle-Carembault", "Hameau-sans-EPCI", "Métropole Européenne de Lille"]
    # Fewer columns: the three shares, the communes left out in the chosen scenario, venues.
    assert [h["key"] for h in response.context["headers"]] == [
        "name",
        "population",
        "covered_pct_1",
        "covered_pct_2",
        "covered_pct_3",
        "unreached_1",
        "located",
        "stale_pct",
        "flagged_channels",  # channels failing the automatic checks (tests/test_channel_flags.py)
    ]
    html = response.content.decode()
    # Scenario shares first, in French: « 76,4 % », « 309 810 » (narrow no-break spaces).
    assert html.index("scenario-cards") < html.index("coverage-table")
    assert "76,4\u202f%" in html and "236\u202f710 habitants sur 309\u202f810" in html
    assert "Scénario 1 : 4 communes sans lieu joignable" in html
    assert "Métropole Européenne de Lille" in html  # the EPCI of an unreached commune
    assert reverse("admin:directory_venue_change", args=[territory.v2.pk]) in html
    assert reverse("admin:directory_venue_change", args=[territory.v7.pk]) in html
    # The closed-for-good venue is not on the list to act on.
    assert reverse("admin:directory_venue_change", args=[territory.v6.pk]) not in html
    assert 'style="' not in html  # CSP: no inline styles
    # Drill-down: rows and unreached communes link to their own page.
    assert f"niveau=epci&amp;code={territory.mel.code}" in html
    assert "niveau=commune&amp;code=59009" in html


@pytest.mark.django_db
def test_the_proximity_view_leaves_out_departement_wide_services(client, territory):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL, {"niveau": "departement", "code": "59", "vue": "proximite", "scenario": "3"})
    cards = {c["scenario"]: c for c in response.context["cards"]}
    assert cards[3]["covered"] == 309810 - 100 and cards[3]["unreached"] == 1
    assert cards[3]["selected"] and not cards[1]["selected"]
    assert [c["name"] for c in response.context["unreached"]] == ["Hameau-sans-EPCI"]
    keys = [h["key"] for h in response.context["headers"]]
    assert "covered_prox_pct_3" in keys and "unreached_prox_3" in keys
    # Links keep the view and the scenario.
    assert "vue=proximite&amp;scenario=3" in response.content.decode()


@pytest.mark.django_db
def test_it_sorts_by_a_column(client, territory):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL, {"niveau": "departement", "code": "59", "tri": "-population"})
    assert [line["row"].name for line in response.context["lines"]][0] == "Métropole Européenne de Lille"
    assert 'aria-sort="descending"' in response.content.decode()
    response = client.get(URL, {"niveau": "departement", "code": "59", "tri": "covered_1"})
    assert [line["row"].covered[1] for line in response.context["lines"]] == [0, 0, 236710]


def _french_csv(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw = response.content.decode("utf-8")
    assert raw.startswith("\ufeff")  # the BOM French spreadsheets need for UTF-8
    return list(csv.reader(io.StringIO(raw[1:]), delimiter=";"))


@pytest.mark.django_db
def test_the_csv_opens_in_a_french_spreadsheet_with_the_numbers(client, territory):
    client.force_login(UserFactory(is_superuser=True))
    params = {"niveau": "departement", "code": "59", "tri": "-population"}
    parsed = _french_csv(client.get(URL, {**params, "format": "csv"}))
    header = parsed[0]
    # The coverage columns, then the distance figures (tests/test_coverage_distance.py).
    assert header[: len(coverage.columns())] == [str(label) for _key, label in coverage.columns()]
    rows = {line[0]: dict(zip(header, line, strict=True)) for line in parsed[1:]}
    assert list(rows)[0] == "Métropole Européenne de Lille" and list(rows)[-1] == "Total"
    total = rows["Total"]
    assert total["Population"] == "309810"
    assert total["Part couverte, scénario 1 (%)"] == "76,4"  # decimal comma
    assert total["Population couverte, scénario 3"] == "309810"
    assert total["Part couverte en proximité, scénario 3 (%)"] == "100,0"
    assert total["Communes sans lieu joignable, scénario 1"] == "4"
    mel = rows["Métropole Européenne de Lille"]
    assert (mel["Code"], mel["Lieux situés"], mel["Part à vérifier (%)"]) == (territory.mel.code, "5", "25,0")
    # The same numbers as the page's table, column for column.
    page = client.get(URL, params)
    for line in page.context["lines"]:
        for header_cell, cell in zip(page.context["headers"], line["cells"], strict=True):
            label = str(header_cell["label"])
            if label in header:
                assert rows[line["row"].name][label] == str(cell).replace(".", ","), label


@pytest.mark.django_db
def test_the_machine_csv_and_the_workbook_hold_the_same_table(client, territory):
    client.force_login(UserFactory(is_superuser=True))
    params = {"niveau": "departement", "code": "59"}
    machine = client.get(URL, {**params, "format": "csv-brut"})
    content = machine.content.decode("utf-8")
    assert not content.startswith("\ufeff")
    parsed = list(csv.reader(io.StringIO(content)))
    assert parsed[-1][0] == "Total" and parsed[-1][2] == "309810"
    header = parsed[0]
    assert parsed[-1][header.index("Part couverte, scénario 1 (%)")] == "76.4"
    workbook = client.get(URL, {**params, "format": "xlsx"})
    assert workbook["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="couverture-departement-59-' in workbook["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        strings = archive.read("xl/sharedStrings.xml").decode()
    assert "<v>309810</v>" in sheet and "<v>76.4" in sheet  # numbers stay numbers
    assert "Métropole Européenne de Lille" in strings and "Part couverte, scénario 1 (%)" in strings


@pytest.mark.django_db
def test_it_exports_every_commune_without_reachable_venue_with_its_epci(client, territory):
    client.force_login(UserFactory(is_superuser=True))
    parsed = _french_csv(client.get(URL, {"niveau": "departement", "code": "59", "format": "csv", "sans_lieu": "1"}))
    assert parsed[0] == ["Commune", "Code INSEE", "Population", "EPCI", "SIREN de l'EPCI"]
    assert parsed[1:] == [
        ["Villeneuve-d'Ascq", "59009", "62000", "Métropole Européenne de Lille", "200093201"],
        ["Templeuve-en-Pévèle", "59586", "6100", "CC Pévèle-Carembault", "200041960"],
        ["Cysoing", "59168", "4900", "CC Pévèle-Carembault", "200041960"],
        ["Hameau-sans-EPCI", "59999", "100", "", ""],
    ]
    prox = _french_csv(
        client.get(URL, {"niveau": "departement", "code": "59", "format": "csv", "sans_lieu": "3", "vue": "proximite"})
    )
    assert prox[1:] == [["Hameau-sans-EPCI", "59999", "100", "", ""]]


@pytest.mark.django_db
def test_a_territory_is_chosen_by_name(client, territory):
    client.force_login(DepartementStaffFactory(departement=territory.nord).user)
    # Without JavaScript: the form lists the matching territories, as links.
    response = client.get(URL, {"q": "pevele"})
    assert response.status_code == 200
    found = {(t["level"], t["code"]) for t in response.context["suggestions"]}
    assert ("epci", territory.pevele.code) in found
    assert f"niveau=epci&amp;code={territory.pevele.code}" in response.content.decode()
    # The suggestions the autocomplete reads: accents and case forgiven, staff's départements only.
    results = client.get(URL, {"q": "VILLENEUVE", "format": "json"}).json()["results"]
    assert [(r["level"], r["code"]) for r in results] == [("commune", "59009")]
    assert results[0]["url"].endswith("niveau=commune&code=59009")
    assert client.get(URL, {"q": "arras", "format": "json"}).json()["results"] == []  # Pas-de-Calais
    assert [r["code"] for r in client.get(URL, {"q": "nord", "format": "json"}).json()["results"]] == ["59"]
    assert "Aucun territoire" in client.get(URL, {"q": "zzzz"}).content.decode()


def _grow(nord, epci, start, n):
    """n more communes in ``epci``, each with a venue (areas, closures and staleness vary)."""
    for i in range(start, start + n):
        commune = CommuneFactory(code=f"59{500 + i:03d}", departement=nord, epci=epci, population=100 + i)
        venue = VenueFactory(commune=commune, service_area=AREA.COMMUNE if i % 2 else AREA.EPCI, stale=i % 3 == 0)
        ChannelFactory(venue=venue, in_person=True)
        ChannelFactory(venue=venue, sms=True)
        if i % 4 == 0:
            ClosurePeriodFactory(venue=venue)


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_communes(client, django_assert_num_queries, hauts_de_france):
    client.force_login(DepartementStaffFactory(departement=hauts_de_france.nord).user)
    epci = EpciFactory(code="200000001", name="CC de test")
    params = {"niveau": "epci", "code": epci.code}
    _grow(hauts_de_france.nord, epci, 0, 3)
    # session, user, assignments, EPCI, its first commune, coverage, stale list, the communes
    # (commune map and distances), the venues with an in-person drop-in (distances; the stops
    # of mobile ones would be one more), and the menu entry « Mon lieu » (« Couverture » reads
    # the assignments already read, remembered on the user)
    with django_assert_num_queries(10):
        assert len(client.get(URL, params).context["lines"]) == 3
    _grow(hauts_de_france.nord, epci, 3, 27)
    with django_assert_num_queries(10):
        assert len(client.get(URL, params).context["lines"]) == 30
    # The département above and a commune page (plus the venues serving it) stay as small.
    with django_assert_num_queries(9):
        assert client.get(URL, {"niveau": "departement", "code": "59"}).status_code == 200
    with django_assert_num_queries(11):
        assert client.get(URL, {"niveau": "commune", "code": "59500"}).status_code == 200


# --- access ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_users_go_to_login(client, hauts_de_france):
    response = client.get(URL, {"niveau": "departement", "code": "59"})
    assert response.status_code == 302
    login = reverse("admin:login")
    assert response["Location"].startswith(login + "?next=")
    assert "couverture" in response["Location"]


@pytest.mark.django_db
def test_a_mediator_is_refused(client, hauts_de_france):
    client.force_login(MembershipFactory().user)
    response = client.get(URL)
    assert response.status_code == 403
    assert "réservée aux agents départementaux" in response.content.decode()


@pytest.mark.django_db
def test_staff_default_to_their_departement_and_stay_inside(client, territory):
    client.force_login(DepartementStaffFactory(departement=territory.nord).user)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["level"] == "departement" and response.context["code"] == "59"
    assert client.get(URL, {"niveau": "epci", "code": territory.mel.code}).status_code == 200
    assert client.get(URL, {"niveau": "commune", "code": "59350"}).status_code == 200
    assert client.get(URL, {"niveau": "departement", "code": "62"}).status_code == 403
    assert client.get(URL, {"niveau": "commune", "code": "62041"}).status_code == 403
    assert client.get(URL, {"niveau": "epci", "code": territory.cua.code}).status_code == 403
    assert client.get(URL, {"niveau": "departement", "code": "62", "format": "csv"}).status_code == 403
    # A région shows only their départements.
    region = client.get(URL, {"niveau": "region", "code": "32"})
    assert region.status_code == 200
    assert [line["row"].key for line in region.context["lines"]] == ["59"]
    france = client.get(URL, {"niveau": "france"})
    assert france.context["result"].totals.population == 309810


@pytest.mark.django_db
def test_a_superuser_sees_everything(client, territory):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["level"] == "france"
    assert response.context["result"].totals.population == 309810 + 41000
    assert client.get(URL, {"niveau": "departement", "code": "62"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, status",
    [
        ({"niveau": "planete"}, 400),
        ({"niveau": "departement", "code": "<script>"}, 404),
        ({"niveau": "departement", "code": "00"}, 404),
        ({"niveau": "commune", "code": "99999"}, 404),
        ({"niveau": "epci", "code": "123"}, 404),
        ({"niveau": "region", "code": "x" * 50}, 404),
        ({"niveau": "departement", "code": "59", "tri": "'; drop"}, 200),
        ({"niveau": "departement", "code": "59", "format": "csv", "sans_lieu": "9"}, 200),
    ],
)
def test_bad_query_strings_get_a_clear_answer(client, hauts_de_france, params, status):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(URL, params)
    assert response.status_code == status
    assert "<script>" not in response.content.decode("utf-8-sig")


# --- public summary --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_summary_is_anonymous_and_has_no_staleness(client, django_assert_num_queries, territory):
    response = client.get(PUBLIC_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nord" in html and "Pas-de-Calais" in html
    assert "vérifier" not in html
    rows = {row["key"]: row["cells"] for row in response.context["rows"]}
    keys = [h["key"] for h in response.context["headers"]]
    nord = dict(zip(keys, rows["59"], strict=True))
    assert nord["located"] == 8 and nord["open"] == 5 and nord["temporarily_closed"] == 2
    assert (nord["covered_1"], nord["covered_2"], nord["covered_3"]) == (236710, 298710, 309810)
    assert not any(k.startswith("stale") for k in keys)
    assert len(keys) == 15 and not any("prox" in k or k.startswith("unreached") for k in keys)
    assert "309\u202f810" in html  # French thousands
    # Served from the cache until the data changes.
    with django_assert_num_queries(0):
        assert client.get(PUBLIC_URL).status_code == 200
    ChannelFactory(venue=territory.v9, sms=True)
    again = client.get(PUBLIC_URL)
    nord = dict(zip(keys, {r["key"]: r["cells"] for r in again.context["rows"]}["59"], strict=True))
    assert nord["reachable_2"] == 3  # v1, v2 and now v9
    csv_rows = _french_csv(client.get(PUBLIC_URL, {"format": "csv"}))
    assert not any("vérifier" in h for h in csv_rows[0])
    assert csv_rows[0] == [str(label) for _key, label in coverage.columns(public=True)]
    assert client.get(PUBLIC_URL, {"format": "xlsx"})["Content-Type"].endswith("spreadsheetml.sheet")


@pytest.mark.django_db
def test_an_edit_shows_at_once_despite_the_cache(client, territory):
    client.force_login(UserFactory(is_superuser=True))
    params = {"niveau": "commune", "code": territory.hameau.code}
    assert client.get(URL, params).context["result"].totals.reachable == {1: 0, 2: 0, 3: 1}
    venue = VenueFactory(commune=territory.hameau, service_area=AREA.COMMUNE, postal_code="59999")
    ChannelFactory(venue=venue, in_person=True)
    assert client.get(URL, params).context["result"].totals.reachable == {1: 1, 2: 1, 3: 2}
