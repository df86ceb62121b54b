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
