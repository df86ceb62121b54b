"""How far a venue is from a point: the one definition read by « Autour de moi » (order and
label), the distance on the cards of a place search, the « nearest » venues of a place nobody
serves and « Pendant la fermeture » (docs/directory.md, « Where a mobile venue is »).

A venue is where residents can meet it:

- a fixed venue (and a mobile one without known stops) at its own coordinates, its home base;
- a mobile venue (``itinerance`` « Itinérant ») with stops (``Venue.stop_communes``) at each
  stop, placed at the centre of the stop's commune (``Venue.stop_points``, same order; a
  commune whose position is unknown is stored as ``[NULL, NULL]`` and that stop is placed at
  the home base), and at its home base too when it also receives people there (``itinerance``
  has « Fixe » as well).

Its distance is the smallest of those (straight line through the Earth, earthdistance's
``<->`` on ``ll_to_earth``: under 0.1 % from the great-circle distance within 500 km), and its
nearest stop the stop at that distance (none when the home base is as near, or when the
nearest is a stop of unknown position, placed at the home base).

SQL only, so that ordering, filtering and labels read the same numbers: ``DistanceFrom`` (metres)
and ``NearestStop`` (INSEE code). Both are ``CASE``s: a venue without stops costs one ``<->``,
and only the (few) venues with stops run the stops' subquery. ``home_chord`` is the bare
home-base distance, the expression the ``venue_earth_knn`` GiST index orders by (KNN).
"""

from __future__ import annotations

import re

from django.db import models
from django.db.models import F, Q

from directory import enums


# Written ``stop_points = '{}'``, not ``cardinality(stop_points) = 0``: PostgreSQL estimates
# the former from the column's statistics (most venues have no stops) and the latter as a
# guess of a few rows, which made it sort every venue rather than walk the KNN index for a
# deep page (433 ms instead of 30 at 20,000 venues, ``bench/nearest_stops.py``). The partial
# index ``venue_placed_by_stops`` has the exact condition of ``placed_by_stops``.
def placed_at_home() -> Q:
    """Condition: the venue is placed at its home base only (no stops)."""
    return Q(stop_points=[])


def placed_by_stops() -> Q:
    """Condition: the venue has stops (a mobile venue whose channels name stop communes)."""
    return ~Q(stop_points=[])


def home_chord(lat: float, lon: float):
    """Metres from (lat, lon) to the venue's own coordinates: the expression ``venue_earth_knn``
    orders by (nearest first without computing every distance)."""
    here = models.Func(F("latitude"), F("longitude"), function="ll_to_earth", output_field=models.FloatField())
    there = models.Func(
        models.Value(float(lat)), models.Value(float(lon)), function="ll_to_earth", output_field=models.FloatField()
    )
    return models.Func(here, there, arg_joiner=" <-> ", template="(%(expressions)s)", output_field=models.FloatField())


# Metres from the point to the home base; to each stop, a stop of unknown position counting as
# the home base. ``{…}`` are the venue's columns, ``{here}`` the point, ``{fixed}`` « Fixe ».
# Constant SQL (the columns and the point go in by ``_FromPoint.as_sql``, values as parameters).
_HOME = "(ll_to_earth({lat}, {lon}) <-> {here})"
_STOP = "ll_to_earth({points}[gll_i][1], {points}[gll_i][2]) <-> {here}"
_DISTANCE = (
    "(CASE WHEN cardinality({points}) = 0 THEN " + _HOME + " ELSE LEAST("  # noqa: S608  # nosec B608
    "CASE WHEN {fixed} = ANY({itinerance}) THEN " + _HOME + " END, "  # nosec B608 (constant SQL, above)
    "(SELECT min(CASE WHEN {points}[gll_i][1] IS NULL THEN " + _HOME + " ELSE " + _STOP + " END)"
    " FROM generate_subscripts({points}, 1) AS gll_s(gll_i))) END)"
)
# The nearest stop of known position, when it is at that distance (a tie with the home base
# names the stop: it says more).
_NEAREST_STOP = (
    "(CASE WHEN cardinality({points}) = 0 THEN NULL ELSE ("  # noqa: S608  # nosec B608 (constant SQL)
    "SELECT CASE WHEN gll_n.d <= " + _DISTANCE + " THEN gll_n.code END FROM ("  # nosec B608 (constant SQL)
    "SELECT {codes}[gll_i] AS code, " + _STOP + " AS d FROM generate_subscripts({points}, 1) AS gll_s(gll_i)"
    " WHERE {points}[gll_i][1] IS NOT NULL ORDER BY 2, 1 LIMIT 1) AS gll_n) END)"
)
_PLACEHOLDER = re.compile(r"\{(here|fixed)\}")


class _FromPoint(models.Func):
    """An SQL template on the venue's own columns and a point (see the module's docstring)."""

    sql = ""
    output_field = models.FloatField()

    def __init__(self, lat: float, lon: float):
        super().__init__(F("latitude"), F("longitude"), F("stop_points"), F("stop_communes"), F("itinerance"))
        self.point = (float(lat), float(lon))

    def as_sql(self, compiler, connection, **extra_context):
        columns = {}
        for name, expression in zip(
            ("lat", "lon", "points", "codes", "itinerance"), self.get_source_expressions(), strict=True
        ):
            column, column_params = compiler.compile(expression)
            if column_params:  # plain columns: never any parameter
                raise ValueError(f"{name} compiled with parameters")
            columns[name] = column
        sql, params = [], []
        # The point and the « Fixe » value are parameters, in the order they appear.
        pieces = _PLACEHOLDER.split(self.sql)
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                sql.append(piece.format(**columns))
            elif piece == "here":
                sql.append("ll_to_earth(%s, %s)")
                params += self.point
            else:
                sql.append("%s")
                params.append(enums.Itinerance.FIXE.value)
        return "".join(sql), params


class DistanceFrom(_FromPoint):
    """Metres from the point to where the venue can be met (see the module's docstring); NULL
    when nothing of it is placed."""

    sql = _DISTANCE


class NearestStop(_FromPoint):
    """INSEE code of the venue's stop nearest to the point, when a stop of known position is
    where it is nearest; else NULL."""

    sql = _NEAREST_STOP
    output_field = models.CharField()


def stop_points_of(codes, positions=None) -> list[list[float | None]]:
    """``Venue.stop_points`` for the stop communes ``codes``: each commune's centre
    (``territories.positions()``), ``[None, None]`` when unknown."""
    if positions is None:
        from directory.territories import positions as load

        positions = load()
    points = []
    for code in codes:
        position = positions.get(code)
        points.append([float(position[0]), float(position[1])] if position else [None, None])
    return points
