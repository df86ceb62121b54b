"""Likely duplicates: the score, SQL candidates agreeing with it, import warnings, the staff
list, merging and marking distinct (directory/duplicates.py, directory/admin/duplicates.py)."""

import csv
import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from directory import actions, cache, duplicates, enums
from directory.duplicates import Facts, Features, MergeRefused
from directory.models import (
    Channel,
    ClosurePeriod,
    FreshnessReminder,
    LikelyDuplicate,
    Report,
    Venue,
    VenueRedirect,
)
from directory.opendata import standard
from directory.opendata.importer import import_file
from tests.factories import (
    ChannelFactory,
    ClosurePeriodFactory,
    DepartementStaffFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)

LILLE = (50.6366, 3.0635)


def facts(key, name, address="1 rue de la Paix", pivot="", commune="59350", position=LILLE):
    lat, lon = position if position else (None, None)
    return Facts.build(key, name, str(key), commune, lat, lon, pivot, address)


def metres_north(position, metres):
    return (position[0] + metres / 111_320, position[1])


# --- the score -------------------------------------------------------------------------------

SIRET = "43493312300029"
FAR = metres_north(LILLE, 1500)

# (case, a, b, likely)
SCORE_CASES = [
    (
        "same pivot, name and address from two sources",
        facts(1, "Espace numérique Wazemmes", "12 rue des Sarrazins", SIRET),
        facts(2, "ESPACE NUMERIQUE WAZEMMES", "12, r. des Sarrazins", SIRET),
        True,
    ),
    (
        "the same place under two ids, placeholder pivot, close name",
        facts(1, "Espace France Services de Mansle", "2 place du Gardoire", "00000000000000"),
        facts(2, "France Services Mansle", "2 pl. du Gardoire", "00000000000000", position=metres_north(LILLE, 10)),
        True,
    ),
    (
        "placeholder pivots never count",
        facts(1, "Médiathèque", "1 rue A", "00000000000000", position=None),
        facts(2, "Maison de quartier", "8 avenue B", "00000000000000", position=None),
        False,
    ),
    (
        "a network's shared pivot, other name, 1.5 km apart",
        facts(1, "Centre social de Moulins", "5 rue Fombelle", SIRET),
        facts(2, "Centre social de Wazemmes", "20 rue Racine", SIRET, position=FAR),
        False,
    ),
    (
        "a network's shared pivot, no coordinates, other address",
        facts(1, "Centre social Marcel Bertrand", "40 rue Jean Jaurès", "43493312300037", position=None),
        facts(2, "Centre social Lazare Garreau", "20 rue Racine", "43493312300037", position=None),
        False,
    ),
    (
        "two services at one address, names unlike",
        facts(1, "Caisse d'allocations familiales", "3 place de la Mairie"),
        facts(2, "Atelier numérique jeunesse", "3 place de la Mairie"),
        False,
    ),
    (
        "same name and address, no pivot and no coordinates",
        facts(1, "Médiathèque Jean Lévy", "32 rue Édouard Delesalle", position=None),
        facts(2, "Mediatheque Jean Levy", "32 r. Edouard Delesalle", position=None),
        True,
    ),
    (
        "same name in the same commune, 5 km apart",
        facts(1, "Médiathèque municipale", "1 rue A"),
        facts(2, "Médiathèque municipale", "1 rue A", position=metres_north(LILLE, 5000)),
        False,
    ),
    (
        "same name across a commune boundary, 20 m apart",
        facts(1, "Point numérique de la gare", "Parvis de la gare", commune="59350"),
        facts(2, "Point numérique de la gare", "Parvis gare", commune="59009", position=metres_north(LILLE, 20)),
        True,
    ),
    (
        "same name and address in other communes far apart are no candidates",
        facts(1, "France Services", "1 place de la Mairie", commune="59350"),
        facts(2, "France Services", "1 place de la Mairie", commune="62041", position=metres_north(LILLE, 40_000)),
        False,
    ),
]


@pytest.mark.parametrize(("case", "a", "b", "likely"), SCORE_CASES, ids=[c[0] for c in SCORE_CASES])
def test_score_table(case, a, b, likely):
    features = Features.of(a, b)
    assert features.is_likely is likely, (features, features.score)
    assert 0 <= features.score <= 100
    assert features == Features.of(b, a)  # symmetric


