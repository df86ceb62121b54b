"""Build the national-scale benchmark data set in its own database.

    .venv/bin/python bench/build_dataset.py [--scale N]

``--scale 1``: 20,000 venues and about 95,000 channels across real communes of every
département (INSEE COG 2026, all 101 départements), with realistic closures (~7 % closed today,
~2 % closed for good, upcoming and past closures) and staleness (~20 % not verified for more
than the freshness threshold, ~3 % never verified). ``--scale 10``: 200,000 venues.

Where: database ``gll_bench_s<N>`` on the private PostgreSQL cluster of ``bench/pgserver.py``
(127.0.0.1:8019, data under var/bench-pgdata), never the development database.

Coordinates: the territory data carries none, so each venue gets its département's chef-lieu
coordinates (table below, rounded to ~1 km) plus a uniform jitter of about ±30 km
(±5 km for Paris and the petite couronne, ±15 km overseas). Enough for distance ordering and
the map to behave as with real data; not a geocoding.

Rows are written with PostgreSQL COPY (psycopg), so scale 1 builds in well under a minute.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pgserver  # noqa: E402

BASE_VENUES = 20_000
SEED = 20260101

# Chef-lieu of each département (lat, lon), rounded.
CENTROIDS = {
    "01": (46.21, 5.23), "02": (49.56, 3.62), "03": (46.57, 3.33), "04": (44.09, 6.24), "05": (44.56, 6.08),
    "06": (43.71, 7.26), "07": (44.74, 4.60), "08": (49.76, 4.73), "09": (42.97, 1.61), "10": (48.30, 4.07),
    "11": (43.21, 2.35), "12": (44.35, 2.58), "13": (43.30, 5.37), "14": (49.18, -0.37), "15": (44.93, 2.44),
    "16": (45.65, 0.16), "17": (46.16, -1.15), "18": (47.08, 2.40), "19": (45.27, 1.77), "2A": (41.92, 8.74),
    "2B": (42.70, 9.45), "21": (47.32, 5.04), "22": (48.51, -2.77), "23": (46.17, 1.87), "24": (45.18, 0.72),
    "25": (47.24, 6.02), "26": (44.93, 4.89), "27": (49.03, 1.15), "28": (48.45, 1.49), "29": (48.00, -4.10),
    "30": (43.84, 4.36), "31": (43.60, 1.44), "32": (43.65, 0.59), "33": (44.84, -0.58), "34": (43.61, 3.88),
    "35": (48.12, -1.68), "36": (46.81, 1.69), "37": (47.39, 0.69), "38": (45.19, 5.72), "39": (46.68, 5.55),
    "40": (43.89, -0.50), "41": (47.59, 1.34), "42": (45.44, 4.39), "43": (45.04, 3.89), "44": (47.22, -1.55),
    "45": (47.90, 1.91), "46": (44.45, 1.44), "47": (44.20, 0.62), "48": (44.52, 3.50), "49": (47.48, -0.56),
    "50": (49.12, -1.09), "51": (48.96, 4.37), "52": (48.11, 5.14), "53": (48.07, -0.77), "54": (48.69, 6.18),
    "55": (48.77, 5.16), "56": (47.66, -2.76), "57": (49.12, 6.18), "58": (46.99, 3.16), "59": (50.63, 3.06),
    "60": (49.43, 2.08), "61": (48.43, 0.09), "62": (50.29, 2.78), "63": (45.78, 3.09), "64": (43.30, -0.37),
    "65": (43.23, 0.08), "66": (42.70, 2.90), "67": (48.57, 7.75), "68": (48.08, 7.36), "69": (45.76, 4.84),
    "70": (47.62, 6.16), "71": (46.31, 4.83), "72": (48.01, 0.20), "73": (45.56, 5.92), "74": (45.90, 6.13),
    "75": (48.86, 2.35), "76": (49.44, 1.10), "77": (48.54, 2.66), "78": (48.80, 2.12), "79": (46.32, -0.46),
    "80": (49.89, 2.30), "81": (43.93, 2.15), "82": (44.02, 1.36), "83": (43.12, 5.93), "84": (43.95, 4.81),
    "85": (46.67, -1.43), "86": (46.58, 0.34), "87": (45.83, 1.26), "88": (48.17, 6.45), "89": (47.80, 3.57),
    "90": (47.64, 6.86), "91": (48.63, 2.44), "92": (48.89, 2.21), "93": (48.91, 2.44), "94": (48.79, 2.46),
    "95": (49.04, 2.08), "971": (16.24, -61.53), "972": (14.62, -61.06), "973": (4.92, -52.31),
    "974": (-20.88, 55.45), "976": (-12.78, 45.23),
}  # fmt: skip
SMALL = {"75", "92", "93", "94"}

VENUE_KINDS = [
    ("Espace numérique", ["TIERS_LIEUX"]),
    ("Médiathèque", ["BIB"]),
    ("France Services", ["MDS"]),
    ("Centre social", ["CS"]),
    ("Maison de quartier", ["CS"]),
    ("Point numérique CAF", ["CAF"]),
    ("Mairie", ["MUNI"]),
    ("Association Connexions", ["ASSO"]),
    ("Tiers-lieu", ["TIERS_LIEUX"]),
    ("Bibliothèque municipale", ["BIB"]),
]
STREETS = ["rue de la République", "place de la Mairie", "avenue Jean Jaurès", "rue Victor Hugo", "rue de l'Église",
           "boulevard Gambetta", "rue Pasteur", "place du Marché", "rue des Écoles", "chemin des Vignes"]  # fmt: skip
HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Tu,Th 14:00-18:00; Sa 09:00-12:00",
    "Mo-Sa 10:00-18:00",
    "We 09:00-12:00,14:00-17:30",
    "Mo,We,Fr 13:30-17:30",
]
# (kind, probability of a venue having it); mean ≈ 4.75 channels per venue.
CHANNEL_MIX = [
    ("phone", 0.95), ("email", 0.70), ("website", 0.60), ("signage", 0.50), ("in_person", 0.50),
    ("sms", 0.35), ("post", 0.30), ("facebook", 0.30), ("whatsapp", 0.20), ("video_class", 0.10),
    ("online_course", 0.10), ("video_stream", 0.05),
]  # fmt: skip
TEXT_VALUES = {
    "signage": ["Affiche sur la porte d'entrée", "Panneau d'affichage de la mairie", "Vitrine côté place"],
    "in_person": ["Permanence le mardi de 14h à 17h", "Accueil sans rendez-vous le samedi matin"],
    "post": ["{address}, {postal} {commune}"],
}


def database_name(scale: int) -> str:
    return f"gll_bench_s{scale}"


def setup_django(scale: int) -> None:
    os.environ["DATABASE_URL"] = pgserver.database_url(database_name(scale))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediation.settings")
    import django

    django.setup()


def copy_rows(table: str, columns: list[str], rows) -> int:
    from django.db import connection

    connection.ensure_connection()
    count = 0
    # Table and column names come from this module, never from input.
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reset_sequence(table: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608


def value_pools() -> dict[str, list[str]]:
    """A few thousand valid values per channel kind, normalised once by the real registry."""
    from directory.channels import get_kind

    raw = {
        "phone": [f"03 53 01 {n // 100:02d} {n % 100:02d}" for n in range(0, 10000, 7)],
        "sms": [f"06 39 98 {n // 100:02d} {n % 100:02d}" for n in range(0, 10000, 7)],
        "whatsapp": [f"https://wa.me/3363998{n:04d}" for n in range(0, 10000, 7)],
        "facebook": [f"https://www.facebook.com/lieu.numerique.{n}" for n in range(1500)],
        "email": [f"contact-{n}@example.org" for n in range(1500)],
        "website": [f"https://lieu-{n}.example.org" for n in range(1500)],
        "video_stream": [f"https://www.youtube.com/@lieunumerique{n}" for n in range(300)],
        "video_class": [f"https://visio.example.org/atelier-{n}" for n in range(300)],
        "online_course": [f"https://formation.example.org/parcours-{n}" for n in range(300)],
    }
    return {kind: [get_kind(kind).normalise(v) for v in values] for kind, values in raw.items()}


def build(scale: int, seed: int = SEED) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django.utils.text import slugify

    from directory import enums
    from directory.channels import get_kind
    from directory.models import Commune
    from directory.text import fold

    rng = random.Random(seed)
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_territories", verbosity=0, no_progress=True)
    t_territories = time.monotonic() - started

    communes = list(
        Commune.objects.exclude(postal_codes=[]).values_list(
            "code", "name", "departement_id", "postal_codes", "population"
        )
    )
    by_departement = defaultdict(list)
    for commune in communes:
        by_departement[commune[2]].append(commune)
    n_venues = BASE_VENUES * scale
    # Every département gets venues; beyond that, more populous communes get more of them.
    chosen = [rng.choice(items) for items in by_departement.values() for _ in range(20)]
    weights = [(c[4] or 0) ** 0.6 + 20 for c in communes]
    chosen += rng.choices(communes, weights=weights, k=n_venues - len(chosen))
    rng.shuffle(chosen)

    now = timezone.now()
    today = timezone.localdate()
    threshold = int(os.environ.get("FRESHNESS_THRESHOLD_DAYS", "180"))
    pools = value_pools()

    # Structures: one per ~8 venues of a département.
    structures, structure_of_dep = [], defaultdict(list)
    for dep in sorted(by_departement):
        count = max(1, sum(1 for c in chosen if c[2] == dep) // 8)
        for i in range(count):
            sid = len(structures) + 1
            name = f"{rng.choice(['Réseau', 'Association', 'Collectif', 'Union'])} numérique {dep}-{i + 1}"
            structures.append((sid, name, f"structure-{dep.lower()}-{i + 1}", rng.choice(enums.StructureKind.values),
                               f"{22000000000000 + sid}", "", dep, now))  # fmt: skip
            structure_of_dep[dep].append((sid, name))
    copy_rows(
        "directory_structure",
        ["id", "name", "slug", "kind", "pivot", "email", "departement_id", "created_at"],
        structures,
    )
    reset_sequence("directory_structure")

    services, publics = enums.Service.values, enums.Public.values
    venues, channels, closures, slugs = [], [], [], set()
    stats = defaultdict(int)
    channel_id = 0
    closure_id = 0
    for vid, (code, commune_name, dep, postal_codes, _pop) in enumerate(chosen, start=1):
        kind_name, typologie = rng.choice(VENUE_KINDS)
        name = f"{kind_name} {commune_name}"
        slug = slugify(f"{name}")[:72].strip("-")
        if slug in slugs:
            slug = f"{slug}-{vid}"
        slugs.add(slug)
        sid, structure_name = rng.choice(structure_of_dep[dep])
        lat0, lon0 = CENTROIDS.get(dep, (46.6, 2.4))
        spread = 0.05 if dep in SMALL else (0.15 if len(dep) == 3 else 0.3)
        lat, lon = round(lat0 + rng.uniform(-spread, spread), 5), round(lon0 + rng.uniform(-spread, spread) * 1.4, 5)
        postal = postal_codes[0]
        address = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
        roll = rng.random()
        if roll < 0.03:
            verified_at = None
            stats["never_verified"] += 1
        elif roll < 0.23:
            verified_at = now - datetime.timedelta(days=rng.randint(threshold + 1, 3 * threshold))
            stats["stale"] += 1
        else:
            verified_at = now - datetime.timedelta(days=rng.randint(0, threshold - 1))
        closed_for_good = today - datetime.timedelta(days=rng.randint(1, 300)) if rng.random() < 0.02 else None
        stats["closed_for_good"] += closed_for_good is not None
        service_area = rng.choices(["epci", "commune", "departement"], weights=[55, 35, 10])[0]
        search_text = fold(" ".join([name, commune_name, postal, structure_name]))
        venue_row = (
            (vid, "", "", f"{21000000000000 + vid}", name, slug, sid, "", code, postal, address, "", lat, lon,
             typologie, rng.choice(HOURS), f"Aide au numérique à {commune_name}"[:280], "", [],
             rng.sample(services, rng.randint(1, 4)), rng.sample(publics, rng.randint(0, 2)), [], [], [], [], "",
             [], [], "", "", (verified_at or now).date(), service_area, closed_for_good, verified_at, None, 1, now,
             now, search_text)
        )  # fmt: skip
        position = 0
        for kind, probability in CHANNEL_MIX:
            if rng.random() >= probability:
                continue
            if kind in TEXT_VALUES:
                value = rng.choice(TEXT_VALUES[kind]).format(address=address, postal=postal, commune=commune_name)
            else:
                value = rng.choice(pools[kind])
            channel_id += 1
            scenario = int(get_kind(kind).default_scenario)
            channels.append((channel_id, vid, kind, value, "", "", position, scenario, "", now, now))
            position += 1
        venues.append((*venue_row, ""))

        roll = rng.random()
        if roll < 0.07:  # closed today, for a known or unknown time
            start = today - datetime.timedelta(days=rng.randint(0, 20))
            end = None if rng.random() < 0.25 else today + datetime.timedelta(days=rng.randint(1, 60))
            stats["closed_today"] += 1
        elif roll < 0.12:  # closure announced
            start = today + datetime.timedelta(days=rng.randint(2, 40))
            end = start + datetime.timedelta(days=rng.randint(1, 20))
        elif roll < 0.25:  # a past closure, still in the history
            end = today - datetime.timedelta(days=rng.randint(5, 200))
            start = end - datetime.timedelta(days=rng.randint(1, 30))
        else:
            start = None
        if start:
            closure_id += 1
            reason = rng.choice(enums.ClosureReason.values)
            message = "Joignable par téléphone pendant la fermeture." if rng.random() < 0.5 else ""
            closures.append((closure_id, vid, start, end, reason, message, now, None))

    venue_columns = [
        "id", "external_id", "source", "pivot", "name", "slug", "structure_id", "structure_parente", "commune_id",
        "postal_code", "address", "address_complement", "latitude", "longitude", "typologie", "opening_hours",
        "presentation_resume", "presentation_detail", "itinerance", "services", "publics", "prise_en_charge",
        "frais", "dispositifs", "formations_labels", "autres_formations_labels", "modalites_acces",
        "modalites_accompagnement", "fiche_acces_libre", "prise_rdv", "date_maj", "service_area",
        "closed_permanently_on", "verified_at", "verified_by_id", "version", "created_at", "updated_at",
        "search_text", "staff_comment",
    ]  # fmt: skip
    t0 = time.monotonic()
    copy_rows("directory_venue", venue_columns, venues)
    copy_rows(
        "directory_channel",
        ["id", "venue_id", "kind", "value", "label", "availability", "position", "scenario", "standard_field",
         "created_at", "updated_at"],
        channels,
    )  # fmt: skip
    copy_rows(
        "directory_closureperiod",
        ["id", "venue_id", "starts_on", "ends_on", "reason", "public_message", "created_at", "created_by_id"],
        closures,
    )
    for table in ("directory_venue", "directory_channel", "directory_closureperiod"):
        reset_sequence(table)
    # What the importer does after a bulk load (``directory/maintenance.py``): fresh name
    # buckets, search entries rewritten in name order.
    from directory import maintenance

    maintenance.after_bulk_load()
    # VACUUM as autovacuum would soon after a load: statistics for the planner, and the
    # visibility map that lets counts and deep pages read indexes only (without it, counting
    # the whole directory reads every heap page: 12 ms instead of 4 at 20,000 venues).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    t_copy = time.monotonic() - t0
    summary = {
        "scale": scale,
        "database": database_name(scale),
        "venues": len(venues),
        "channels": len(channels),
        "closures": len(closures),
        "structures": len(structures),
        "departements": len({c[2] for c in chosen}),
        "communes_with_venues": len({c[0] for c in chosen}),
        **stats,
        "seconds_territories": round(t_territories, 1),
        "seconds_copy": round(t_copy, 1),
        "seconds_total": round(time.monotonic() - started, 1),
    }
    return summary


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="multiple of 20,000 venues (10 → 200,000)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    pgserver.start()
    pgserver.recreate_database(database_name(args.scale))
    setup_django(args.scale)
    summary = build(args.scale, args.seed)
    target = ROOT / "var" / f"bench-dataset-s{args.scale}.json"
    target.write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
