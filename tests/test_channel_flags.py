"""Channels flagged by the automatic checks (issue 19, part 3): one definition of « flagged »
(ORM ↔ Python ↔ SQL on a table of check histories), the notice and its two actions in
« Mon lieu », the reminder e-mails, and the staff figures (coverage, incomplete venues) — and
nothing hidden from the public."""

import datetime
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from directory import actions, coverage, enums
from directory.cache import data_version
from directory.channel_checks import Outcome, flag_notice, record
from directory.models import Channel, ChannelCheck, FreshnessReminder, Venue
from directory.models.channels import flagged_channel_sql, flagged_sql
from tests.admin_world import build_world, login, scrape_form
from tests.factories import (
    ChannelFactory,
    DepartementStaffFactory,
    MembershipFactory,
    StructureFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

K = enums.ChannelKind
PARIS = ZoneInfo("Europe/Paris")
FORM = "mon-lieu-form"


def at(day, hour=9, minute=0):
    """A moment of the test's week, Paris time: day 0 is 20 November 2026."""
    return datetime.datetime(2026, 11, 20, hour, minute, tzinfo=PARIS) + datetime.timedelta(days=day)


def flag(channel, days=3, reason="page introuvable (404)", checked_at=None):
    """A check failing ``days`` days in a row, the last failure ``checked_at`` (default: now)."""
    checked_at = checked_at or timezone.now()
    return ChannelCheck.objects.create(
        channel=channel,
        checked_at=checked_at,
        failing_since=checked_at - datetime.timedelta(days=days - 1),
        failures=days,
        reason=reason,
    )


# --- one definition ---------------------------------------------------------------------------

# History of checks: ("fail" | "ok" | "confirm", moment); expected flagged with N = 3.
HISTORIES = {
    "never checked": ([], False),
    "failed once": ([("fail", at(0))], False),
    "failed two days": ([("fail", at(0)), ("fail", at(1))], False),
    "failed three days in a row": ([("fail", at(0)), ("fail", at(1)), ("fail", at(2))], True),
    "failed five days": ([("fail", at(d)) for d in range(5)], True),
    "failed three times the same day": ([("fail", at(0, 8)), ("fail", at(0, 12)), ("fail", at(0, 20))], False),
    "failed twice, three days apart": ([("fail", at(0)), ("fail", at(3))], False),
    "recovered": ([("fail", at(0)), ("fail", at(1)), ("fail", at(2)), ("ok", at(3))], False),
    "failing then success today": ([("fail", at(0)), ("fail", at(1)), ("fail", at(2)), ("ok", at(2, 15))], False),
    "recovered then failing again for two days": (
        [("fail", at(0)), ("fail", at(1)), ("fail", at(2)), ("ok", at(3)), ("fail", at(4)), ("fail", at(5))],
        False,
    ),
    "confirmed working after the flag": (
        [("fail", at(0)), ("fail", at(1)), ("fail", at(2)), ("confirm", at(2, 15))],
        False,
    ),
    "confirmed, then the next run fails": (
        [("fail", at(0)), ("fail", at(1)), ("fail", at(2)), ("confirm", at(2, 15)), ("fail", at(3))],
        True,
    ),
    "confirmed early, failing on": (
        [("fail", at(0)), ("confirm", at(0, 15)), ("fail", at(1)), ("fail", at(2))],
        True,
    ),
    # Calendar days in Paris, not in UTC: 23:30 on day 0 to 00:30 on day 2 is three days here
    # (day 0 22:30 to day 1 23:30 in UTC would be two).
    "three local days, two UTC days": (
        [("fail", at(0, 23, 30)), ("fail", at(1, 12)), ("fail", at(2, 0, 30))],
        True,
    ),
}


def play(channel, history, user):
    for event, moment in history:
        if event == "confirm":
            actions.confirm_channel_works(channel, user, when=moment)
        else:
            record(channel, Outcome(event == "ok", "page introuvable (404)"), now=moment)


def sql_flagged_ids():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT channel_id FROM {ChannelCheck._meta.db_table} k WHERE {flagged_sql('k')}")  # noqa: S608
        from_checks = {row[0] for row in cursor.fetchall()}
        cursor.execute(f"SELECT ch.id FROM {Channel._meta.db_table} ch WHERE {flagged_channel_sql('ch')}")  # noqa: S608
        from_channels = {row[0] for row in cursor.fetchall()}
    assert from_checks == from_channels
    return from_checks


def test_orm_python_and_sql_agree_on_a_table_of_histories(settings):
    settings.CHANNEL_CHECK_FLAG_DAYS = 3
    user = UserFactory()
    venue = VenueFactory()
    channels = {}
    for name, (history, _expected) in HISTORIES.items():
        channels[name] = ChannelFactory(venue=venue, kind=K.WEBSITE, value=f"https://exemple.fr/{len(channels)}")
        play(channels[name], history, user)
    orm_checks = set(ChannelCheck.objects.flagged().values_list("channel_id", flat=True))
    orm_channels = set(Channel.objects.flagged().values_list("pk", flat=True))
    sql = sql_flagged_ids()
    loaded = {c.pk: c for c in Channel.objects.select_related("last_check")}
    for name, (_history, expected) in HISTORIES.items():
        pk = channels[name].pk
        assert (pk in orm_checks) is expected, name
        assert (pk in orm_channels) is expected, name
        assert (pk in sql) is expected, name
        assert loaded[pk].is_flagged is expected, name
        assert (flag_notice(loaded[pk].latest_check) is not None) is expected, name


@pytest.mark.parametrize(("days", "failed_days", "expected"), [(1, 1, True), (0, 1, True), (5, 4, False), (5, 5, True)])
def test_the_number_of_days_is_a_setting(settings, days, failed_days, expected):
    settings.CHANNEL_CHECK_FLAG_DAYS = days  # 0 means 1: a setting cannot flag a channel never failing
    channel = ChannelFactory(kind=K.WEBSITE, value="https://exemple.fr/")
    play(channel, [("fail", at(d)) for d in range(failed_days)], None)
    assert Channel.objects.flagged().exists() is expected
    assert (channel.pk in sql_flagged_ids()) is expected
    assert ChannelCheck.objects.get().is_flagged is expected


def test_the_notice_says_since_when_and_why_in_french():
    today = timezone.localdate()
    since = datetime.datetime(today.year, 11, 27, 3, tzinfo=PARIS)
    website = ChannelFactory(kind=K.WEBSITE, value="https://exemple.fr/")
    check = flag(website, checked_at=since + datetime.timedelta(days=2))
    assert flag_notice(check) == "Ce lien ne répond plus depuis le 27 novembre : page introuvable (404)"
    phone = ChannelFactory(venue=website.venue)
    check = flag(phone, reason="numéro qui n'existe plus dans le plan de numérotation")
    expected_date = date_format(timezone.localdate(check.failing_since), "j F")
    assert flag_notice(check) == (
        f"Ce numéro n'est plus valide depuis le {expected_date} : numéro qui n'existe plus dans le plan de numérotation"
    )
    # A year that is not this one is written out.
    old = ChannelFactory(venue=website.venue, kind=K.FACEBOOK, value="https://www.facebook.com/exemple")
    check = flag(old, checked_at=datetime.datetime(today.year - 1, 3, 10, 3, tzinfo=PARIS))
    assert f"depuis le 8 mars {today.year - 1} :" in flag_notice(check)


# --- « Mon lieu » -----------------------------------------------------------------------------


@pytest.fixture
def world():
    return build_world()


def page_url(venue):
    return reverse("directory:workspace_venue", args=[venue.pk])


def works_url(channel):
    return reverse("directory:workspace_channel_works", args=[channel.venue_id, channel.pk])


def test_the_venue_page_shows_the_flag_and_its_two_actions(client, world):
    venue = world.objects["a"].venue
    website = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://centre-social.example/", position=5)
    check = flag(website)
    login(client, world, "mediator_a")
    html = client.get(page_url(venue)).content.decode()
    notice = flag_notice(check)
    assert notice.startswith("Ce lien ne répond plus depuis le ") and notice.endswith(" : page introuvable (404)")
    assert html.count(notice) == 2  # in the summary at the top and in the channel's own row
    assert "1 moyen de contact ne répond plus" in html
    assert "est retiré de la fiche publique" in html
    assert f'href="{page_url(venue)}#panne-{website.pk}"' in html  # « Corriger le lien »
    assert f'id="panne-{website.pk}"' in html
    assert f'action="{works_url(website)}"' in html and "Le lien fonctionne" in html
    # The channel that answers shows nothing.
    assert html.count("ne répond plus depuis") == 2


def test_the_list_of_venues_shows_the_flags(client, world):
    mediator = world.users["mediator_a"]
    second = VenueFactory(name="Antenne Fives", structure=world.structures["a"], commune=world.hdf.lille)
    website = ChannelFactory(venue=second, kind=K.WEBSITE, value="https://antenne.example/")
    check = flag(website)
    client.force_login(mediator)
    html = client.get(reverse("directory:workspace")).content.decode()
    assert flag_notice(check) in html
    assert f'href="{page_url(second)}#panne-{website.pk}"' in html
    assert f'action="{works_url(website)}"' in html
    assert 'name="retour" value="liste"' in html
    assert html.count("ne répond plus depuis") == 1


def test_le_lien_fonctionne_records_who_writes_history_and_bumps_the_version(client, world):
    venue = world.objects["a"].venue
    website = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://centre-social.example/")
    flag(website)
    login(client, world, "mediator_a")
    version = data_version()
    history = website.history.count()
    response = client.post(works_url(website))
    assert response.status_code == 302 and response["Location"] == page_url(venue) + "#canaux"
    check = ChannelCheck.objects.get(channel=website)
    assert check.confirmed_by == world.users["mediator_a"] and check.confirmed_at is not None
    assert not Channel.objects.flagged().exists()
    assert data_version() != version
    record_ = website.history.order_by("-history_id").first()
    assert website.history.count() == history + 1
    assert record_.history_user == world.users["mediator_a"]
    assert record_.history_change_reason.startswith("Confirmé fonctionnel")
    page = client.get(page_url(venue)).content.decode()
    assert "ce lien est noté comme fonctionnel" in page
    assert "ne répond plus depuis" not in page
    # The next failing run flags it again.
    record(website, Outcome(False, "page introuvable (404)"), now=timezone.now() + datetime.timedelta(minutes=1))
    assert Channel.objects.flagged().get() == website
    # From the list of venues, back to the list.
    response = client.post(works_url(website), {"retour": "liste"})
    assert response["Location"] == reverse("directory:workspace")


def test_correcting_the_channel_clears_its_flag(client, world):
    venue = world.objects["a"].venue
    website = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://ancien.example/", position=9)
    flag(website)
    login(client, world, "mediator_a")
    data = scrape_form(client.get(page_url(venue)).content.decode(), FORM)
    index = next(k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == [str(website.pk)])
    data[f"channels-{index}-value"] = ["https://nouveau.example/"]
    response = client.post(page_url(venue), {**data, "save": "1"})
    assert response.status_code == 302, response.content.decode()
    website.refresh_from_db()
    assert website.value == "https://nouveau.example/"
    # The check was about the old address: forgotten, the next run checks the new one.
    assert not ChannelCheck.objects.filter(channel=website).exists()
    assert "ne répond plus depuis" not in client.get(page_url(venue)).content.decode()


def test_any_correction_of_the_value_forgets_the_check_and_nothing_else_does(world):
    """The admin pages and imports save channels without « Mon lieu »: the rule is the model's."""
    website = ChannelFactory(venue=world.objects["a"].venue, kind=K.WEBSITE, value="https://ancien.example/")
    flag(website)
    website.label = "Site de la mairie"
    website.save()
    website.position = 3
    website.save(update_fields=["position"])
    assert Channel.objects.flagged().get() == website
    website.value = "https://nouveau.example/"
    website.save()
    assert not ChannelCheck.objects.exists()


def test_saving_the_page_without_touching_the_channel_keeps_the_flag(client, world):
    venue = world.objects["a"].venue
    website = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://ancien.example/")
    flag(website)
    login(client, world, "mediator_a")
    data = scrape_form(client.get(page_url(venue)).content.decode(), FORM)
    response = client.post(page_url(venue), {**data, "confirm_only": "1"})
    assert response.status_code == 302
    assert Channel.objects.flagged().get() == website


@pytest.mark.parametrize("role", ["anonymous", "mediator_b", "staff_59", "staff_62"])
def test_who_may_not_edit_cannot_confirm(client, world, role):
    venue = world.objects["a"].venue
    website = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://centre-social.example/")
    flag(website)
    login(client, world, role)
    version = data_version()
    response = client.post(works_url(website))
    assert response.status_code == (302 if role == "anonymous" else 404)
    if role == "anonymous":
        assert response["Location"].startswith(reverse("admin:login"))
    assert ChannelCheck.objects.get(channel=website).confirmed_at is None
    assert data_version() == version


def test_bad_requests_change_nothing(client, world):
    venue = world.objects["a"].venue
    other = world.objects["b"].venue
    website = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://centre-social.example/")
    flag(website)
    answering = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://repond.example/")
    login(client, world, "mediator_a")
    assert client.get(works_url(website)).status_code == 405
    # A channel of another venue through this venue's address: 404.
    wrong = reverse("directory:workspace_channel_works", args=[other.pk, website.pk])
    assert client.post(wrong).status_code == 404
    # A channel that is not flagged: nothing to confirm, said in French.
    response = client.post(works_url(answering), follow=True)
    assert "Ce lien n&#x27;est pas signalé en panne : rien à confirmer." in response.content.decode()
    assert ChannelCheck.objects.filter(confirmed_at__isnull=False).count() == 0


def test_confirming_a_channel_never_checked_writes_nothing(world):
    channel = world.objects["a"].channel
    history = channel.history.count()
    assert actions.confirm_channel_works(channel, world.users["mediator_a"]) is None
    assert channel.history.count() == history


def _channels_with_flags(venue, n):
    for i in range(n):
        flag(ChannelFactory(venue=venue, kind=K.WEBSITE, value=f"https://site-{i}.example/", position=10 + i))


@pytest.mark.parametrize("flagged", [1, 4])
def test_workspace_queries_do_not_grow_with_flags(client, world, django_assert_num_queries, flagged):
    venue = world.objects["a"].venue
    _channels_with_flags(venue, flagged)
    second = VenueFactory(structure=world.structures["a"], commune=world.hdf.lille)
    _channels_with_flags(second, flagged)
    login(client, world, "mediator_a")
    client.get(page_url(venue))  # session and content types warmed up
    with django_assert_num_queries(10):
        html = client.get(page_url(venue)).content.decode()
    assert html.count("ne répond plus depuis") == 2 * flagged
    with django_assert_num_queries(9):
        html = client.get(reverse("directory:workspace")).content.decode()
    assert html.count("ne répond plus depuis") == 2 * flagged


# --- reminder e-mails -------------------------------------------------------------------------


@pytest.fixture
def members(hauts_de_france, settings):
    settings.SITE_URL = "https://gardezlelien.example"
    structure = StructureFactory()
    alice = MembershipFactory(structure=structure, user=UserFactory(email="alice@example.org")).user
    venue = VenueFactory(name="Centre Fives", structure=structure, commune=hauts_de_france.lille)
    return structure, alice, venue


def run_reminders(*args):
    out = io.StringIO()
    call_command("send_freshness_reminders", *args, stdout=out)
    return out.getvalue()


def test_a_new_flag_is_emailed_once_with_the_reason_and_mon_lieu(members):
    structure, alice, venue = members
    website = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://fives.example/")
    check = flag(website)
    ChannelFactory(venue=venue, kind=K.EMAIL, value="ok@exemple.fr")
    assert "simulation" in run_reminders("--dry-run")
    assert not mail.outbox and ChannelCheck.objects.get().flag_notified_at is None
    output = run_reminders()
    assert "1 canal(aux) en panne signalé(s), 1 e-mail(s) envoyé(s)" in output
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Un moyen de contact de vos lieux ne répond plus"
    body = message.body
    assert "Centre Fives" in body
    assert f"Site web ({website.display_value}) : {flag_notice(check)}" in body
    assert "https://gardezlelien.example" + page_url(venue) in body
    assert "Corriger ou confirmer dans « Mon lieu »" in body
    assert "restent affichés au public" not in body and "reste affiché au public" in body
    # Not a freshness reminder: no confirm link, no freshness row.
    assert reverse("admin:directory_venue_confirm", args=[venue.pk]) not in body
    assert not FreshnessReminder.objects.filter(venue=venue).exists()
    # Once per failure: the next day's run sends nothing.
    mail.outbox.clear()
    run_reminders()
    assert not mail.outbox
    # A new failure after a recovery is told again.
    now = timezone.now()
    record(website, Outcome(True), now=now + datetime.timedelta(hours=1))
    for day in range(3):
        record(website, Outcome(False, "le site est en panne (500)"), now=now + datetime.timedelta(days=day + 1))
    run_reminders()
    assert len(mail.outbox) == 1 and "le site est en panne (500)" in mail.outbox[0].body


def test_a_due_venue_lists_its_flags_in_the_freshness_reminder(members):
    structure, alice, venue = members
    Venue.objects.filter(pk=venue.pk).update(verified_at=timezone.now() - datetime.timedelta(days=200))
    phone = ChannelFactory(venue=venue, value="+33353011007")
    check = flag(phone, reason="numéro qui n'existe plus dans le plan de numérotation")
    ChannelCheck.objects.filter(pk=check.pk).update(flag_notified_at=timezone.now())  # already told
    run_reminders()
    [message] = mail.outbox
    assert message.subject == "Vos lieux sont-ils toujours à jour ?"
    body = message.body
    assert "Les informations de ce lieu doivent être confirmées" in body
    assert "Un moyen de contact ne répond plus depuis plusieurs jours" in body
    assert flag_notice(check) in body
    assert "https://gardezlelien.example" + reverse("admin:directory_venue_confirm", args=[venue.pk]) in body
    assert "https://gardezlelien.example" + page_url(venue) in body


def test_flags_of_venues_closed_for_good_or_without_members_are_not_emailed(members, hauts_de_france):
    structure, alice, venue = members
    Venue.objects.filter(pk=venue.pk).update(closed_permanently_on=timezone.localdate())
    flag(ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://ferme.example/"))
    orphan = VenueFactory(structure=StructureFactory(), commune=hauts_de_france.lille)
    flag(ChannelFactory(venue=orphan, kind=K.WEBSITE, value="https://orphelin.example/"))
    run_reminders()
    assert not mail.outbox
    # Nobody was told: the flag waits for someone to tell.
    assert not ChannelCheck.objects.filter(flag_notified_at__isnull=False).exists()


# --- coverage, incomplete venues, public side -------------------------------------------------


@pytest.fixture
def flagged_lille(hauts_de_france):
    t = hauts_de_france
    only_site = VenueFactory(name="Seulement un site", commune=t.lille)
    dead = ChannelFactory(venue=only_site, kind=K.WEBSITE, value="https://mort.example/")
    flag(dead)
    both = VenueFactory(name="Site et e-mail", commune=t.lille)
    flag(ChannelFactory(venue=both, kind=K.WEBSITE, value="https://mort2.example/"))
    ChannelFactory(venue=both, kind=K.EMAIL, value="contact@exemple.fr")
    answering = VenueFactory(name="Site qui répond", commune=t.cysoing)
    record(ChannelFactory(venue=answering, kind=K.WEBSITE, value="https://vivant.example/"), Outcome(True))
    failing_once = VenueFactory(name="Échec d'un jour", commune=t.cysoing)
    record(ChannelFactory(venue=failing_once, kind=K.WEBSITE, value="https://hoquet.example/"), Outcome(False, "x"))
    gone = VenueFactory(name="Fermé", commune=t.lille, closed_for_good=True)
    flag(ChannelFactory(venue=gone, kind=K.WEBSITE, value="https://ferme.example/"))
    arras = VenueFactory(name="Arras", commune=t.arras)
    flag(ChannelFactory(venue=arras, kind=K.WEBSITE, value="https://arras.example/"))
    return locals()


def test_coverage_counts_flagged_channels_per_territory(flagged_lille):
    result = coverage.compute("departement", "59")
    # Checked: the five channels of venues in activity in Nord (not the one closed for good).
    assert (result.totals.checked_channels, result.totals.flagged_channels) == (4, 2)
    assert result.totals.flagged_pct == 50
    rows = {row.name: row for row in result.rows}
    assert (
        rows["Métropole Européenne de Lille"].flagged_channels,
        rows["Métropole Européenne de Lille"].checked_channels,
    ) == (2, 2)
    assert (rows["CC Pévèle-Carembault"].flagged_channels, rows["CC Pévèle-Carembault"].checked_channels) == (0, 2)
    france = coverage.compute("france")
    assert (france.totals.checked_channels, france.totals.flagged_channels) == (5, 3)
    # Staff only: the public summary has none of these columns.
    assert not {k for k, _label in coverage.columns(public=True)} & {
        "checked_channels",
        "flagged_channels",
        "flagged_pct",
    }


def test_flags_never_change_what_the_public_sees(client, flagged_lille):
    only_site = flagged_lille["only_site"]
    # Still reachable in scenario 3 and still listed with its channel.
    assert Venue.objects.reachable_in(3).filter(pk=only_site.pk).exists()
    assert only_site.is_reachable_in(3)
    before = coverage.compute("departement", "59").totals
    ChannelCheck.objects.all().delete()
    after = coverage.compute("departement", "59").totals
    assert (before.reachable, before.covered, before.stale) == (after.reachable, after.covered, after.stale)
    page = client.get(only_site.get_absolute_url()).content.decode()
    assert "https://mort.example/" in page
    assert "en panne" not in page and "ne répond plus" not in page


def test_the_coverage_page_and_its_files_carry_the_figures(client, flagged_lille, django_assert_num_queries):
    client.force_login(UserFactory(is_superuser=True))
    url = reverse("directory:coverage")
    params = {"niveau": "departement", "code": "59"}
    client.get(url, params)  # warm the session
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(7):
        response = client.get(url, params)
    html = response.content.decode()
    assert "2 canaux signalés en panne sur 4 vérifiés automatiquement (50,0\u202f%)" in html
    assert "échoue 3 jours de suite" in html
    assert reverse("admin:directory_channelcheck_changelist") + "?etat=signale" in html
    assert [h["key"] for h in response.context["headers"]][-1] == "flagged_channels"
    csv_text = client.get(url, {**params, "format": "csv"}).content.decode("utf-8-sig")
    header, *lines = csv_text.splitlines()
    labels = header.split(";")
    for label in (
        "Canaux vérifiés automatiquement",
        "Canaux signalés en panne",
        "Part des canaux signalés en panne (%)",
    ):
        assert label in labels
    total = lines[-1].split(";")
    assert total[labels.index("Canaux signalés en panne")] == "2"
    assert total[labels.index("Part des canaux signalés en panne (%)")] == "50,0"
    raw = client.get(url, {**params, "format": "csv-brut"}).content.decode()
    raw_labels = raw.splitlines()[0].split(",")
    assert raw.splitlines()[-1].split(",")[raw_labels.index("Part des canaux signalés en panne (%)")] == "50.0"
    workbook = zipfile.ZipFile(io.BytesIO(client.get(url, {**params, "format": "xlsx"}).content))
    strings = workbook.read("xl/sharedStrings.xml").decode()
    assert "Canaux signalés en panne" in strings


def test_a_venue_whose_only_channel_is_flagged_is_incomplete(
    client, hauts_de_france, flagged_lille, django_assert_num_queries
):
    only_site, both = flagged_lille["only_site"], flagged_lille["both"]
    loaded = {
        v.pk: v
        for v in Venue.objects.filter(pk__in=[only_site.pk, both.pk]).prefetch_related(
            Prefetch("channels", queryset=Channel.objects.select_related("last_check"))
        )
    }
    assert loaded[only_site.pk].missing_for(3) == ["canal en panne"]
    assert loaded[both.pk].missing_for(3) == []
    _count, found = coverage.incomplete_venues(3, "departement", "59")
    ids = {pk for pk, _served in found}
    assert only_site.pk in ids and both.pk not in ids
    assert flagged_lille["answering"].pk not in ids and flagged_lille["failing_once"].pk not in ids
    client.force_login(DepartementStaffFactory(departement=hauts_de_france.nord).user)
    url = reverse("directory:coverage_incomplete")
    params = {"niveau": "departement", "code": "59", "scenario": "3"}
    client.get(url, params)
    # The assignments are read once per request (``DepartementStaff.departements_of``).
    with django_assert_num_queries(8):
        response = client.get(url, params)
    rows = {row["venue"].name: row["missing"] for row in response.context["rows"]}
    assert rows["Seulement un site"] == ["canal en panne"]
    assert "canal en panne" in response.content.decode()


# Python (missing_for) and SQL (incomplete_venues) agree with flags too.
FLAG_CASES = {
    "flagged SMS only": ([(K.SMS, "+33639980001", True)], (0, 0, 0)),
    "flagged SMS and a mobile phone": ([(K.SMS, "+33639980001", True), (K.PHONE, "+33639980002", False)], (0, 1, 0)),
    "flagged WhatsApp only": ([(K.WHATSAPP, "https://chat.whatsapp.com/AbCdEfGhIj0123", True)], (0, 0, 0)),
    "flagged website, signage": (
        [(K.WEBSITE, "https://mort.example/", True), (K.SIGNAGE, "Affiche", False)],
        (1, 0, 0),
    ),
    "website failing once": ([(K.WEBSITE, "https://hoquet.example/", None)], (0, 0, 1)),
}


@pytest.mark.parametrize("case", FLAG_CASES)
def test_python_and_sql_agree_on_incompleteness_with_flags(hauts_de_france, case):
    channels, expected = FLAG_CASES[case]
    venue = VenueFactory(commune=hauts_de_france.lille)
    for kind, value, flagged in channels:
        channel = ChannelFactory(venue=venue, kind=kind, value=value)
        if flagged:
            flag(channel)
        elif flagged is None:
            record(channel, Outcome(False, "x"))
    venue = Venue.objects.prefetch_related("channels__last_check").get(pk=venue.pk)
    for s, complete in zip(coverage.SCENARIOS, expected, strict=True):
        python = venue.missing_for(s)
        assert (python == []) == bool(complete), (s, python)
        _count, found = coverage.incomplete_venues(s, "departement", "59")
        assert (venue.pk not in {pk for pk, _served in found}) == bool(complete), s


# --- the staff list of checks -----------------------------------------------------------------


def test_the_admin_filter_uses_the_same_definition(client, hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    flag(ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://mort.example/"), reason="panne longue")
    record(ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://hoquet.example/"), Outcome(False, "panne courte"))
    confirmed = ChannelFactory(venue=venue, kind=K.WEBSITE, value="https://confirme.example/")
    flag(confirmed, reason="panne confirmée")
    actions.confirm_channel_works(confirmed, None)
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(reverse("admin:directory_channelcheck_changelist"), {"etat": "signale"}).content.decode()
    assert "panne longue" in html
    assert "panne courte" not in html and "panne confirmée" not in html
    assert "Signalés en panne" in html
