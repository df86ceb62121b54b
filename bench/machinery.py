"""Does each piece of search machinery pay its way? (issue 18, point 2)

For the first pages people reach, measure with and without each piece, interleaved (on, off,
on, off… for every URL, so the machine's load hits both alike), on the benchmark database of
the given scale (``bench/build_dataset.py`` first):

- ``entries``: text-only searches read ``VenueSearchEntry`` (narrow rows) instead of the venue
  table (measure ``text_common``);
- ``cluster``: those entries in list order on disk (the nightly ``CLUSTER``) or in random order
  (``text_common``; a shuffled copy with the same indexes, dropped at the end);
- ``channel_kinds`` (until migration 0027 retired it): ``canal=`` and the scenario filter
  tested a column of kinds kept by triggers, or an ``EXISTS`` on the channels. The figures of
  that comparison are in docs/proof.md; the code that switched it off is in git history.

Server time through Django's test client, page cache cleared before each request (as the
benchmark's ``nocache`` figures). Prints medians and p95s; ``docs/proof.md`` keeps the
decisions.

    .venv/bin/python bench/machinery.py --scale 10
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pgserver  # noqa: E402
from bench.run import COMMON_WORDS, VARIANTS, percentile, production_env  # noqa: E402

ROUNDS = 3


@contextlib.contextmanager
def entries_off():
    from directory.filters import VenueFilter

    original = VenueFilter.full_text_query
    VenueFilter.full_text_query = property(lambda self: None)
    try:
        yield
    finally:
        VenueFilter.full_text_query = original


@contextlib.contextmanager
def entries_shuffled():
    """Text-only searches read a copy of the entries written in random order (as appended
    writes leave them without the nightly ``CLUSTER``), with the same indexes: made once by
    ``make_shuffled_copy``, swapped in by the table name."""
    from directory import pagination

    original = pagination.ENTRIES_MATCHES_SQL
    pagination.ENTRIES_MATCHES_SQL = original.replace("directory_venuesearchentry", SHUFFLED)
    try:
        yield
    finally:
        pagination.ENTRIES_MATCHES_SQL = original


SHUFFLED = "bench_shuffled_entries"


def make_shuffled_copy() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SHUFFLED}")
        cursor.execute(f"CREATE TABLE {SHUFFLED} AS SELECT * FROM directory_venuesearchentry ORDER BY random()")  # noqa: S608
        cursor.execute(f"CREATE INDEX ON {SHUFFLED} USING gin (search_vector) WITH (fastupdate = off)")
        cursor.execute(
            f"CREATE INDEX ON {SHUFFLED} (sort_name, venue_id) INCLUDE (closed_permanently_on, last_checked_at)"
        )
        cursor.execute(f"ANALYZE {SHUFFLED}")


def drop_shuffled_copy() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SHUFFLED}")


def timed(client, url) -> float:
    from django.core.cache import cache

    from directory.cache import data_version

    cache.clear()
    data_version()
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def compare(name: str, urls: list[str], variant) -> dict:
    from django.test import Client

    client = Client()
    on, off = [], []
    for url in urls:  # warm both paths once
        timed(client, url)
        with variant():
            timed(client, url)
    for _ in range(ROUNDS):
        for url in urls:
            on.append(timed(client, url))
            with variant():
                off.append(timed(client, url))
    result = {
        "with_p50": round(statistics.median(on), 1),
        "with_p95": percentile(on, 95),
        "without_p50": round(statistics.median(off), 1),
        "without_p95": percentile(off, 95),
    }
    print(f"  {name:32s} avec p50 {result['with_p50']:6.1f} p95 {result['with_p95']:6.1f} ms — "
          f"sans p50 {result['without_p50']:6.1f} p95 {result['without_p95']:6.1f} ms", flush=True)  # fmt: skip
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10)
    args = parser.parse_args(argv)
    pgserver.start()
    os.environ.update(production_env(args.scale))
    import subprocess

    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, check=True
    )  # the pages link the hashed static files
    import django

    django.setup()
    common = [f"/lieux/?q={word}" for word in COMMON_WORDS][:VARIANTS]
    print(f"== {args.scale * 20_000} lieux, {ROUNDS} tours entrelacés, charge {os.getloadavg()}", flush=True)
    make_shuffled_copy()
    try:
        results = {
            "entries (text_common)": compare("entrées de recherche", common, entries_off),
            "cluster (text_common)": compare("entrées dans l'ordre (CLUSTER)", common, entries_shuffled),
        }
    finally:
        drop_shuffled_copy()
    print(results, f"(charge {os.getloadavg()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
