import sys
from pathlib import Path

import pytest

PROJECT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class UndefinedTemplateVariable(str):
    """``string_if_invalid`` of the test suite: a variable that does not resolve in one of our
    templates fails the test, as in les-emplois and Zulip, instead of printing nothing.

    Django formats ``string_if_invalid % name`` when it contains « %s », which calls
    ``__mod__``; the template being rendered is the ``origin`` of the node found up the stack.
    Only templates under the project's ``templates/`` raise: Django's admin templates read
    variables that some of their views never set (``is_popup``, ``has_view_permission``…),
    by design, and they are not ours to change. ``{% if %}`` and ``{% for %}`` never get
    here (a missing variable is false or empty there, on purpose); ``{{ x|default:"…" }}``
    does, so such a variable is passed explicitly.
    """

    def __new__(cls):
        return super().__new__(cls, "%s")

    def __mod__(self, name):
        origin = self._origin()
        if origin is not None and Path(origin).is_relative_to(PROJECT_TEMPLATES):
            raise NameError(f"undefined template variable {name!r} in {origin}")
        return ""

    @staticmethod
    def _origin():
        frame = sys._getframe(2)
        while frame is not None:
            node = frame.f_locals.get("self")
            if frame.f_code.co_name == "render_annotated" and getattr(node, "origin", None) is not None:
                return node.origin.name
            frame = frame.f_back
        return None


@pytest.fixture(autouse=True, scope="session")
def _undefined_template_variables_fail():
    from django.conf import settings
    from django.test.signals import reset_template_engines

    options = settings.TEMPLATES[0]["OPTIONS"]
    options["string_if_invalid"] = UndefinedTemplateVariable()
    reset_template_engines(setting="TEMPLATES")
    yield
    options.pop("string_if_invalid")
    reset_template_engines(setting="TEMPLATES")


@pytest.fixture(autouse=True, scope="session")
def _unordered_querysets_in_random_order():
    """A queryset without ORDER BY comes back in random order, as les-emplois does: PostgreSQL
    returns such rows in whatever order is cheapest — insertion order on a small test table,
    another on a large or updated one — so code (or a test) that relies on it passes here and
    breaks in production. Every iterable (model instances, ``values()``, ``values_list()``)
    goes through ``BaseIterable``; ``DISTINCT`` and ``UNION`` queries are left alone
    (PostgreSQL refuses an ORDER BY outside their select list), and so are counts and
    ``exists()``, which never build an iterable."""
    from django.db.models.query import BaseIterable, QuerySet

    original = BaseIterable.__init__

    def randomised(self, queryset, *args, **kwargs):
        query = getattr(queryset, "query", None)
        if isinstance(queryset, QuerySet) and not queryset.ordered and not query.distinct and not query.combinator:
            queryset = queryset._chain()
            queryset.query.add_ordering("?")
        original(self, queryset, *args, **kwargs)

    BaseIterable.__init__ = randomised
    yield
    BaseIterable.__init__ = original


@pytest.fixture(autouse=True)
def _isolate_cache(settings):
    """Each test starts with an empty cache (rate limits, page cache, data version)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in French: a request with ``Accept-Language: en`` leaves English active
    in the thread (LocaleMiddleware activates but never resets), which would leak into the
    next test's gettext calls."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_commune_index():
    """The search box reads places from a process-wide commune index
    (``directory.territories.shared_index``, reloaded every ten minutes): each test's communes
    are its own."""
    from directory import territories

    territories._shared = None
    yield
    territories._shared = None


@pytest.fixture
def hauts_de_france(db):
    """A tiny slice of real territory: Nord and Pas-de-Calais, MEL and CC Pévèle-Carembault."""
    from tests.factories import build_hauts_de_france

    return build_hauts_de_france()


class DataClock:
    """The data version's clock (``directory.cache``), which the API's ``Last-Modified`` reads:
    each reading moves it on by a millisecond (every write gets its own version);
    ``next_second`` jumps to 100 ms into the next second (the last write's second is over)."""

    NS = 1_000_000_000

    def __init__(self):
        import time

        self.now = (time.time_ns() // self.NS) * self.NS + self.NS // 10

    def time_ns(self):
        self.now += 1_000_000
        return self.now

    def next_second(self):
        self.now = (self.now // self.NS + 1) * self.NS + self.NS // 10


@pytest.fixture
def data_clock(monkeypatch):
    """A test clock for the data version: tests of ``If-Modified-Since`` decide whether a
    client's copy and the next write share a second."""
    from types import SimpleNamespace

    from directory import cache

    clock = DataClock()
    monkeypatch.setattr(cache, "time", SimpleNamespace(time_ns=clock.time_ns))
    return clock


# --- the demo world ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _demo_world_rows(django_db_setup, django_db_blocker):
    """The demo world (territories 59 and 62, then ``load_demo`` with its accounts), built
    once per session in a transaction that is rolled back: each table it changed is kept as
    ``COPY`` data, and the test database is left as it was."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import override_settings

    with django_db_blocker.unblock(), transaction.atomic():
        tables = connection.introspection.django_table_names(include_views=False)
        before = _table_counts(connection, tables)
        # The demo accounts have a published password: created with DEBUG only.
        with override_settings(DEBUG=True):
            call_command("load_territories", departements="59,62", no_progress=True, verbosity=0)
            call_command("load_demo", verbosity=0)
        after = _table_counts(connection, tables)
        rows = {}
        with connection.cursor() as cursor:
            for table in tables:
                if after[table] == before[table]:
                    continue
                # The table as the demo left it (a table with rows before, such as the name
                # buckets' first boundary, is emptied before it is copied back).
                with cursor.cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                    rows[table] = (before[table][0] > 0, b"".join(bytes(block) for block in copy))
        transaction.set_rollback(True)
    return rows


def _table_counts(connection, tables) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its rows: a table changed (not only grown) shows."""
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"  # noqa: S608 (Django's own table names)
            )
            counts[table] = cursor.fetchone()
        return counts


@pytest.fixture
def demo_world(db, _demo_world_rows):
    """The demo world in this test's transaction (rolled back after it, as every test's data):
    the rows built once per session, copied back in a few milliseconds instead of loading
    the territories and the demo again (seconds) for each test."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        # Rows copied as they were: the triggers that derive tables (search words, name
        # buckets) and check foreign keys would redo what the copied rows already hold.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, (had_rows, data) in _demo_world_rows.items():
            if had_rows:
                cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 (Django's own table names)
            with cursor.cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(data)
        cursor.execute("SET LOCAL session_replication_role = origin")
        # New rows made by the test take ids after the copied ones.
        models = [m for m in apps.get_models(include_auto_created=True) if m._meta.db_table in _demo_world_rows]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
