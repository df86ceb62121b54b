"""Every write to a venue goes through ``directory.actions``: each path (admin, poster page,
« Mon lieu », moderation, import) bumps the public data version and writes a history row
with the user who acted."""

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from directory import actions, enums
from directory.cache import data_version
from directory.models import Channel, ClosurePeriod, Venue
from directory.opendata import standard
from directory.opendata.importer import import_file
from tests.admin_world import build_world, login, scrape_form
from tests.factories import UserFactory, build_marne

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


class Watch:
    """The data version and the venue's history before a write, and what changed after."""

    def __init__(self, venue):
        self.venue = venue
        self.version = data_version()
        self.history = venue.history.count()

    def assert_written(self, user):
        assert data_version() != self.version, "the public data version did not change"
        records = self.venue.history.order_by("-history_date", "-history_id")
        assert records.count() > self.history, "no history row for the venue"
        assert records.first().history_user == user


def stale(venue):
    Venue.objects.filter(pk=venue.pk).update(verified_at=timezone.now() - datetime.timedelta(days=400))


def test_admin_confirm_button_bumps_version_and_writes_history(client, world):
    venue = world.objects["a"].venue
    stale(venue)
    watch = Watch(venue)
    login(client, world, "mediator_a")
    assert client.post(reverse("admin:directory_venue_confirm", args=[venue.pk])).status_code == 302
    watch.assert_written(world.users["mediator_a"])
    venue.refresh_from_db()
    assert not venue.is_stale and venue.date_maj == timezone.localdate()


def test_admin_confirm_action_bumps_version_and_writes_history(client, world):
    venue = world.objects["a"].venue
    stale(venue)
    watch = Watch(venue)
    login(client, world, "staff_59")
    response = client.post(
        reverse("admin:directory_venue_changelist"),
        {"action": "confirm_selected", "_selected_action": [venue.pk]},
    )
    assert response.status_code == 302
    watch.assert_written(world.users["staff_59"])


def test_confirming_changes_the_api_etag(client, world):
    venue = world.objects["a"].venue
    url = "/api/v1/lieux/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    actions.confirm_venue(venue, world.users["mediator_a"])
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_confirming_does_not_conflict_with_an_editor(world):
    """Confirming leaves ``version`` alone: a mediator editing the entry meanwhile can save."""
    venue = world.objects["a"].venue
    editing = Venue.objects.get(pk=venue.pk)
    actions.confirm_venue(venue, world.users["staff_59"])
    editing.name = "Nouveau nom"
    actions.save_venue(editing, world.users["mediator_a"])
    assert Venue.objects.get(pk=venue.pk).name == "Nouveau nom"


def test_admin_change_form_save_bumps_version_and_writes_history(client, world):
    venue = world.objects["a"].venue
    stale(venue)
    login(client, world, "mediator_a")
    url = reverse("admin:directory_venue_change", args=[venue.pk])
    data = scrape_form(client.get(url).content.decode(), "venue_form")
    data["name"] = ["Centre social renommé"]
    watch = Watch(venue)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    watch.assert_written(world.users["mediator_a"])
    venue.refresh_from_db()
    assert venue.name == "Centre social renommé" and not venue.is_stale


def test_admin_quick_closure_asks_the_reason_and_writes_through_the_path(client, world):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    watch = Watch(venue)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:directory_venue_quick_closure", args=[venue.pk]),
        {
            "closure-starts_on": today.isoformat(),
            "closure-ends_on": (today + datetime.timedelta(days=9)).isoformat(),
            "closure-reason": enums.ClosureReason.WORKS,
            "closure-public_message": "Travaux",
            "closure-open_channels": [world.objects["a"].channel.pk],
        },
    )
    assert response.status_code == 302
    closure = ClosurePeriod.objects.filter(venue=venue, public_message="Travaux").get()
    assert closure.reason == enums.ClosureReason.WORKS
    assert list(closure.open_channels.all()) == [world.objects["a"].channel]
    assert closure.history.first().history_user == world.users["mediator_a"]
    watch.assert_written(world.users["mediator_a"])


