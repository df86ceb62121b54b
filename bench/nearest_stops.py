"""« Autour de moi » with mobile venues: what reading a page of ids costs.

    BENCH_PG_PORT=8019 .venv/bin/python bench/nearest_stops.py [--scale 1] [--mobile 200] [--points 20]

On the benchmark data set (``bench/build_dataset.py``, its own PostgreSQL cluster), inside a
transaction rolled back at the end: ``--mobile`` venues become buses with three stops each in
their département (communes with a known position). Then, for ``--points`` positions near
venues, the ids of page 1 and page 50 of ``/lieux/?near=…`` (``VenueFilter``) three ways:

- ``knn+stops``: what the list runs (``VenueQuerySet.nearest_ids_sql``: the KNN walk of the
  venues at their home base, UNION ALL the venues with stops);
- ``home knn``: the order before stops counted (home bases only, KNN): the floor;
- ``sort all``: ``ORDER BY`` the one distance, which computes it for every venue.

Prints the median and worst ``Execution Time`` of ``EXPLAIN ANALYZE`` (ms), checks that
``knn+stops`` returns the same ids as ``sort all``, and shows one plan.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pgserver  # noqa: E402
from bench.build_dataset import setup_django  # noqa: E402


class Rollback(Exception):
    pass


def explain(sql: str, params) -> tuple[float, dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Execution Time"], plan[0]["Plan"]


def ids(sql: str, params) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def nodes(plan: dict, depth: int = 0) -> list[str]:
    name = plan["Node Type"] + (f" on {plan['Index Name']}" if plan.get("Index Name") else "")
    lines = ["  " * depth + name]
    for child in plan.get("Plans", []):
        lines += nodes(child, depth + 1)
    return lines


def make_buses(count: int, rng) -> int:
    from directory import enums
    from directory.hours import departement_code_of
    from directory.models import Venue
    from directory.models.distance import stop_points_of
    from directory.territories import positions

    known = positions()
    by_departement: dict[str, list[str]] = {}
    for code in known:
        by_departement.setdefault(departement_code_of(code), []).append(code)
    venues = list(Venue.objects.filter(latitude__isnull=False).values_list("pk", "commune_id"))
    made = 0
    for pk, commune in rng.sample(venues, count):
        choices = by_departement.get(departement_code_of(commune), [])
        if len(choices) < 3:
            continue
        stops = rng.sample(choices, 3)
        Venue.objects.filter(pk=pk).update(
            itinerance=[enums.Itinerance.ITINERANT], stop_communes=stops, stop_points=stop_points_of(stops, known)
        )
        made += 1
    return made


def measure(args) -> None:
    from django.db import connection, transaction

    from directory.filters import VenueFilter
    from directory.models import Venue
    from directory.models.distance import home_chord

    rng = random.Random(args.seed)
    try:
        with transaction.atomic():
            made = make_buses(args.mobile, rng)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE directory_venue")
            points = [
                (lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05))
                for lat, lon in rng.sample(
                    list(Venue.objects.filter(latitude__isnull=False).values_list("latitude", "longitude")),
                    args.points,
                )
            ]
            timings: dict[str, list[float]] = {}
            shown = None
            for lat, lon in points:
                queryset = VenueFilter({"near": f"{lat},{lon}"}, queryset=Venue.objects.public()).qs
                for page, offset in (("page 1", 0), ("page 50", 980)):
                    new_sql, new_params = queryset.nearest_ids_sql((lat, lon), offset, 21)
                    home = (
                        queryset.annotate(gll_home=home_chord(lat, lon))
                        .order_by("gll_home", "sort_name", "pk")
                        .values_list("pk", flat=True)[offset : offset + 21]
                    )
                    every = queryset.values_list("pk", flat=True)[offset : offset + 21]
                    home_sql, home_params = home.query.sql_with_params()
                    every_sql, every_params = every.query.sql_with_params()
                    if ids(new_sql, new_params) != ids(every_sql, every_params):
                        raise SystemExit(f"different ids at {lat},{lon} {page}")
                    for label, sql, params in (
                        ("knn+stops", new_sql, new_params),
                        ("home knn", home_sql, home_params),
                        ("sort all", every_sql, every_params),
                    ):
                        elapsed, plan = explain(sql, params)
                        timings.setdefault(f"{page} {label}", []).append(elapsed)
                        if shown is None and label == "knn+stops":
                            shown = plan
            venues = Venue.objects.count()
            print(f"{venues} venues, {made} with 3 stops each, {len(points)} positions")
            for key, values in timings.items():
                print(f"{key:20} median {statistics.median(values):7.2f} ms   worst {max(values):7.2f} ms")
            print("knn+stops returned the same ids as sort all at every position and page")
            print("plan of knn+stops, page 1:")
            print("\n".join(nodes(shown)))
            raise Rollback
    except Rollback:
        pass


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--mobile", type=int, default=200)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    pgserver.start()
    setup_django(args.scale)
    measure(args)


if __name__ == "__main__":
    main()