def test_the_score_adds_what_the_docstring_says():
    assert Features(same_pivot=True, has_addresses=False).score == 30
    assert Features(name_similarity=1.0, has_addresses=False).score == 50
    assert Features(same_address=True).score == 20
    assert Features(address_similarity=0.6).score == 10
    assert Features(address_similarity=0.1).score == 0  # −10, clamped at 0
    assert Features(name_similarity=1.0, address_similarity=0.1).score == 40
    assert Features(name_similarity=1.0, distance_m=20.0, has_addresses=False).score == 65
    assert Features(name_similarity=1.0, distance_m=100.0, has_addresses=False).score == 58
    assert Features(name_similarity=1.0, distance_m=1000.0, has_addresses=False).score == 40
    assert Features(name_similarity=1.0, distance_m=3000.0, has_addresses=False).score == 20
    assert (
        Features(same_pivot=True, name_similarity=1.0, same_address=True, distance_m=0.0, same_commune=True).score
        == 100
    )
    # The threshold needs two signals: a name alone, even identical in the same commune, is not enough.
    assert not Features(name_similarity=1.0, same_commune=True, has_addresses=False).is_likely
    # Candidates only: same commune, or near.
    assert not Features(same_pivot=True, name_similarity=1.0, same_address=True, distance_m=200.0).is_likely
    assert Features(same_pivot=True, name_similarity=1.0, same_address=True, same_commune=True).is_likely