def test_admin_channel_page_save_confirms_through_the_path(client, world):
    channel = world.objects["a"].channel
    stale(channel.venue)
    login(client, world, "mediator_a")
    url = reverse("admin:directory_channel_change", args=[channel.pk])
    data = scrape_form(client.get(url).content.decode(), "channel_form")
    data["label"] = ["Accueil du matin"]
    watch = Watch(channel.venue)
    assert client.post(url, data).status_code == 302
    watch.assert_written(world.users["mediator_a"])
    assert channel.history.first().history_user == world.users["mediator_a"]


def test_poster_publish_signage_bumps_version_and_writes_history(client, world):
    venue = world.objects["a"].venue
    login(client, world, "mediator_a")
    version = data_version()
    assert client.post(reverse("directory:venue_poster", args=[venue.slug])).status_code == 302
    channel = Channel.objects.get(venue=venue, kind=enums.ChannelKind.SIGNAGE)
    assert data_version() != version
    assert channel.history.first().history_user == world.users["mediator_a"]


def test_import_bumps_version_and_writes_history(db):
    build_marne()
    user = UserFactory(is_superuser=True)
    version = data_version()
    import_file(standard.EXAMPLE_PATH, user=user)
    venue = Venue.objects.get()
    assert data_version() != version
    assert venue.history.first().history_user == user


def test_lift_closure_ends_it_yesterday_or_removes_a_future_one(world):
    venue = world.objects["a"].venue
    user = world.users["mediator_a"]
    today = timezone.localdate()
    running = actions.declare_closure(venue, user, starts_on=today - datetime.timedelta(days=3))
    upcoming = actions.declare_closure(venue, user, starts_on=today + datetime.timedelta(days=3))
    watch = Watch(venue)
    actions.lift_closure(running, user)
    actions.lift_closure(upcoming, user)
    running.refresh_from_db()
    assert running.ends_on == today - datetime.timedelta(days=1)
    assert not ClosurePeriod.objects.filter(pk=upcoming.pk).exists()
    watch.assert_written(user)


def test_the_channels_staying_open_are_in_the_closure_history(world):
    """Which channels stay open is what residents read during a closure: changing only that
    bumps the version and leaves a history row with the new set and who changed it."""
    venue = world.objects["a"].venue
    user = world.users["mediator_a"]
    sms = Channel.objects.create(venue=venue, kind=enums.ChannelKind.SMS, value="+33639981234")
    closure = actions.declare_closure(venue, user, starts_on=timezone.localdate(), open_channels=[sms])
    watch = Watch(venue)
    actions.update_closure(closure, user, open_channels=[world.objects["a"].channel], confirm=False)
    assert data_version() != watch.version
    record = closure.history.order_by("-history_date", "-history_id").first()
    assert record.history_user == user
    assert [row.channel_id for row in record.open_channels.all()] == [world.objects["a"].channel.pk]
    assert any([row.channel_id for row in older.open_channels.all()] == [sms.pk] for older in closure.history.all())


def test_a_departement_contact_edit_bumps_the_version(world):
    """The département's contact is on empty results, paper sheets and SMS replies."""
    departement = world.hdf.nord
    version = data_version()
    departement.contact_phone = "+33353010001"
    departement.save()
    assert data_version() != version


# --- the guard: no bare queryset write on the public data outside the write path --------------

DIRECTORY = Path(__file__).resolve().parent.parent / "directory"
GUARDED_MODELS = {"Venue", "Channel", "ClosurePeriod"}
# A venue's related managers: ``venue.channels.update(...)`` writes channels.
GUARDED_RELATIONS = {"channels", "closures", "open_channels"}
QUERYSET_WRITES = {"update", "bulk_update", "bulk_create"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "using", "select_for_update", "order_by", "only"}
SQL_WRITE = re.compile(r"\b(UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+directory_(venue|channel|closureperiod)\b", re.I)

