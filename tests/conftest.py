import pytest


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