@pytest.mark.parametrize(
    ("pivot", "usable"),
    [
        ("00000000000000", False),
        ("11111111111111", False),
        ("12345678901234", False),
        ("123456789", False),
        ("W000000000", False),
        ("10000000000000", False),
        ("", False),
        ("43493312300029", True),
        ("434933123", True),
        ("W595012345", True),
    ],
)
def test_placeholder_pivots(pivot, usable):
    assert bool(duplicates.usable_pivot(pivot)) is usable


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("espace france services de mansle", "france services mansle"),
        ("mediatheque jean levy", "mediatheque jean levy"),
        ("centre social de moulins", "centre social lazare garreau"),
        ("a", "ab"),
        ("point numerique l'ile-d'yeu", "point numerique ile d yeu"),
        ("", "x"),
        ("12 boulevard republique", "12 bd republique"),
    ],
)
def test_python_trigrams_agree_with_pg_trgm(db, a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        expected = cursor.fetchone()[0]
    mine = duplicates.trigram_similarity(duplicates.trigrams(a), duplicates.trigrams(b))
    assert mine == pytest.approx(expected, abs=1e-6)


def test_python_distance_agrees_with_earthdistance(db):
    a, b = LILLE, metres_north(LILLE, 140)
    with connection.cursor() as cursor:
        cursor.execute("SELECT earth_distance(ll_to_earth(%s, %s), ll_to_earth(%s, %s))", [*a, *b])
        expected = cursor.fetchone()[0]
    assert duplicates.distance_m(*a, *b) == pytest.approx(expected, rel=1e-6)


def test_address_key_spells_out_abbreviations():
    assert duplicates.address_key("12, Bd. de la République") == duplicates.address_key("12 boulevard République")
    assert duplicates.address_key("3 pl. St-Jean") == "3 place saint jean"


@pytest.fixture
def case_venues(hauts_de_france):
    """Each score case as two venues of the directory (coordinates and communes as in the case)."""
    communes = {c.pk: c for c in (hauts_de_france.lille, hauts_de_france.villeneuve, hauts_de_france.arras)}
    made = []
    for index, (_case, a, b, _likely) in enumerate(SCORE_CASES):
        # Cases far apart from each other: only the pair of a case may match.
        shift = index * 0.5
        pair = []
        for item in (a, b):
            pivot = item.pivot or f"2159{index:04d}{item.key:06d}"
            pair.append(
                VenueFactory(
                    name=item.name,
                    address=item.address,
                    pivot=pivot,
                    commune=communes[item.commune_id],
                    postal_code=communes[item.commune_id].postal_codes[0],
                    latitude=None if item.latitude is None else item.latitude + shift,
                    longitude=item.longitude,
                )
            )
        made.append(pair)
    return made


def test_sql_candidates_keep_every_pair_the_score_flags(case_venues):
    """The SQL prefilter is a superset of the rule: every likely pair among all the venues
    (scored here in Python, every pair) is found by the directory scan, and nothing else."""
    every = duplicates.venue_facts(Venue.objects.values_list("pk", flat=True))
    expected = {
        (a, b) for a, b in itertools.combinations(sorted(every), 2) if Features.of(every[a], every[b]).is_likely
    }
    found = {(a.key, b.key) for a, b, _f in duplicates.directory_pairs()}
    assert found == expected
    flagged_cases = {
        tuple(sorted(v.pk for v in pair)) for pair, case in zip(case_venues, SCORE_CASES, strict=True) if case[3]
    }
    assert found == flagged_cases


def test_rows_against_the_directory_agree_with_the_score(case_venues):
    rows = [duplicates.row_facts(1000 + i, _values(v)) for i, v in enumerate(Venue.objects.order_by("pk"))]
    every = duplicates.venue_facts(Venue.objects.values_list("pk", flat=True))
    venues = list(Venue.objects.order_by("pk"))
    selves = {row.key: venue.pk for row, venue in zip(rows, venues, strict=True)}
    expected = {
        (row.key, pk) for row in rows for pk in every if pk != selves[row.key] and Features.of(row, every[pk]).is_likely
    }
    found = duplicates.duplicates_of_rows(rows, selves)
    assert {(line, m.other.key) for line, matches in found.items() for m in matches} == expected
    assert LikelyDuplicate.objects.count() == 0  # nothing written


def test_rows_within_a_file_agree_with_the_score():
    rows = [item for _case, a, b, _l in SCORE_CASES for item in (a, b)]
    rows = [
        r._replace(key=i, latitude=None if r.latitude is None else r.latitude + (i // 2) * 0.5)
        for i, r in enumerate(rows)
    ]
    expected = {(a.key, b.key) for a, b in itertools.combinations(rows, 2) if Features.of(a, b).is_likely}
    found = {(m.other.key, m.key) for m in duplicates.duplicates_within(rows)}
    assert found == expected


def _values(venue):
    return {
        "name": venue.name,
        "pivot": venue.pivot,
        "address": venue.address,
        "commune_id": venue.commune_id,
        "latitude": venue.latitude,
        "longitude": venue.longitude,
    }


# --- import ----------------------------------------------------------------------------------


def _row(**changes):
    with standard.EXAMPLE_PATH.open(encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    row.update(
        commune="Lille",
        code_postal="59000",
        code_insee="59350",
        telephone="+33353010001",
        courriels="",
        site_web="",
        prise_rdv="",
        fiche_acces_libre="",
        source="Région",
    )
    row.update(changes)
    return row


def _write(path, rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]), quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def existing(hauts_de_france):
    return VenueFactory(
        name="Espace numérique Wazemmes",
        pivot=SIRET,
        address="12 rue des Sarrazins",
        commune=hauts_de_france.lille,
        postal_code="59000",
        latitude=50.6270,
        longitude=3.0500,
        external_id="wazemmes",
        source="Département",
    )


def test_import_warns_about_likely_duplicates_and_records_them(tmp_path, existing):
    path = _write(
        tmp_path / "lieux.csv",
        [
            _row(
                id="r-1",
                pivot=SIRET,
                nom="ESPACE NUMERIQUE WAZEMMES",
                adresse="12, r. des Sarrazins",
                latitude="50.6271",
                longitude="3.0501",
            ),
            _row(
                id="r-2",
                pivot="00000000000000",
                nom="Médiathèque Jean Lévy",
                adresse="32 rue Édouard Delesalle",
                latitude="50.6320",
                longitude="3.0610",
            ),
            _row(
                id="r-3",
                pivot="00000000000000",
                nom="Mediatheque Jean Levy",
                adresse="32 r. Edouard Delesalle",
                latitude="50.6320",
                longitude="3.0611",
            ),
            _row(
                id="r-4",
                pivot="00000000000000",
                nom="Atelier numérique jeunesse",
                adresse="8 avenue du Peuple Belge",
                latitude="50.6420",
                longitude="3.0650",
            ),
        ],
    )

    dry = import_file(path, dry_run=True)
    assert dry.ok, [str(e) for e in dry.errors]
    warnings = [str(w) for w in dry.warnings]
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("Ligne 2, champ nom")
    assert "doublon probable de « Espace numérique Wazemmes » (wazemmes, score 100 : même pivot" in warnings[0]
    assert "doublon probable de « Médiathèque Jean Lévy » (ligne 3, score" in warnings[1]
    assert warnings[1].startswith("Ligne 4")
    assert LikelyDuplicate.objects.count() == 0  # a dry run writes nothing

    report = import_file(path)
    assert report.ok and report.created == 4  # flagged rows are still imported
    assert [str(w) for w in report.warnings] == warnings
    r1, r2, r3 = (Venue.objects.get(external_id=f"r-{n}") for n in (1, 2, 3))
    pairs = {(p.first_id, p.second_id): p for p in LikelyDuplicate.objects.all()}
    assert set(pairs) == {tuple(sorted((existing.pk, r1.pk))), tuple(sorted((r2.pk, r3.pk)))}
    assert all(
        p.origin == enums.DuplicateOrigin.IMPORT and p.status == enums.DuplicateStatus.PROPOSED for p in pairs.values()
    )

    # Importing the file again updates the same venues: they are not their own duplicates.
    again = import_file(path)
    assert again.ok and again.warnings == [] and again.unchanged == 4
    assert LikelyDuplicate.objects.count() == 2


# --- staff: list, merge, distinct ------------------------------------------------------------


@pytest.fixture
def world(hauts_de_france):
    hdf = hauts_de_france
    staff_59 = DepartementStaffFactory(user=UserFactory(username="staff59"), departement=hdf.nord).user
    staff_62 = DepartementStaffFactory(user=UserFactory(username="staff62"), departement=hdf.pdc).user
    superuser = UserFactory(username="root", is_superuser=True)
    a = VenueFactory(
        name="Espace numérique Wazemmes",
        commune=hdf.lille,
        postal_code="59000",
        address="12 rue des Sarrazins",
        service_area=enums.ServiceArea.COMMUNES,
        opening_hours="",
        external_id="dept-1",
        source="Département",
    )
    b = VenueFactory(
        name="ESPACE NUMERIQUE WAZEMMES",
        commune=hdf.lille,
        postal_code="59000",
        address="12 r. des Sarrazins",
        presentation_resume="Ateliers numériques",
        external_id="reg-1",
        source="Région",
    )
    mediator = MembershipFactory(structure=a.structure, user=UserFactory(username="mediator"), manager=True).user
    pair = LikelyDuplicate.objects.create(
        **duplicates.pair_values(a.pk, b.pk, Features.of(*duplicates.venue_facts([a.pk, b.pk]).values()), "scan")
    )
    return locals() | {"hdf": hdf}


def _post_merge(client, pair, survivor, versions=None, user=None):
    data = {"merge": "1", "survivor": str(survivor.pk)}
    for venue in (pair.first, pair.second):
        version = (versions or {}).get(venue.pk, Venue.objects.get(pk=venue.pk).version)
        data[f"version_{venue.pk}"] = str(version)
    return client.post(reverse("admin:directory_likelyduplicate_review", args=[pair.pk]), data)


def test_merge_keeps_everything_and_redirects(client, world):
    a, b, pair, user = world["a"], world["b"], world["pair"], world["staff_59"]
    hdf = world["hdf"]
    a.service_area_communes.set([hdf.lille])
    b.service_area_communes.set([hdf.villeneuve, hdf.cysoing])
    shared = ChannelFactory(venue=a, kind=enums.ChannelKind.PHONE, value="+33353010002")
    twin = ChannelFactory(venue=b, kind=enums.ChannelKind.PHONE, value="+33353010002")
    sms = ChannelFactory(venue=b, sms=True)
    closure = ClosurePeriodFactory(venue=b)
    closure.open_channels.set([twin, sms])
    report = Report.objects.create(venue=b, topic=enums.ReportTopic.HOURS, comment="Horaires changés")
    reminder = FreshnessReminder.objects.create(venue=b, recipients=1)
    from directory.models import Suggestion

    suggestion = Suggestion.objects.create(venue=b, kind=enums.SuggestionKind.CHANGE, comment="Nouveau numéro")
    older = VenueRedirect.objects.create(old_slug="ancien-nom-de-b", venue=b)
    b_slug, b_pk = b.slug, b.pk
    version_before = cache.data_version()

    client.force_login(user)
    response = _post_merge(client, pair, survivor=a)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Venue.objects.filter(pk=b_pk).exists()
    a.refresh_from_db()
    assert set(a.channels.values_list("kind", "value")) == {
        (enums.ChannelKind.PHONE, "+33353010002"),
        (enums.ChannelKind.SMS, "+33639980000"),
        *((c.kind, c.value) for c in a.channels.all()),
    }
    assert a.channels.filter(kind=enums.ChannelKind.PHONE, value="+33353010002").count() == 1  # not copied twice
    closure.refresh_from_db()
    assert closure.venue_id == a.pk
    suggestion.refresh_from_db()
    assert suggestion.venue_id == a.pk
    assert set(closure.open_channels.values_list("pk", flat=True)) >= {shared.pk, sms.pk}
    assert Report.objects.get(pk=report.pk).venue_id == a.pk
    assert FreshnessReminder.objects.get(pk=reminder.pk).venue_id == a.pk
    assert set(a.service_area_communes.values_list("pk", flat=True)) == {
        hdf.lille.pk,
        hdf.villeneuve.pk,
        hdf.cysoing.pk,
    }
    assert a.presentation_resume == "Ateliers numériques"  # an empty field filled from the absorbed venue
    # History: who merged, and why, on the survivor; the absorbed venue's deletion too.
    record = a.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == user
    assert "fusion" in record.history_change_reason and "reg-1" not in record.history_change_reason
    deleted = Venue.history.filter(id=b_pk, history_type="-").get()
    assert deleted.history_user == user
    assert Channel.history.filter(id=sms.pk, venue_id=a.pk, history_user=user).exists()
    # The absorbed venue's public addresses answer 301 to the survivor.
    assert LikelyDuplicate.objects.count() == 0
    assert VenueRedirect.objects.get(old_slug=b_slug).external_id == "reg-1"
    assert VenueRedirect.objects.get(pk=older.pk).venue_id == a.pk
    client.logout()
    moved = client.get(reverse("directory:venue", args=[b_slug]) + "?scenario=2")
    assert moved.status_code == 301
    assert moved["Location"] == a.get_absolute_url() + "?scenario=2"
    assert client.get(reverse("directory:venue", args=["ancien-nom-de-b"])).status_code == 301
    assert client.get(reverse("directory:venue", args=["jamais-existe"])).status_code == 404
    assert cache.data_version() != version_before


def _snapshot():
    return (
        sorted(Venue.objects.values_list("pk", "name", "version")),
        sorted(Channel.objects.values_list("pk", "venue_id")),
        sorted(ClosurePeriod.objects.values_list("pk", "venue_id")),
        sorted(LikelyDuplicate.objects.values_list("pk", "status")),
        VenueRedirect.objects.count(),
    )


def _error_text(client, response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_a_stale_form_is_refused(client, world):
    a, b, pair = world["a"], world["b"], world["pair"]
    ChannelFactory(venue=b)
    seen = {a.pk: a.version, b.pk: b.version}
    b.name = "Espace numérique de Wazemmes (renommé)"
    b.save()
    before = _snapshot()
    client.force_login(world["superuser"])
    response = _post_merge(client, pair, survivor=a, versions=seen)
    assert response.status_code == 200
    assert any("a été modifié par" in m for m in _error_text(client, response))
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("staff_62", None),  # not in scope at all: 404
        ("mediator", None),
    ],
)
def test_users_outside_the_scope_cannot_see_the_pair(client, world, who, message):
    before = _snapshot()
    client.force_login(world[who])
    response = _post_merge(client, world["pair"], survivor=world["a"])
    assert response.status_code in {403, 404}
    assert _snapshot() == before


def test_merging_a_venue_outside_ones_departements_is_refused(client, world):
    hdf = world["hdf"]
    # A venue of Arras (62) next to one of Lille (59): staff of 59 see the pair, cannot merge it.
    c = VenueFactory(name=world["a"].name, address=world["a"].address, commune=hdf.arras, postal_code="62000")
    pair = LikelyDuplicate.objects.create(
        **duplicates.pair_values(world["a"].pk, c.pk, Features(name_similarity=1.0, distance_m=0.0), "scan")
    )
    before = _snapshot()
    client.force_login(world["staff_59"])
    page = client.get(reverse("admin:directory_likelyduplicate_review", args=[pair.pk]))
    assert page.status_code == 200
    assert "Vous ne pouvez pas fusionner ces lieux" in page.content.decode()
    response = _post_merge(client, pair, survivor=world["a"])
    assert response.status_code == 200
    assert _error_text(client, response) == [
        f"Vous ne pouvez pas fusionner ces lieux : « {c.name} » n'est pas dans vos départements."
    ]
    assert _snapshot() == before


def test_bad_survivors_are_refused(client, world):
    other = VenueFactory(commune=world["hdf"].lille, postal_code="59000")
    before = _snapshot()
    client.force_login(world["superuser"])
    for survivor in (other, Venue(pk=999_999)):
        response = _post_merge(client, world["pair"], survivor=survivor)
        assert _error_text(client, response) == ["Choisissez lequel des deux lieux est conservé."]
    response = client.post(
        reverse("admin:directory_likelyduplicate_review", args=[world["pair"].pk]), {"merge": "1", "survivor": "x"}
    )
    assert _error_text(client, response) == ["Choisissez lequel des deux lieux est conservé."]
    assert _snapshot() == before


def test_a_venue_is_never_paired_with_itself(world):
    a = world["a"]
    with pytest.raises(ValidationError) as error:
        LikelyDuplicate(first=a, second=a, score=100).full_clean()
    assert "Une paire de doublons relie deux lieux différents." in str(error.value)
    with pytest.raises(MergeRefused, match="Choisissez lequel"):
        actions.merge_venues(
            LikelyDuplicate(pk=0, first=a, second=a, score=100), a.pk, {a.pk: a.version}, world["superuser"]
        )


def test_mark_distinct_is_never_proposed_again(client, world):
    pair = world["pair"]
    client.force_login(world["staff_59"])
    response = client.post(reverse("admin:directory_likelyduplicate_review", args=[pair.pk]), {"distinct": "1"})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == enums.DuplicateStatus.DISTINCT and pair.decided_by == world["staff_59"]
    counts = duplicates.refresh_directory()
    assert counts["found"] == 1 and counts["created"] == 0
    pair.refresh_from_db()
    assert pair.status == enums.DuplicateStatus.DISTINCT
    # The default list shows pairs to examine only; merging a distinct pair is refused.
    listing = client.get(reverse("admin:directory_likelyduplicate_changelist"))
    assert listing.context["cl"].result_count == 0
    before = _snapshot()
    response = _post_merge(client, pair, survivor=world["a"])
    assert "marquée « lieux distincts »" in _error_text(client, response)[0]
    assert _snapshot() == before


def test_scan_proposes_updates_and_drops_pairs(world):
    world["pair"].delete()
    assert [(a.key, b.key) for a, b, _f in duplicates.directory_pairs([world["b"].pk])] == [
        (world["a"].pk, world["b"].pk)
    ]
    assert duplicates.directory_pairs([VenueFactory(commune=world["hdf"].arras, postal_code="62000").pk]) == []
    assert duplicates.refresh_directory() == {"found": 1, "created": 1, "updated": 0, "dropped": 0}
    b = world["b"]
    b.name, b.address, b.latitude = "Atelier de couture", "99 rue Solférino", 50.70
    b.save()
    assert duplicates.refresh_directory() == {"found": 0, "created": 0, "updated": 0, "dropped": 1}
    assert LikelyDuplicate.objects.count() == 0


def test_merge_rules_cover_every_relation_of_a_venue():
    relations = {
        f"{f.related_model.__name__}.{f.field.name}"
        for f in Venue._meta.get_fields(include_hidden=True)
        if f.is_relation and f.auto_created and not f.concrete
    }
    assert relations == set(actions.MERGE_RULES)


# --- the list: scope and queries -------------------------------------------------------------


def _make_pairs(commune, count):
    for n in range(count):
        a = VenueFactory(
            name=f"Maison France Services {n}",
            address=f"{n} rue Nationale",
            commune=commune,
            postal_code=commune.postal_codes[0],
        )
        b = VenueFactory(
            name=f"Maison France Services {n}",
            address=f"{n} rue Nationale",
            commune=commune,
            postal_code=commune.postal_codes[0],
        )
        LikelyDuplicate.objects.create(
            **duplicates.pair_values(a.pk, b.pk, Features.of(*duplicates.venue_facts([a.pk, b.pk]).values()), "scan")
        )


def test_the_list_is_scoped(client, world):
    hdf = world["hdf"]
    _make_pairs(hdf.arras, 2)
    url = reverse("admin:directory_likelyduplicate_changelist")
    seen = {}
    for who in ("staff_59", "staff_62", "superuser", "mediator"):
        client.force_login(world[who])
        response = client.get(url)
        seen[who] = response.context["cl"].result_count if response.status_code == 200 else response.status_code
    assert seen == {"staff_59": 1, "staff_62": 2, "superuser": 3, "mediator": 403}


def test_list_queries_do_not_grow_with_pairs(client, world, django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext

    client.force_login(world["staff_59"])
    url = reverse("admin:directory_likelyduplicate_changelist")
    client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as one_pair:
        first = client.get(url)
    # The list itself: the counts and the page's rows (venues and communes joined), whatever
    # the number of pairs; the other queries are the session, the user and the admin's
    # navigation (rights on every registered model), also constant.
    own = [q["sql"] for q in one_pair.captured_queries if "directory_likelyduplicate" in q["sql"]]
    assert len(own) == 3, own  # the count, the count without filters (« 1 sur 3 »), the rows
    _make_pairs(world["hdf"].lille, 10)
    with django_assert_num_queries(len(one_pair.captured_queries)):
        second = client.get(url)
    assert first.context["cl"].result_count == 1 and second.context["cl"].result_count == 11
    assert "Maison France Services 9" in second.content.decode()


def test_the_review_page_shows_both_venues(client, world, django_assert_max_num_queries):
    client.force_login(world["staff_59"])
    with django_assert_max_num_queries(34):
        page = client.get(reverse("admin:directory_likelyduplicate_review", args=[world["pair"].pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Espace numérique Wazemmes" in text and "ESPACE NUMERIQUE WAZEMMES" in text
    assert 'name="survivor"' in text and "Ce sont deux lieux distincts" in text


def test_a_row_bringing_back_a_merged_venue_is_told(client, tmp_path, world):
    a, b, pair = world["a"], world["b"], world["pair"]
    actions.merge_venues(pair, a.pk, {a.pk: a.version, b.pk: b.version}, world["superuser"])
    path = _write(
        tmp_path / "region.csv",
        [_row(id="reg-1", source="Région", pivot=b.pivot, nom=b.name, adresse=b.address, latitude="", longitude="")],
    )
    report = import_file(path, dry_run=True)
    assert report.ok
    messages = [str(w) for w in report.warnings]
    assert messages[0] == (
        "Ligne 2, champ id, valeur « reg-1 » : ce lieu a été fusionné dans « Espace numérique Wazemmes » : "
        "la ligne le crée de nouveau ; retirez-la du fichier, ou fusionnez-le encore après l'import"
    )
    assert "doublon probable de « Espace numérique Wazemmes »" in messages[1]


def test_the_pair_page_is_read_only(client, world):
    client.force_login(world["staff_59"])
    page = client.get(reverse("admin:directory_likelyduplicate_change", args=[world["pair"].pk]))
    assert page.status_code == 200
    assert 'name="score"' not in page.content.decode()
    client.force_login(world["staff_62"])
    assert client.get(reverse("admin:directory_likelyduplicate_change", args=[world["pair"].pk])).status_code == 302
