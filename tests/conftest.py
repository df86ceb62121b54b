import pytest


@pytest.fixture(autouse=True)
def _isolate_cache(settings):
    """Each test starts with an empty cache (rate limits, page cache, data version)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hauts_de_france(db):
    """A tiny slice of real territory: Nord and Pas-de-Calais, MEL and CC Pévèle-Carembault."""
    from tests.factories import build_hauts_de_france

    return build_hauts_de_france()
