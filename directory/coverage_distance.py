"""Distance figures of the coverage page: per scenario, the population whose commune lies within
10, 20 and 30 km (straight line) of a place where a resident can go that day.

**Where one can go in scenario s on date d** is the one definition of ``directory.reachability``,
restricted to the in-person kind: ``reachable_q(s, d, kinds=IN_PERSON_KINDS)`` — not closed for
good, and an in-person channel usable in s (its scenario ≤ s) that works on d by the closure rule
(``ClosurePeriod.keeps_working`` / ``Channel.objects.working_on``: a closure naming the drop-in
among the channels staying open keeps it, one naming none does not). Such a venue is a point at
its coordinates, else at its commune's position; a mobile venue (service area « communes ») also
at each of its stops.

**Distance of a commune**: 0 when a drop-in is in the commune (a venue located there, or a mobile
venue stopping there); otherwise the distance from the commune's position (its town hall,
``commune_positions.json.gz``) to the nearest point. A commune without a position is at 0 in
every scenario when a drop-in of its own is reachable in scenario 1 (so in all); otherwise it
has **no known distance**: its
population is counted apart (« position inconnue »), never as reached nor as unreached, and the
shares are of the population whose distance is known.

Computed in Python over the positions held in memory (measured against SQL: docs/coverage.md,
« Distance figures »): the points go into a grid of 0.1° × 0.15° cells (over 10 km a side
everywhere in France up to 53° N), so the points within 10·k km of a commune lie in the k rings
of cells around its own; each commune's search stops as soon as the answer cannot improve.
Scenarios are nested (what is usable in 1 is usable in 2 and 3), so each point carries the
smallest scenario that reaches it and one pass answers the three scenarios.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from directory import enums
from directory.coverage import SCENARIOS, _round_pct
from directory.reachability import IN_PERSON_KINDS, SCENARIO_1_KINDS

DISTANCES_KM = (10, 20, 30)
# Grid cells: 0.1° of latitude (11.1 km) by 0.15° of longitude (10 km or more up to 53° N).
CELL_LAT, CELL_LON = 0.1, 0.15
EARTH_KM = 6371.0
KM_PER_DEGREE = 2 * math.pi * EARTH_KM / 360
# Squared thresholds in degrees of latitude, compared with an equirectangular distance (exact to
# a few metres at these ranges).
_LIMITS = tuple((km / KM_PER_DEGREE) ** 2 for km in DISTANCES_KM)
NONE = 4  # « no scenario reaches it »: larger than any scenario


@dataclass
class DropIns:
    """Where residents can go on a date: ``points`` (lat, lon) → smallest scenario that reaches
    it; ``hosts``: commune code → smallest scenario of a drop-in located in it or stopping
    there."""

    points: dict = field(default_factory=dict)
    hosts: dict = field(default_factory=dict)


def box_around(codes, positions: dict) -> tuple[float, float, float, float] | None:
    """(south, north, west, east) of the communes ``codes`` widened by the largest distance: the
    only drop-ins a territory's figures can use. None when none of them has a position."""
    points = [positions[c] for c in codes if c in positions]
    if not points:
        return None
    south, north = min(p[0] for p in points), max(p[0] for p in points)
    west, east = min(p[1] for p in points), max(p[1] for p in points)
    margin_lat = max(DISTANCES_KM) / 111.0 + 0.01
    widest = max(abs(south), abs(north))
    margin_lon = max(DISTANCES_KM) / (111.0 * max(0.1, math.cos(math.radians(widest)))) + 0.01
    return south - margin_lat, north + margin_lat, west - margin_lon, east + margin_lon