# Where a queryset write on venues, channels or closures is allowed, and why: each is either
# the write path itself or derived-column upkeep that no person edits (no history wanted, the
# public data it derives from was written, with history and a version bump, by an action).
ALLOWED = {
    ("directory/actions.py", "*"): "the write path: bulk_update_with_history, then the version bump",
    ("directory/opendata/", "*"): "the import: COPY and bulk_update_with_history, one version bump "
    "at the end (test_import_bumps_version_and_writes_history)",
    ("directory/maintenance.py", "refresh_weekly_hours"): "derived column: weekly_hours from opening_hours",
    ("directory/maintenance.py", "refresh_stops"): "derived column: stop_communes from in-person channels",
    ("directory/models/venues.py", "refresh_stops"): "derived column: stop_communes after a channel's save",
    # On main since this branch started (django-pgtrigger, 5cc4b38): the same derived data, in SQL.
    ("directory/models/triggers.py", "*"): "triggers keeping derived data (search words, search entries)",
    (
        "directory/maintenance.py",
        "<module>",
    ): "REBUILD_SQL: refills the search words and entries after a load with triggers off",
}


def _chain(node):
    """The names a call's receiver goes through, from the root: ``Venue.objects.filter(..)``
    → ["Venue", "objects", "filter"]."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return names[::-1]
        else:
            return names[::-1]


def _is_guarded_write(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "bulk_update_with_history"
    if not (isinstance(func, ast.Attribute) and func.attr in QUERYSET_WRITES):
        return False
    chain = _chain(func.value)
    if not chain:
        return False
    root = chain[0]
    if root in GUARDED_MODELS or GUARDED_RELATIONS & set(chain):
        return True
    if root in {"queryset", "qs"}:
        return True  # an admin action's queryset: which model is not written here
    # ``Something.objects.filter(...).update()`` on another model is fine; an untyped queryset
    # (``venues.filter(...).update()``) is not.
    return bool(QUERYSET_STEPS & set(chain[1:])) and not (root[:1].isupper() and root not in GUARDED_MODELS)


def bare_writes(source: str, path: str) -> list[str]:
    """``path:line function`` of each queryset write on venues, channels or closures (and raw
    SQL writing their tables) in ``source`` that no ``ALLOWED`` entry covers."""
    found = []

    def allowed(function):
        return any(
            (path == where or (where.endswith("/") and path.startswith(where))) and name in ("*", function)
            for where, name in ALLOWED
        )

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            hit = (isinstance(child, ast.Call) and _is_guarded_write(child)) or (
                isinstance(child, ast.Constant) and isinstance(child.value, str) and SQL_WRITE.search(child.value)
            )
            if hit and not allowed(function):
                found.append(f"{path}:{child.lineno} {function}")
            visit(child, inner)

    visit(ast.parse(source), "<module>")
    return found


def test_no_bare_queryset_write_on_public_data_outside_the_write_path():
    """A queryset ``.update()`` sends no signal and writes no history: the public kept the old
    data (the admin's « Confirmer » did that). Every write of venues, channels and closures goes
    through ``directory/actions.py``; the few derived-column updates are listed in ``ALLOWED``."""
    offenders = []
    for file in sorted(DIRECTORY.rglob("*.py")):
        relative = file.relative_to(DIRECTORY.parent).as_posix()
        if "/migrations/" in relative:
            continue  # triggers keep derived tables; data migrations run once
        offenders += bare_writes(file.read_text(encoding="utf-8"), relative)
    assert not offenders, "write through directory/actions.py (or allow-list with a reason): " + ", ".join(offenders)


@pytest.mark.parametrize(
    "code, flagged",
    [
        ("def f():\n    Venue.objects.filter(pk=1).update(name='x')", True),
        ("def f(queryset):\n    queryset.update(verified_at=now)", True),
        ("def f(venue):\n    venue.channels.filter(kind='sms').update(label='')", True),
        ("def f(venues):\n    venues.filter(pk=1).update(name='x')", True),
        ("def f():\n    Channel.objects.bulk_update(rows, ['label'])", True),
        ("def f():\n    bulk_update_with_history(rows, Venue, ['name'])", True),
        ("def f(cursor):\n    cursor.execute('UPDATE directory_venue SET name = %s', ['x'])", True),
        ("def f():\n    Report.objects.filter(venue=a).update(venue=b)", False),
        ("def f(params):\n    params.update(code=1)", False),
        ("def f(self):\n    self.fields['x'].widget.attrs.update(min=0)", False),
    ],
)
def test_the_guard_tells_bare_writes_from_the_rest(code, flagged):
    assert bool(bare_writes(code, "directory/views/example.py")) is flagged
    # The allow-list is by module and function: the same line in the write path passes.
    assert not bare_writes(code, "directory/actions.py")
