"""Likely duplicates: two venues (or a file's row and a venue) that look like the same place.

**The rule, decided here only.** Two venues are *candidates* when they are in the same commune
or less than ``NEAR_METRES`` apart (both with coordinates). A candidate pair is a *likely
duplicate* when its score reaches ``THRESHOLD`` (60 out of 100). The score adds:

============================  ======================================================
same usable pivot             +30 (placeholders such as 00000000000000 never count)
name similarity ``s``         +50 × s (pg_trgm trigram similarity of the folded names)
address                       +20 same normalised address, +10 similar (≥ 0.6),
                              −10 different (< 0.3)
distance (both coordinates)   +15 within 30 m, +8 within 150 m, −10 beyond 500 m,
                              −30 beyond 2 km
same commune                  +5
============================  ======================================================

clamped to 0–100. So a name alone never makes a duplicate: an identical name needs the same
address, the same pivot or a position nearby too; the same pivot with a different name is a
network's head office, not a duplicate, unless the address or position agree.

**Candidates come from SQL**, never from a Python loop over the directory: pairs of the same
commune (hash join on ``commune_id``) kept when the pivots are equal, the names close
(``similarity >= PREFILTER_NAME``) or the positions near; pairs of different communes from
the ``venue_earth_knn`` GiST index (``earth_box``). The prefilter keeps every pair that can
reach the threshold (``tests/test_duplicates.py`` checks it on a table of cases); Python
then computes the exact score on those few pairs. The rows of one import file are compared
with each other in Python, by commune and by 150 m grid cell.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from directory import enums
from directory.text import fold

THRESHOLD = 60
NEAR_METRES = 150.0
# Names at least this close (pg_trgm similarity) are candidates of the same commune. Without a
# usable pivot and without a position nearby, a pair needs s >= 0.7 (35 + 20 + 5) to reach the
# threshold; 0.5 leaves room for the small differences between PostgreSQL's ``unaccent`` and
# ``fold``.
PREFILTER_NAME = 0.5
# Rows of a file compared with the directory per query: fewer round trips and seq scans of the
# venue table than the importer's batches of 1,000.
ROWS_PER_QUERY = 5000
# earthdistance's sphere (``earth()``), so Python and SQL measure the same metres.
EARTH_RADIUS_M = 6378168.0

WORD = re.compile(r"[^\W_]+")


# --- the parts of the score ------------------------------------------------------------------


def usable_pivot(pivot: str) -> str:
    """The pivot when it identifies something, else ``""``: real files fill the column with
    placeholders (00000000000000, 11111111111111, 12345678901234, W000000000…)."""
    pivot = (pivot or "").strip().upper()
    digits = pivot[1:] if pivot.startswith("W") else pivot
    if len(pivot) < 9 or len(set(digits)) < 3 or digits.lstrip("0") == "" or digits in "12345678901234567890":
        return ""
    return pivot


def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams of ``text`` (already folded): each word padded with two spaces in
    front and one behind, every 3-character window."""
    found = set()
    for word in WORD.findall(text.lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def trigram_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """pg_trgm's ``similarity()``: shared trigrams over all trigrams."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


ADDRESS_WORDS = {
    "bd": "boulevard",
    "bld": "boulevard",
    "boul": "boulevard",
    "av": "avenue",
    "ave": "avenue",
    "r": "rue",
    "pl": "place",
    "rte": "route",
    "chem": "chemin",
    "imp": "impasse",
    "all": "allee",
    "sq": "square",
    "fg": "faubourg",
    "fbg": "faubourg",
    "st": "saint",
    "ste": "sainte",
    "pdt": "president",
    "gal": "general",
    "mal": "marechal",
}
ADDRESS_NOISE = {"de", "du", "des", "la", "le", "les", "l", "d"}


def address_key(address: str) -> str:
    """The address folded, abbreviations spelt out (« bd » → boulevard), small words and
    punctuation dropped: « 12, Bd. de la République » = « 12 boulevard République »."""
    words = [ADDRESS_WORDS.get(w, w) for w in WORD.findall(fold(address))]
    return " ".join(w for w in words if w not in ADDRESS_NOISE)


def distance_m(lat1, lon1, lat2, lon2) -> float | None:
    if None in (lat1, lon1, lat2, lon2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@functools.lru_cache(maxsize=100_000)
def name_trigrams(name: str) -> frozenset[str]:
    return trigrams(fold(name))


@functools.lru_cache(maxsize=100_000)
def address_parts(address: str) -> tuple[str, frozenset[str]]:
    key = address_key(address)
    return key, trigrams(key)


class Facts(NamedTuple):
    """What the score reads of a venue or a row. Plain values: the folded forms and trigrams
    are computed (and cached) only for the pairs actually compared."""

    key: int  # venue id, or line of a file
    name: str
    ref: str  # what a message calls it: the venue's id in the standard, or its line
    commune_id: str
    latitude: float | None
    longitude: float | None
    pivot: str  # usable pivot or ""
    address: str

    @classmethod
    def build(cls, key, name, ref, commune_id, latitude, longitude, pivot, address) -> Facts:
        return cls(key, name, ref, commune_id or "", latitude, longitude, usable_pivot(pivot), address or "")


@dataclass(frozen=True)
class Features:
    same_pivot: bool = False
    name_similarity: float = 0.0
    address_similarity: float = 0.0
    same_address: bool = False
    same_commune: bool = False
    distance_m: float | None = None
    has_addresses: bool = True

    @classmethod
    def of(cls, a: Facts, b: Facts) -> Features:
        address_a, address_a_trigrams = address_parts(a.address)
        address_b, address_b_trigrams = address_parts(b.address)
        return cls(
            same_pivot=bool(a.pivot) and a.pivot == b.pivot,
            name_similarity=round(trigram_similarity(name_trigrams(a.name), name_trigrams(b.name)), 3),
            address_similarity=round(trigram_similarity(address_a_trigrams, address_b_trigrams), 3),
            same_address=bool(address_a) and address_a == address_b,
            same_commune=bool(a.commune_id) and a.commune_id == b.commune_id,
            distance_m=distance_m(a.latitude, a.longitude, b.latitude, b.longitude),
            has_addresses=bool(address_a and address_b),
        )

    @property
    def score(self) -> int:
        points = 50 * self.name_similarity
        if self.same_pivot:
            points += 30
        if self.same_address:
            points += 20
        elif self.address_similarity >= 0.6:
            points += 10
        elif self.address_similarity < 0.3 and self.has_addresses:
            points -= 10
        if self.distance_m is not None:
            if self.distance_m <= 30:
                points += 15
            elif self.distance_m <= NEAR_METRES:
                points += 8
            elif self.distance_m > 2000:
                points -= 30
            elif self.distance_m > 500:
                points -= 10
        if self.same_commune:
            points += 5
        return max(0, min(100, round(points)))

    @property
    def is_candidate(self) -> bool:
        return self.same_commune or (self.distance_m is not None and self.distance_m <= NEAR_METRES)

    @property
    def is_likely(self) -> bool:
        return self.is_candidate and self.score >= THRESHOLD

    def explain(self, labels: dict | None = None) -> str:
        labels = labels or _labels(get_language())
        parts = []
        if self.same_pivot:
            parts.append(labels["pivot"])
        if self.name_similarity >= 0.999:
            parts.append(labels["name"])
        elif self.name_similarity >= 0.3:
            parts.append(labels["names"] % {"percent": round(100 * self.name_similarity)})
        if self.same_address:
            parts.append(labels["address"])
        elif self.address_similarity >= 0.6:
            parts.append(labels["addresses"])
        elif self.address_similarity < 0.3 and self.has_addresses:
            parts.append(labels["other_address"])
        if self.distance_m is not None:
            if self.distance_m < 1000:
                parts.append(labels["metres"] % {"metres": round(self.distance_m)})
            else:
                parts.append(labels["km"] % {"km": self.distance_m / 1000})
        if self.same_commune:
            parts.append(labels["commune"])
        return ", ".join(parts)


@functools.lru_cache(maxsize=8)
def _labels(language: str | None) -> dict[str, str]:
    # Translated once per language: an import explains thousands of pairs.
    return {
        "pivot": _("même pivot"),
        "name": _("même nom"),
        "names": _("noms proches (%(percent)d %%)"),
        "address": _("même adresse"),
        "addresses": _("adresses proches"),
        "other_address": _("adresses différentes"),
        "metres": _("à %(metres)d m"),
        "km": _("à %(km).1f km"),
        "commune": _("même commune"),
        "message": _("doublon probable de « %(name)s » (%(ref)s, score %(score)s : %(reasons)s)"),
        "line": _("ligne %(line)s"),
        "merged": _(
            "ce lieu a été fusionné dans « %(name)s » : la ligne le crée de nouveau ; retirez-la du "
            "fichier, ou fusionnez-le encore après l'import"
        ),
    }


class Match(NamedTuple):
    """A likely duplicate of a row (``key`` its line) or a venue: ``other`` is what it looks like."""

    key: int
    other: Facts
    features: Features
    in_file: bool = False  # ``other`` is another row of the same file

    @property
    def score(self) -> int:
        return self.features.score

    def message(self, labels: dict | None = None) -> str:
        labels = labels or _labels(get_language())
        return labels["message"] % {
            "name": self.other.name,
            "ref": labels["line"] % {"line": self.other.key} if self.in_file else self.other.ref,
            "score": self.score,
            "reasons": self.features.explain(labels),
        }


# --- candidates from SQL ---------------------------------------------------------------------

# The SQL side of the rule: a superset of the pairs that can reach the threshold. Same commune:
# equal pivots (not a repeated character), names close or positions near; other communes:
# positions near, from the ``venue_earth_knn`` GiST index. ``ids`` (NULL: every venue) limits
# the scan to the pairs touching some venues. Constant SQL, every value is a parameter.
DIRECTORY_PAIRS_SQL = """
WITH v AS MATERIALIZED (
    SELECT id, commune_id, pivot, lower(unaccent(name)) AS folded_name, latitude, longitude
    FROM directory_venue
    WHERE %(ids)s::bigint[] IS NULL
        OR commune_id IN (SELECT commune_id FROM directory_venue WHERE id = ANY(%(ids)s::bigint[]))
)
SELECT a.id, b.id FROM v a JOIN v b ON b.commune_id = a.commune_id AND b.id > a.id
WHERE ((a.pivot = b.pivot AND a.pivot <> '' AND a.pivot !~ '^(.)\\1*$')
    OR similarity(a.folded_name, b.folded_name) >= %(name)s
    OR (a.latitude IS NOT NULL AND b.latitude IS NOT NULL AND earth_distance(
        ll_to_earth(a.latitude, a.longitude), ll_to_earth(b.latitude, b.longitude)) <= %(near)s))
    AND (%(ids)s::bigint[] IS NULL OR a.id = ANY(%(ids)s::bigint[]) OR b.id = ANY(%(ids)s::bigint[]))
UNION
SELECT a.id, b.id FROM directory_venue a JOIN directory_venue b
    ON earth_box(ll_to_earth(a.latitude, a.longitude), %(near)s) @> ll_to_earth(b.latitude, b.longitude)
WHERE a.latitude IS NOT NULL AND b.latitude IS NOT NULL AND b.id > a.id AND b.commune_id <> a.commune_id
    AND earth_distance(ll_to_earth(a.latitude, a.longitude), ll_to_earth(b.latitude, b.longitude)) <= %(near)s
    AND (%(ids)s::bigint[] IS NULL OR a.id = ANY(%(ids)s::bigint[]) OR b.id = ANY(%(ids)s::bigint[]))
"""

# The same rule between rows of a file (``r``, arrays of their facts) and the directory.
ROWS_PAIRS_SQL = """
WITH r AS MATERIALIZED (
    SELECT * FROM unnest(%(lines)s::int[], %(names)s::text[], %(pivots)s::text[], %(communes)s::text[],
                         %(lats)s::float8[], %(lons)s::float8[], %(selves)s::bigint[])
        AS r(line, name, pivot, commune_id, latitude, longitude, self_id)
)
SELECT r.line, v.id FROM r JOIN directory_venue v ON v.commune_id = r.commune_id
WHERE v.id IS DISTINCT FROM r.self_id
    AND ((r.pivot = v.pivot AND r.pivot <> '' AND r.pivot !~ '^(.)\\1*$')
    OR similarity(lower(unaccent(r.name)), lower(unaccent(v.name))) >= %(name)s
    OR (r.latitude IS NOT NULL AND v.latitude IS NOT NULL AND earth_distance(
        ll_to_earth(r.latitude, r.longitude), ll_to_earth(v.latitude, v.longitude)) <= %(near)s))
UNION
SELECT r.line, v.id FROM r JOIN directory_venue v
    ON earth_box(ll_to_earth(r.latitude, r.longitude), %(near)s) @> ll_to_earth(v.latitude, v.longitude)
WHERE r.latitude IS NOT NULL AND v.latitude IS NOT NULL AND v.commune_id <> r.commune_id
    AND v.id IS DISTINCT FROM r.self_id
    AND earth_distance(ll_to_earth(r.latitude, r.longitude), ll_to_earth(v.latitude, v.longitude)) <= %(near)s
"""


def _params(**extra):
    # earth_box is a cube around the point, a little wider than the sphere's distance: the exact
    # distance is tested after it.
    return {"near": NEAR_METRES, "name": PREFILTER_NAME, **extra}


def _fetch(sql: str, params: dict) -> list[tuple]:
    # The planner's cost estimates of these joins reach JIT compilation, which took most of a
    # directory scan's time (EXPLAIN ANALYZE at 20,000 venues): off, for this query only.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


def venue_facts(ids: Iterable[int]) -> dict[int, Facts]:
    from directory.models import Venue

    found = {}
    ids = list(ids)
    for start in range(0, len(ids), 5000):
        for row in Venue.objects.filter(pk__in=ids[start : start + 5000]).values_list(
            "pk", "name", "external_id", "slug", "commune_id", "latitude", "longitude", "pivot", "address"
        ):
            pk, name, external_id, slug, *rest = row
            found[pk] = Facts.build(pk, name, external_id or slug, *rest)
    return found


def directory_pairs(venue_ids: Iterable[int] | None = None) -> list[tuple[Facts, Facts, Features]]:
    """Likely duplicates within the directory (or among the pairs touching ``venue_ids``)."""
    ids = None if venue_ids is None else list(venue_ids)
    pairs = _fetch(DIRECTORY_PAIRS_SQL, _params(ids=ids))
    facts = venue_facts({i for pair in pairs for i in pair})
    found = []
    for a, b in pairs:
        features = Features.of(facts[a], facts[b])
        if features.is_likely:
            found.append((facts[a], facts[b], features))
    return found


def duplicates_of_rows(rows: list[Facts], selves: dict[int, int] | None = None) -> dict[int, list[Match]]:
    """Likely duplicates of rows that are not in the directory (``key`` = line), against the
    directory, best first; writes nothing. ``selves`` maps a line to the venue it updates
    (never its own duplicate). For the public validator, build rows with ``row_facts``."""
    selves = selves or {}
    found: dict[int, list[Match]] = defaultdict(list)
    for start in range(0, len(rows), ROWS_PER_QUERY):
        chunk = rows[start : start + ROWS_PER_QUERY]
        by_line = {row.key: row for row in chunk}
        params = _params(
            lines=[r.key for r in chunk],
            names=[r.name for r in chunk],
            pivots=[r.pivot for r in chunk],
            communes=[r.commune_id for r in chunk],
            lats=[r.latitude for r in chunk],
            lons=[r.longitude for r in chunk],
            selves=[selves.get(r.key) for r in chunk],
        )
        pairs = _fetch(ROWS_PAIRS_SQL, params)
        facts = venue_facts({v for _line, v in pairs})
        for line, venue_id in pairs:
            features = Features.of(by_line[line], facts[venue_id])
            if features.is_likely:
                found[line].append(Match(line, facts[venue_id], features))
    for matches in found.values():
        matches.sort(key=lambda m: (-m.score, m.other.key))
    return dict(found)


def row_facts(line: int, values: dict) -> Facts:
    """A file's row (importer ``NormalRow.values``: name, pivot, address, commune_id,
    latitude, longitude) as ``Facts``."""
    return Facts.build(
        line,
        values.get("name", ""),
        "",  # a row is named by its line (``Match.message``)
        values.get("commune_id", ""),
        values.get("latitude"),
        values.get("longitude"),
        values.get("pivot", ""),
        values.get("address", ""),
    )


def duplicates_within(rows: list[Facts]) -> list[Match]:
    """Likely duplicates among the rows of one file (``Match.key`` the later line), by
    commune and by grid cell of about 150 m: never every pair of the file."""
    by_commune: dict[str, list[Facts]] = defaultdict(list)
    cells: dict[tuple[int, int], list[Facts]] = defaultdict(list)
    for row in rows:
        if row.commune_id:
            by_commune[row.commune_id].append(row)
        if row.latitude is not None and row.longitude is not None:
            cells[_cell(row)].append(row)
    seen: set[tuple[int, int]] = set()
    found = []

    def consider(a: Facts, b: Facts):
        first, second = (a, b) if a.key < b.key else (b, a)
        if (first.key, second.key) in seen:
            return
        seen.add((first.key, second.key))
        features = Features.of(first, second)
        if features.is_likely:
            found.append(Match(second.key, first, features, in_file=True))

    for group in by_commune.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                consider(a, b)
    for (y, x), group in cells.items():
        for a in group:
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    for b in cells.get((y + dy, x + dx), ()):
                        if b.key != a.key and b.commune_id != a.commune_id:
                            consider(a, b)
    return found


def _cell(row: Facts) -> tuple[int, int]:
    # ~NEAR_METRES tall; as wide at the latitude of the row (narrower meridians north).
    lat_step = NEAR_METRES / 111_000
    lon_step = lat_step / max(0.1, math.cos(math.radians(row.latitude)))
    return (math.floor(row.latitude / lat_step), math.floor(row.longitude / lon_step))


# --- storing pairs ---------------------------------------------------------------------------


def pair_values(a_id: int, b_id: int, features: Features, origin) -> dict:
    first, second = sorted((a_id, b_id))
    return {
        "first_id": first,
        "second_id": second,
        "score": features.score,
        "same_pivot": features.same_pivot,
        "name_similarity": features.name_similarity,
        "address_similarity": features.address_similarity,
        "same_address": features.same_address,
        "same_commune": features.same_commune,
        "distance_m": features.distance_m,
        "origin": origin,
    }


def store_pairs(pairs: Iterable[dict]) -> int:
    """Create the pairs not yet known; a pair already there (proposed or distinct) is kept.
    One ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`` per 5,000 pairs: a first
    import of 20,000 rows that all look like venues already here stores 20,000 pairs, and
    ``bulk_create`` spent most of that time binding their 200,000 parameters (``make bench``,
    measure ``import_20k_s``)."""
    from directory.models import LikelyDuplicate

    table = LikelyDuplicate._meta.db_table
    columns = [
        ("first_id", "integer"),
        ("second_id", "integer"),
        ("score", "smallint"),
        ("same_pivot", "boolean"),
        ("name_similarity", "double precision"),
        ("address_similarity", "double precision"),
        ("same_address", "boolean"),
        ("same_commune", "boolean"),
        ("distance_m", "double precision"),
        ("origin", "text"),
    ]
    statement = (
        f"INSERT INTO {table} ({', '.join(c for c, _t in columns)}, status, found_at) "  # noqa: S608  # nosec B608 (our own names)
        f"SELECT *, %s, now() FROM unnest({', '.join(f'%s::{t}[]' for _c, t in columns)}) "
        "ON CONFLICT (first_id, second_id) DO NOTHING"
    )
    pairs = list(pairs)
    created = 0
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), 5000):
            chunk = pairs[start : start + 5000]
            cursor.execute(
                statement,
                [enums.DuplicateStatus.PROPOSED, *([p[c] for p in chunk] for c, _t in columns)],
            )
            created += cursor.rowcount
    return created


@transaction.atomic
def refresh_directory() -> dict[str, int]:
    """The whole directory scanned (``manage.py find_duplicates``): new pairs proposed, scores
    of proposed pairs brought up to date, proposed pairs that no longer look alike dropped.
    Pairs marked distinct are never touched."""
    from directory.models import LikelyDuplicate

    found = {
        tuple(sorted((a.key, b.key))): pair_values(a.key, b.key, f, enums.DuplicateOrigin.SCAN)
        for a, b, f in directory_pairs()
    }
    stored = {(p.first_id, p.second_id): p for p in LikelyDuplicate.objects.all()}
    gone = [p.pk for key, p in stored.items() if key not in found and p.status == enums.DuplicateStatus.PROPOSED]
    LikelyDuplicate.objects.filter(pk__in=gone).delete()
    changed = []
    for key, values in found.items():
        pair = stored.get(key)
        if pair is not None and pair.status == enums.DuplicateStatus.PROPOSED and pair.score != values["score"]:
            for name, value in values.items():
                if name != "origin":
                    setattr(pair, name, value)
            changed.append(pair)
    LikelyDuplicate.objects.bulk_update(
        changed,
        ["score", "same_pivot", "name_similarity", "address_similarity", "same_address", "same_commune", "distance_m"],
        batch_size=1000,
    )
    created = store_pairs(v for key, v in found.items() if key not in stored)
    return {"found": len(found), "created": created, "updated": len(changed), "dropped": len(gone)}


# --- the import's hook -----------------------------------------------------------------------


class ImportDuplicates:
    """The importer's three calls: ``add`` each valid row (pass 1), ``warn`` once at the end of
    pass 1 (a warning per row that looks like a venue or an earlier row), ``record`` the new
    venues' pairs when they are written. Rows that update a venue (same source and id) are
    the venue itself, never its duplicate. The row is still imported: a likely duplicate can
    be a real neighbour (two services at one address), and staff decide on the list."""

    MAX_PER_ROW = 3

    def __init__(self):
        self.rows: list[tuple[Facts, tuple[str, str]]] = []
        self.matches: dict[int, list[Match]] = {}

    def add(self, normal) -> None:
        self.rows.append((row_facts(normal.line, normal.values), normal.key))

    def warn(self, warn) -> None:
        from directory.models import Venue
        from directory.opendata.writing import existing_venues

        new_rows, merged = [], {}
        for start in range(0, len(self.rows), ROWS_PER_QUERY):
            chunk = self.rows[start : start + ROWS_PER_QUERY]
            keyed = [_Keyed(facts.key, key) for facts, key in chunk]
            existing = existing_venues(keyed, Venue.objects.values("source", "external_id", "slug"))
            new = [(facts, key) for facts, key in chunk if key not in existing]
            new_rows.extend(facts for facts, _key in new)
            merged.update(_merged_away(new))
        labels = _labels(get_language())
        for line, redirect in sorted(merged.items()):
            # The venue of this source and id was merged into another: the row brings it back.
            warn(line, "id", redirect.external_id, labels["merged"] % {"name": redirect.venue.name})
        matches = duplicates_of_rows(new_rows)
        for match in duplicates_within(new_rows):
            matches.setdefault(match.key, []).append(match)
        names = {facts.key: facts.name for facts in new_rows}
        for line in sorted(matches):
            best = sorted(matches[line], key=lambda m: (-m.score, m.in_file, m.other.key))[: self.MAX_PER_ROW]
            matches[line] = best
            for match in best:
                warn(line, "nom", names[line], match.message(labels))
        self.matches = matches

    def record(self, new_ids: list[int], created) -> int:
        ids = {normal.line: pk for pk, normal in zip(new_ids, created, strict=True)}
        pairs = []
        for line, matches in self.matches.items():
            if line not in ids:
                continue
            for match in matches:
                other = ids.get(match.other.key) if match.in_file else match.other.key
                if other is not None:
                    pairs.append(pair_values(ids[line], other, match.features, enums.DuplicateOrigin.IMPORT))
        return store_pairs(pairs)


def _merged_away(rows: list[tuple[Facts, tuple[str, str]]]) -> dict:
    """``{line: VenueRedirect}`` for rows whose (source, id) is a venue merged away."""
    from directory.models import VenueRedirect

    keys = {key: facts for facts, key in rows if key[1]}
    if not keys:
        return {}
    found = {}
    for redirect in VenueRedirect.objects.select_related("venue").filter(
        source__in={k[0] for k in keys}, external_id__in={k[1] for k in keys}
    ):
        facts = keys.get((redirect.source, redirect.external_id))
        if facts is not None:
            found[facts.key] = redirect
    return found


class _Keyed(NamedTuple):
    line: int
    key: tuple[str, str]


# --- staff decisions -------------------------------------------------------------------------


class MergeRefused(Exception):
    """A merge that cannot be done; the message says why, in French, and nothing was written."""


def mark_distinct(pair, user) -> None:
    if not pair.can_mark_distinct(user):
        raise MergeRefused(
            _("Vous ne pouvez pas traiter cette paire : aucun des deux lieux n'est dans vos départements.")
        )
    pair.status = enums.DuplicateStatus.DISTINCT
    pair.decided_by = user
    pair.decided_at = timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