def smallest_reaching_scenario(on: datetime.date):
    """Per venue reachable in person on ``on``: ``venue_id`` and ``smallest``, the smallest
    scenario that reaches it, in one grouped query over the in-person channels that work that
    day. The same answer as ``reachable_q(s, on, kinds=IN_PERSON_KINDS)`` for s = 1, 2, 3
    (``tests/test_coverage_distance.py`` checks them against each other on the table of
    cases): a venue is reachable in s when one of its channels usable in s works that day
    (``Channel.objects.working_on``: not closed for good, and kept by any covering closure),
    and an in-person channel is usable in every scenario from its own (in-person kinds are
    scenario-1 kinds). Three ``EXISTS`` chains per venue took 1.5 s at 200,000 venues."""
    from django.db.models import Min

    from directory.models import Channel

    if not set(IN_PERSON_KINDS) <= set(SCENARIO_1_KINDS):  # the equivalence above needs it
        raise RuntimeError("IN_PERSON_KINDS must be scenario-1 kinds")
    return (
        Channel.objects.filter(kind__in=IN_PERSON_KINDS)
        .working_on(on)
        .order_by()
        .values("venue_id")
        .annotate(smallest=Min("scenario"))
    )


def drop_ins(on: datetime.date, positions: dict, box=None, communes=()) -> DropIns:
    """The venues reachable through an in-person channel on ``on`` (two queries: the venues with
    the smallest scenario that reaches them, then the stops of the mobile ones). ``box`` (from
    ``box_around``): only the venues located in it or in ``communes`` (the territory's: a
    commune hosting a drop-in is at distance 0, whatever its coordinates say), those without
    coordinates (placed at their commune) and the mobile ones (placed at their stops);
    France-wide pages give none."""
    from django.db.models import Q

    from directory.models import Venue

    venues = smallest_reaching_scenario(on)
    if box is not None:
        south, north, west, east = box
        venues = venues.filter(
            Q(venue__latitude__range=(south, north), venue__longitude__range=(west, east))
            | Q(venue__latitude__isnull=True)
            | Q(venue__service_area=enums.ServiceArea.COMMUNES)
            | Q(venue__commune_id__in=list(communes))
        )
    venues = venues.values_list(
        "venue_id", "venue__latitude", "venue__longitude", "venue__commune_id", "venue__service_area", "smallest"
    )
    found = DropIns()
    mobile = {}
    # ``_keep`` written out: this loop sees every drop-in of France (91,000 at 200,000 venues).
    points, hosts, by_stops = found.points, found.hosts, enums.ServiceArea.COMMUNES
    for vid, lat, lon, commune, area, scenario in venues:
        point = (round(lat, 4), round(lon, 4)) if lat is not None and lon is not None else positions.get(commune)
        if scenario < points.get(point, NONE):
            points[point] = scenario
        if scenario < hosts.get(commune, NONE):
            hosts[commune] = scenario
        if area == by_stops:
            mobile[vid] = scenario
    if mobile:
        stops = Venue.service_area_communes.through.objects.filter(venue_id__in=list(mobile))
        for vid, commune in stops.values_list("venue_id", "commune_id"):
            _keep(found.points, positions.get(commune), mobile[vid])
            _keep(found.hosts, commune, mobile[vid])
    found.points.pop(None, None)
    return found


def _keep(mapping, key, scenario):
    if scenario < mapping.get(key, NONE):
        mapping[key] = scenario


