"""A data version for cache keys: every write bumps it, so a cached public page can never
outlive an edit (the edit changes the key). Works across processes through the shared cache
(Redis in production).

The version is the time of the last write, in nanoseconds: the API derives ``ETag`` from it and
``Last-Modified`` from its second (``last_modified``)."""

import time

from django.core.cache import cache

KEY = "directory:data-version"
NS = 1_000_000_000


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


def last_modified(version: str, not_before: float = 0) -> int | None:
    """The ``Last-Modified`` of data at ``version`` (whole seconds since the epoch, at least
    ``not_before``), or None while that second is not over.

    HTTP dates have no fraction: a client holding « 10:00:00 » and a write at 10:00:00.8 look
    alike, and ``If-Modified-Since`` would answer 304 with the data from before the write (RFC
    9110, 8.8.2.2: a date is a sound validator only once a second has passed). So no date is
    given until then; the ``ETag`` changes with every write and stays the validator."""
    try:
        written = int(version) / NS
    except ValueError:
        written = time.time_ns() / NS
    seconds = int(max(written, not_before))
    return seconds if time.time_ns() >= (seconds + 1) * NS else None
