"""A data version for cache keys: every write bumps it, so a cached public page can never
outlive an edit (the edit changes the key). Works across processes through the shared cache
(Redis in production)."""

import time

from django.core.cache import cache

KEY = "directory:data-version"


def data_version() -> str:
    version = cache.get(KEY)
    if version is None:
        version = str(time.time_ns())
        cache.add(KEY, version, None)
        version = cache.get(KEY, version)
    return str(version)


def data_version_with(*keys: str) -> tuple[str, dict]:
    """The data version and the cached values of ``keys``, in one round trip to the cache."""
    found = cache.get_many([KEY, *keys])
    version = found.pop(KEY, None)
    return (str(version) if version is not None else data_version()), found


def bump_data_version() -> None:
    cache.set(KEY, str(time.time_ns()), None)