def reach(communes, found: DropIns, positions: dict) -> dict:
    """``communes``: iterable of INSEE codes. Code → (s10, s20, s30), the smallest scenario with
    a drop-in within 10, 20, 30 km (``NONE``: none), or None when the distance is unknown."""
    grid: dict[tuple[int, int], list] = {}
    for (lat, lon), scenario in found.points.items():
        grid.setdefault((int(lat // CELL_LAT), int(lon // CELL_LON)), []).append((scenario, lat, lon))
    for cell in grid.values():
        cell.sort()  # scenario 1 first: the search stops at the first one close enough
    around: dict[tuple[int, int, int], list] = {}  # (row, col, ring) → points of that ring
    result = {}
    hosts = found.hosts
    for code in communes:
        hosted = hosts.get(code)
        if hosted == 1:
            result[code] = (1, 1, 1)
            continue
        position = positions.get(code)
        if position is None:
            # Only a drop-in reachable in every scenario (1) settles every distance; one
            # reachable from scenario 2 says nothing of scenario 1: unknown as a whole.
            result[code] = None
            continue
        best = _search(grid, around, position, hosted or NONE)
        result[code] = best
    return result


def _ring(grid, around, row, col, ring):
    key = (row, col, ring)
    points = around.get(key)
    if points is None:
        points = []
        for i in range(-ring, ring + 1):
            for j in range(-ring, ring + 1):
                if max(abs(i), abs(j)) == ring:
                    points.extend(grid.get((row + i, col + j), ()))
        points.sort()
        around[key] = points
    return points


def _search(grid, around, position, floor):
    """(s10, s20, s30) for one position; ``floor``: the scenario already known at distance 0."""
    lat, lon = position
    row, col = int(lat // CELL_LAT), int(lon // CELL_LON)
    squeeze = math.cos(math.radians(lat))
    # best[0] >= best[1] >= best[2] always: a point within 10 km is within 20 and 30.
    best = [floor, floor, floor]
    l10, l20, l30 = _LIMITS
    # Cells are over 10 km a side: points of ring k (k >= 2) are over 10·(k-1) km away, and
    # every point within 10·k km lies in rings 0..k.
    for ring, worst in ((0, 0), (1, 0), (2, 1), (3, 2)):
        for scenario, plat, plon in _ring(grid, around, row, col, ring):
            if scenario >= best[worst]:
                break  # sorted by scenario: nothing further in this ring can improve
            dx = (plon - lon) * squeeze
            dy = plat - lat
            d2 = dx * dx + dy * dy
            if d2 <= l30:
                if scenario < best[2]:
                    best[2] = scenario
                if d2 <= l20:
                    if scenario < best[1]:
                        best[1] = scenario
                    if d2 <= l10 and scenario < best[0]:
                        best[0] = scenario
        # After ring k, the rings beyond can only improve the thresholds beyond 10·k km.
        if best[min(ring, 2)] == 1:
            break
    return tuple(best)


@dataclass
class Figures:
    """Population within each distance, per scenario, for a set of communes."""

    population: int = 0
    communes: int = 0
    unknown_population: int = 0
    unknown_communes: int = 0
    # {scenario: {km: population}}
    near: dict = field(default_factory=lambda: {s: dict.fromkeys(DISTANCES_KM, 0) for s in SCENARIOS})

    @property
    def known_population(self) -> int:
        return self.population - self.unknown_population

    def add(self, population: int, bands, communes: int = 1) -> None:
        """``population`` of ``communes`` communes sharing the same ``bands``."""
        self.population += population
        self.communes += communes
        if bands is None:
            self.unknown_population += population
            self.unknown_communes += communes
            return
        for s in SCENARIOS:
            for km, reached_by in zip(DISTANCES_KM, bands, strict=True):
                if reached_by <= s:
                    self.near[s][km] += population

    def pct(self, scenario: int, km: int):
        return _round_pct(self.near[scenario][km], self.known_population)

    def values(self) -> dict:
        """The export columns (``COLUMN_KEYS``)."""
        data = {}
        for s in SCENARIOS:
            for km in DISTANCES_KM:
                data[f"near_{s}_{km}"] = self.near[s][km]
                data[f"near_pct_{s}_{km}"] = self.pct(s, km)
        data["near_unknown"] = self.unknown_population
        return data


def figures(communes, found: DropIns, positions: dict) -> tuple[Figures, dict]:
    """``communes``: [(code, population, row key)]. The territory's figures and each row's."""
    bands = reach([c[0] for c in communes], found, positions)
    # A few distinct (row, bands) pairs: add each once rather than each commune.
    grouped: dict[tuple, list] = {}
    for code, population, key in communes:
        entry = grouped.setdefault((key, bands[code]), [0, 0])
        entry[0] += population or 0
        entry[1] += 1
    totals, rows = Figures(), {}
    for (key, commune_bands), (population, count) in grouped.items():
        totals.add(population, commune_bands, count)
        rows.setdefault(key, Figures()).add(population, commune_bands, count)
    return totals, rows


def columns():
    """(key, label) of the distance columns of the coverage files."""
    from django.utils.translation import gettext as _

    cols = []
    for s in SCENARIOS:
        for km in DISTANCES_KM:
            cols += [
                (f"near_{s}_{km}", _("Population à moins de %(km)s km, scénario %(s)s") % {"km": km, "s": s}),
                (f"near_pct_{s}_{km}", _("Part à moins de %(km)s km, scénario %(s)s (%%)") % {"km": km, "s": s}),
            ]
    cols.append(("near_unknown", _("Population à position inconnue")))
    return cols
