"""Coverage: who can reach a mediation venue, in which access scenario, per territory.

Everything is computed in two aggregate SQL queries whatever the size of the territory (one row
per commune of the scope, one row per child territory for distinct venue counts), then rolled
up in Python. Nothing here issues a query per commune or per venue. See docs/coverage.md for the
counting rules and ``compute()`` for the entry point used by the page, the CSV and ``make bench``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory import enums, reachability
from directory.models import Channel, ChannelCheck, ClosurePeriod, Commune, Departement, Epci, Region, Venue
from directory.models.channels import flagged_sql
from directory.reachability import SCENARIO_1_KINDS
from directory.text import fold

SCENARIOS = (1, 2, 3)

# Levels, from the widest to the narrowest; the French words are the URL values.
FRANCE, REGION, DEPARTEMENT, EPCI, COMMUNE = "france", "region", "departement", "epci", "commune"
LEVELS = (FRANCE, REGION, DEPARTEMENT, EPCI, COMMUNE)
LEVEL_LABELS = {
    FRANCE: _("France"),
    REGION: _("Région"),
    DEPARTEMENT: _("Département"),
    EPCI: _("Intercommunalité (EPCI)"),
    COMMUNE: _("Commune"),
}
# What the rows of the table are for each level.
CHILD_LEVEL = {FRANCE: REGION, REGION: DEPARTEMENT, DEPARTEMENT: EPCI, EPCI: COMMUNE, COMMUNE: COMMUNE}

# The views: « tout canal » and « proximité » (without département-wide services).
VIEWS = reachability.VIEWS
ANY, PROXIMITY = reachability.ANY, reachability.PROXIMITY
VIEW_LABELS = {ANY: _("Tout canal"), PROXIMITY: _("Proximité")}


def _round_pct(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class Row:
    """One line of the table (a child territory) or the totals line."""

    key: str
    name: str
    level: str  # the level to open when following the row's link
    population: int = 0
    communes: int = 0
    located: int = 0
    open: int = 0
    temporarily_closed: int = 0
    permanently_closed: int = 0
    stale: int = 0
    # Channels of the venues in activity located here: checked automatically, and flagged
    # (``Channel.objects.flagged()``: failing ``CHANNEL_CHECK_FLAG_DAYS`` days in a row).
    checked_channels: int = 0
    flagged_channels: int = 0
    reachable: dict = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))
    covered: dict = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))
    # The same in the « proximité » view (without the services covering the whole département).
    reachable_prox: dict = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))
    covered_prox: dict = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))
    # Communes without a reachable venue, per scenario, in each view.
    unreached: dict = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))
    unreached_prox: dict = field(default_factory=lambda: dict.fromkeys(SCENARIOS, 0))

    @property
    def active(self) -> int:
        return self.located - self.permanently_closed

    @property
    def stale_pct(self) -> Decimal:
        return _round_pct(self.stale, self.active)

    @property
    def flagged_pct(self) -> Decimal:
        return _round_pct(self.flagged_channels, self.checked_channels)

    def covered_pct(self, scenario: int, view: str = ANY) -> Decimal:
        return _round_pct(self.covered_in(view)[scenario], self.population)

    def covered_in(self, view: str) -> dict:
        return self.covered_prox if view == PROXIMITY else self.covered

    def reachable_in(self, view: str) -> dict:
        return self.reachable_prox if view == PROXIMITY else self.reachable

    def values(self) -> dict:
        """The row as exported: the same keys as ``COLUMNS``."""
        data = {
            "name": self.name,
            "code": self.key,
            "population": self.population,
            "located": self.located,
            "open": self.open,
            "temporarily_closed": self.temporarily_closed,
            "permanently_closed": self.permanently_closed,
            "stale": self.stale,
            "stale_pct": self.stale_pct,
            "checked_channels": self.checked_channels,
            "flagged_channels": self.flagged_channels,
            "flagged_pct": self.flagged_pct,
        }
        for s in SCENARIOS:
            data[f"reachable_{s}"] = self.reachable[s]
            data[f"covered_{s}"] = self.covered[s]
            data[f"covered_pct_{s}"] = self.covered_pct(s)
        for s in SCENARIOS:
            data[f"unreached_{s}"] = self.unreached[s]
        for s in SCENARIOS:
            data[f"reachable_prox_{s}"] = self.reachable_prox[s]
            data[f"covered_prox_{s}"] = self.covered_prox[s]
            data[f"covered_prox_pct_{s}"] = self.covered_pct(s, PROXIMITY)
            data[f"unreached_prox_{s}"] = self.unreached_prox[s]
        return data


def _columns():
    cols = [
        ("name", _("Territoire")),
        ("code", _("Code")),
        ("population", _("Population")),
        ("located", _("Lieux situés")),
        ("open", _("Ouverts aujourd'hui")),
        ("temporarily_closed", _("Fermés temporairement")),
        ("permanently_closed", _("Fermés définitivement")),
        ("stale", _("À vérifier")),
        ("stale_pct", _("Part à vérifier (%)")),
        ("checked_channels", _("Canaux vérifiés automatiquement")),
        ("flagged_channels", _("Canaux signalés en panne")),
        ("flagged_pct", _("Part des canaux signalés en panne (%)")),
    ]
    for s in SCENARIOS:
        cols += [
            (f"reachable_{s}", _("Lieux joignables, scénario %(s)s") % {"s": s}),
            (f"covered_{s}", _("Population couverte, scénario %(s)s") % {"s": s}),
            (f"covered_pct_{s}", _("Part couverte, scénario %(s)s (%%)") % {"s": s}),
        ]
    for s in SCENARIOS:
        cols.append((f"unreached_{s}", _("Communes sans lieu joignable, scénario %(s)s") % {"s": s}))
    for s in SCENARIOS:
        cols += [
            (f"reachable_prox_{s}", _("Lieux de proximité joignables, scénario %(s)s") % {"s": s}),
            (f"covered_prox_{s}", _("Population couverte en proximité, scénario %(s)s") % {"s": s}),
            (f"covered_prox_pct_{s}", _("Part couverte en proximité, scénario %(s)s (%%)") % {"s": s}),
            (f"unreached_prox_{s}", _("Communes sans lieu de proximité, scénario %(s)s") % {"s": s}),
        ]
    return cols


def page_columns(view: str, scenario: int):
    """The few columns the page shows (the files keep them all): the shares of the three
    scenarios in ``view``, the communes left without a venue in ``scenario``, then the venues."""
    prox = "prox_" if view == PROXIMITY else ""
    cols = [("name", _("Territoire")), ("population", _("Population"))]
    cols += [(f"covered_{prox}pct_{s}", _("Scénario %(s)s (%%)") % {"s": s}) for s in SCENARIOS]
    cols += [
        (f"unreached_{prox}{scenario}", _("Communes sans lieu, scénario %(s)s") % {"s": scenario}),
        ("located", _("Lieux situés")),
        ("stale_pct", _("À vérifier (%)")),
        ("flagged_channels", _("Canaux en panne")),
    ]
    return cols


def columns(public: bool = False):
    """(key, label) of the table and CSV columns. The public summary keeps its 15 columns: no
    staleness, no closed-for-good count, and the « tout canal » view only (the proximity view
    and the unreached counts are for staff, who act on them)."""
    cols = _columns()
    if public:
        cols = [
            (k, label)
            for k, label in cols
            if not k.startswith(("stale", "unreached", "checked", "flagged"))
            and "prox" not in k
            and k != "permanently_closed"
        ]
    return cols


SORT_KEYS = {k for k, _label in _columns()}


@dataclass
class Coverage:
    level: str
    code: str
    name: str
    child_level: str
    on: datetime.date
    rows: list
    totals: Row
    # {scenario: [commune dicts without any reachable venue, most populated first]}
    unreached: dict
    unreached_count: dict
    # The same in the « proximité » view.
    unreached_prox: dict = field(default_factory=dict)
    unreached_count_prox: dict = field(default_factory=dict)
    # With ``compute(by_departement=True)``: département code → Row (population, covered,
    # covered_prox, unreached counts only), for the France map.
    by_departement: dict = field(default_factory=dict)

    def unreached_in(self, view: str) -> dict:
        return self.unreached_prox if view == PROXIMITY else self.unreached

    def unreached_count_in(self, view: str) -> dict:
        return self.unreached_count_prox if view == PROXIMITY else self.unreached_count

    def sorted_rows(self, key: str | None):
        """Rows sorted by a column key, ``-key`` for descending; unknown keys keep name order."""
        if not key:
            return self.rows
        descending = key.startswith("-")
        key = key.lstrip("-")
        if key not in SORT_KEYS:
            return self.rows
        if key in ("name", "code"):
            return sorted(self.rows, key=lambda r: r.values()[key].casefold(), reverse=descending)
        return sorted(self.rows, key=lambda r: (r.values()[key], r.name), reverse=descending)


# --- SQL ----------------------------------------------------------------------------------------
# Table names come from the models; every value is a query parameter. Rows stay narrow (codes and
# integers) until the last step, where names are joined to the few aggregated lines: sorting or
# hashing 35,000 wide rows is what made the first version slow.

_CHILD_KEY = {
    REGION: "d.region_id",
    DEPARTEMENT: "c.departement_id",
    # Communes outside any EPCI (islands, a few exceptions) are their own row.
    EPCI: "COALESCE(c.epci_id, c.code)",
    COMMUNE: "c.code",
}
_SCOPE_WHERE = {
    FRANCE: "TRUE",
    REGION: "d.region_id = %(code)s",
    DEPARTEMENT: "c.departement_id = %(code)s",
    EPCI: "c.epci_id = %(code)s",
    COMMUNE: "c.code = %(code)s",
}


def _tables():
    return {
        "commune": Commune._meta.db_table,
        "departement": Departement._meta.db_table,
        "region": Region._meta.db_table,
        "epci": Epci._meta.db_table,
        "venue": Venue._meta.db_table,
        "channel": Channel._meta.db_table,
        "closure": ClosurePeriod._meta.db_table,
        "area_m2m": Venue.service_area_communes.through._meta.db_table,
        "open_channels": ClosurePeriod.open_channels.through._meta.db_table,
        "channel_check": ChannelCheck._meta.db_table,
    }


def _name_sql(child_level: str, t: dict):
    """(joins, name expression, level expression) naming an aggregated line's key."""
    if child_level == REGION:
        return f"LEFT JOIN {t['region']} nr ON nr.code = agg.child_key", "nr.name", f"'{REGION}'"
    if child_level == DEPARTEMENT:
        return f"LEFT JOIN {t['departement']} nd ON nd.code = agg.child_key", "nd.name", f"'{DEPARTEMENT}'"
    if child_level == EPCI:
        return (
            f"LEFT JOIN {t['epci']} ne ON ne.code = agg.child_key "
            f"LEFT JOIN {t['commune']} nc ON nc.code = agg.child_key",
            "COALESCE(ne.name, nc.name)",
            f"CASE WHEN ne.code IS NULL THEN '{COMMUNE}' ELSE '{EPCI}' END",
        )
    return f"LEFT JOIN {t['commune']} nc ON nc.code = agg.child_key", "nc.name", f"'{COMMUNE}'"


def _coverage_sql(level: str, child_level: str, restricted: bool, by_departement: bool = False) -> str:
    """One statement, two kinds of result lines (first column):

    - ``row``: one per child territory, and the totals on the line with a NULL key: population,
      communes, venues located (all, open, temporarily closed, closed for good, stale),
      population covered in scenarios 1-3 in both views (any channel; « proximité », without
      the services covering the whole département), distinct venues reachable in scenarios 1-3
      in both views (a venue serving three communes of an EPCI counts once for that EPCI, and
      once in the totals), and on the totals line only, the number of communes without a
      reachable venue per scenario and view;
    - ``u1``..``u3`` (any channel) and ``w1``..``w3`` (proximité): communes without any
      reachable venue in that scenario, most populated first (at most %(limit)s), with their
      EPCI;
    - with ``by_departement``, ``dep``: per département of the scope, its population, covered
      population and communes without a reachable venue (the France map), from one more
      grouping set of the same aggregate (no reachable-venue counts: they are not additive).

    « Reachable » is ``directory.reachability``'s definition; the ``closed``/``tw``/``ch``/
    ``vr`` steps are its SQL twin.
    """
    t = _tables()
    everything = level == FRANCE and not restricted
    if everything:
        # Every venue reaches some French commune: no filter, and no semi-joins below.
        relevant = "TRUE"
        # Every channel counts: one hash aggregate over the table.
        channel_select = "ch.venue_id,"
        channel_from = f"{t['channel']} ch GROUP BY ch.venue_id"
        # The venue's commune is a non-null foreign key: no join needed to keep every venue.
        commune_join = ""
        closed_venues = "closed"
        in_scope_code = "TRUE"
    else:
        # A few relevant venues, but the planner cannot tell (the filter below is an OR over
        # sub-selects) and hashed every channel of the country: ask the index per venue instead.
        channel_select = "v.id AS venue_id,"
        # (OFFSET 0 keeps the sub-select from being flattened back into a join.)
        channel_from = (
            f"v CROSS JOIN LATERAL (SELECT c.kind, c.scenario FROM {t['channel']} c "  # noqa: S608  # nosec B608
            "WHERE c.venue_id = v.id OFFSET 0) ch GROUP BY v.id"
        )
        commune_join = ""
        closed_venues = "(SELECT id AS venue_id FROM v WHERE temp)"
        in_scope_code = "code IN (SELECT code FROM scope)"
        # The venues located in the scope, and those whose service area (EPCI, département,
        # list of communes) reaches into it: one index-driven branch each, as
        # ``VenueQuerySet.serving`` does. An OR of these conditions read every venue of France
        # (an index-only scan of 130,000 at 200,000 venues for a département's page), and its
        # row estimate (25 times too many) made the steps below scan every channel.
        relevant = f"""v.id IN (
            SELECT v.id FROM {t["venue"]} v WHERE v.commune_id = ANY(ARRAY(SELECT code FROM scope))
            UNION SELECT v.id FROM {t["venue"]} v WHERE v.service_area = 'epci' AND v.commune_id = ANY(ARRAY(
                SELECT c.code FROM {t["commune"]} c
                WHERE c.epci_id = ANY(ARRAY(SELECT DISTINCT epci_id FROM scope WHERE epci_id IS NOT NULL))))
            UNION SELECT v.id FROM {t["venue"]} v WHERE v.service_area = 'departement' AND v.commune_id = ANY(ARRAY(
                SELECT c.code FROM {t["commune"]} c
                WHERE c.departement_id = ANY(ARRAY(SELECT DISTINCT departement_id FROM scope))))
            UNION SELECT m.venue_id FROM {t["area_m2m"]} m JOIN {t["venue"]} v ON v.id = m.venue_id
            WHERE v.service_area = 'communes' AND m.commune_id = ANY(ARRAY(SELECT code FROM scope)))"""  # noqa: S608  # nosec B608
    joins, name_expr, level_expr = _name_sql(child_level, t)
    # Literal lists of channel kinds (enum constants, never user input): cheaper than arrays.
    s1_kinds = ", ".join(f"'{k}'" for k in SCENARIO_1_KINDS)
    on_site_kinds = ", ".join(f"'{k}'" for k in enums.ON_SITE_KINDS)
    nulls = ", ".join(["NULL"] * (len(NUMBER_COLUMNS) - 1))
    dep_key, dep_set, dep_lines = "NULL::varchar AS dep_key", "", ""
    if by_departement:
        dep_key, dep_set = "dep_key", "(dep_key), "
        dep_lines = f"""    SELECT 'dep', agg.dep_key, gd.name, NULL,
           agg.pop::bigint, agg.communes::bigint, NULL, NULL, NULL, NULL, NULL,
           agg.c1::bigint, agg.c2::bigint, agg.c3::bigint, agg.ck1::bigint, agg.ck2::bigint, agg.ck3::bigint,
           NULL, NULL, NULL, NULL, NULL, NULL,
           agg.u1::bigint, agg.u2::bigint, agg.u3::bigint, agg.w1::bigint, agg.w2::bigint, agg.w3::bigint,
           NULL, NULL,
           NULL::text, NULL::text
    FROM agg JOIN {t["departement"]} gd ON gd.code = agg.dep_key
    UNION ALL
"""  # noqa: S608  # nosec B608
    unreached = "\n    UNION ALL\n".join(
        f"""    (SELECT '{prefix}{s}', u.code, uc.name, NULL, u.population::bigint, {nulls},
            uc.epci_id::text, ue.name::text
     FROM (SELECT code, population FROM per_c WHERE {col}{s} = 0
           ORDER BY population DESC, code LIMIT %(limit)s) u
     JOIN {t["commune"]} uc ON uc.code = u.code LEFT JOIN {t["epci"]} ue ON ue.code = uc.epci_id)"""  # noqa: S608  # nosec B608
        for prefix, col in (("u", "r"), ("w", "k"))
        for s in SCENARIOS
    )
    return f"""
    WITH scope AS (
        SELECT c.code, c.population, c.departement_id, c.epci_id, {_CHILD_KEY[child_level]} AS child_key
        FROM {t["commune"]} c JOIN {t["departement"]} d ON d.code = c.departement_id
        WHERE {_SCOPE_WHERE[level]} AND (%(all_departements)s OR c.departement_id = ANY(%(departements)s))
    ),
    closed AS (
        SELECT DISTINCT venue_id FROM {t["closure"]}
        WHERE starts_on <= %(on)s AND (ends_on IS NULL OR ends_on >= %(on)s)
    ),
    -- Channels checked automatically per venue, and those flagged (the one definition:
    -- ChannelCheck.objects.flagged(), twin flagged_sql). Counted for staff only: flags never
    -- change reachability (nothing is hidden from the public automatically).
    fl AS (
        SELECT c.venue_id, COUNT(*) AS checked, COUNT(*) FILTER (WHERE {flagged_sql("k")}) AS flagged
        FROM {t["channel_check"]} k JOIN {t["channel"]} c ON c.id = k.channel_id
        GROUP BY c.venue_id
    ),
    -- Venues located in the scope or whose service area reaches into it.
    v AS (
        SELECT v.id, v.commune_id, v.service_area,
               (v.closed_permanently_on IS NOT NULL AND v.closed_permanently_on <= %(on)s) AS perm,
               (cl.venue_id IS NOT NULL) AS temp,
               (v.verified_at IS NULL OR v.verified_at < %(cutoff)s) AS stale,
               COALESCE(fl.checked, 0) AS n_checked, COALESCE(fl.flagged, 0) AS n_flagged
        FROM {t["venue"]} v
        {commune_join}
        LEFT JOIN closed cl ON cl.venue_id = v.id
        LEFT JOIN fl ON fl.venue_id = v.id
        WHERE {relevant}
    ),
    -- What still works at the venues closed that day: the closure rule of
    -- ClosurePeriod.keeps_working / Channel.objects.working_on. A channel works when no covering
    -- closure stops it: a closure naming channels stops the others, a closure naming none
    -- stops the drop-in only. Below France, only the venues of the scope (``v``): a
    -- département's page read the channels of every closed venue of France.
    tw AS (
        SELECT c.venue_id,
               BOOL_OR(c.scenario <= 1 AND c.kind IN ({s1_kinds})) AS n1,
               MIN(c.scenario) AS nmin
        FROM {closed_venues} cl
        JOIN {t["channel"]} c ON c.venue_id = cl.venue_id
        WHERE NOT EXISTS (
            SELECT 1 FROM {t["closure"]} cp
            WHERE cp.venue_id = c.venue_id
              AND cp.starts_on <= %(on)s AND (cp.ends_on IS NULL OR cp.ends_on >= %(on)s)
              AND CASE WHEN EXISTS (SELECT 1 FROM {t["open_channels"]} oc WHERE oc.closureperiod_id = cp.id)
                       THEN NOT EXISTS (SELECT 1 FROM {t["open_channels"]} oc
                                        WHERE oc.closureperiod_id = cp.id AND oc.channel_id = c.id)
                       ELSE c.kind IN ({on_site_kinds}) END
        )
        GROUP BY c.venue_id
    ),
    -- What each venue's channels offer when it is open.
    ch AS (
        SELECT {channel_select}
               MIN(ch.scenario) AS min_all,
               BOOL_OR(ch.scenario <= 1 AND ch.kind IN ({s1_kinds})) AS s1
        FROM {channel_from}
    ),
    vr AS (
        SELECT v.id, v.commune_id, v.perm, v.temp, v.stale, v.n_checked, v.n_flagged,
               -- Compared many times below: a small integer is cheaper than the text.
               CASE v.service_area WHEN 'epci' THEN 1 WHEN 'departement' THEN 2 WHEN 'communes' THEN 3 ELSE 0 END
                   AS area,
               -- Closed today: only the channels that still work (tw, the closure rule).
               (NOT v.perm AND CASE WHEN NOT v.temp THEN ch.s1 ELSE nm.n1 END) IS TRUE AS r1,
               (NOT v.perm AND CASE WHEN NOT v.temp THEN ch.min_all ELSE nm.nmin END <= 2) IS TRUE AS r2,
               (NOT v.perm AND CASE WHEN NOT v.temp THEN ch.min_all ELSE nm.nmin END <= 3) IS TRUE AS r3
        FROM v LEFT JOIN ch ON ch.venue_id = v.id LEFT JOIN tw nm ON nm.venue_id = v.id
    ),
    -- Every venue has exactly one kind of service area, so reachable venues split into disjoint
    -- parts that need no (venue, commune) expansion: single-commune venues (counted where they
    -- are located), EPCI-wide venues (counted per EPCI), département-wide venues (counted per
    -- département) and list venues (a mobile venue's stops), the only ones expanded (own
    -- commune + listed communes). Only venues reachable in scenario 3 matter there (reachable
    -- in 1 or 2 implies in 3). The « proximité » view is the same sums without the
    -- département-wide part.
    list_point AS (
        SELECT id, commune_id AS code, r1, r2 FROM vr WHERE r3 AND area = 3
        UNION
        SELECT vr.id, m.commune_id, vr.r1, vr.r2 FROM vr JOIN {t["area_m2m"]} m ON m.venue_id = vr.id
        WHERE vr.r3 AND vr.area = 3
    ),
    -- Per commune where venues are located: the located counts, and the reachable venues split
    -- by service area kind (single commune, EPCI, département). Grouping the venues by commune
    -- first keeps the join to the communes' EPCI and département small.
    vc AS (
        SELECT commune_id AS code,
               COUNT(*) AS n,
               COUNT(*) FILTER (WHERE NOT perm AND NOT temp) AS n_open,
               COUNT(*) FILTER (WHERE NOT perm AND temp) AS n_temp,
               COUNT(*) FILTER (WHERE perm) AS n_perm,
               COUNT(*) FILTER (WHERE NOT perm AND stale) AS n_stale,
               SUM(n_checked) FILTER (WHERE NOT perm) AS n_checked,
               SUM(n_flagged) FILTER (WHERE NOT perm) AS n_flagged,
               COUNT(*) FILTER (WHERE r1 AND area = 0) AS p1,
               COUNT(*) FILTER (WHERE r2 AND area = 0) AS p2,
               COUNT(*) FILTER (WHERE r3 AND area = 0) AS p3,
               COUNT(*) FILTER (WHERE r1 AND area = 1) AS e1,
               COUNT(*) FILTER (WHERE r2 AND area = 1) AS e2,
               COUNT(*) FILTER (WHERE r3 AND area = 1) AS e3,
               COUNT(*) FILTER (WHERE r1 AND area = 2) AS d1,
               COUNT(*) FILTER (WHERE r2 AND area = 2) AS d2,
               COUNT(*) FILTER (WHERE r3 AND area = 2) AS d3
        FROM vr GROUP BY commune_id
    ),
    -- An EPCI-wide venue whose commune has no EPCI serves its own commune only: it joins the
    -- single-commune count (p1..p3) of that commune.
    vcc AS (
        SELECT vc.*, c.epci_id, c.departement_id FROM vc JOIN {t["commune"]} c ON c.code = vc.code
    ),
    by_list AS (
        SELECT code, COUNT(*) FILTER (WHERE r1) AS r1, COUNT(*) FILTER (WHERE r2) AS r2, COUNT(*) AS r3
        FROM list_point GROUP BY code
    ),
    by_epci AS (
        SELECT epci_id, SUM(e1) AS r1, SUM(e2) AS r2, SUM(e3) AS r3
        FROM vcc WHERE epci_id IS NOT NULL AND e3 > 0 GROUP BY epci_id
    ),
    by_dep AS (
        SELECT departement_id, SUM(d1) AS r1, SUM(d2) AS r2, SUM(d3) AS r3 FROM vcc WHERE d3 > 0 GROUP BY departement_id
    ),
    located AS (
        SELECT code, n, n_open, n_temp, n_perm, n_stale, n_checked, n_flagged,
               p1 + CASE WHEN epci_id IS NULL THEN e1 ELSE 0 END AS p1,
               p2 + CASE WHEN epci_id IS NULL THEN e2 ELSE 0 END AS p2,
               p3 + CASE WHEN epci_id IS NULL THEN e3 ELSE 0 END AS p3
        FROM vcc WHERE {in_scope_code}
    ),
    per_k AS (
        SELECT s.code, s.population, s.child_key, s.departement_id AS dep_key,
               COALESCE(l.n, 0) AS n, COALESCE(l.n_open, 0) AS n_open, COALESCE(l.n_temp, 0) AS n_temp,
               COALESCE(l.n_perm, 0) AS n_perm, COALESCE(l.n_stale, 0) AS n_stale,
               COALESCE(l.n_checked, 0) AS n_checked, COALESCE(l.n_flagged, 0) AS n_flagged,
               COALESCE(l.p1, 0) AS p1, COALESCE(l.p2, 0) AS p2, COALESCE(l.p3, 0) AS p3,
               COALESCE(l.p1, 0) + COALESCE(li.r1, 0) + COALESCE(e.r1, 0) AS k1,
               COALESCE(l.p2, 0) + COALESCE(li.r2, 0) + COALESCE(e.r2, 0) AS k2,
               COALESCE(l.p3, 0) + COALESCE(li.r3, 0) + COALESCE(e.r3, 0) AS k3,
               COALESCE(d.r1, 0) AS d1, COALESCE(d.r2, 0) AS d2, COALESCE(d.r3, 0) AS d3
        FROM scope s
        LEFT JOIN located l ON l.code = s.code
        LEFT JOIN by_list li ON li.code = s.code
        LEFT JOIN by_epci e ON e.epci_id = s.epci_id
        LEFT JOIN by_dep d ON d.departement_id = s.departement_id
    ),
    per_c AS (
        SELECT *, k1 + d1 AS r1, k2 + d2 AS r2, k3 + d3 AS r3 FROM per_k
    ),
    -- Which rows each EPCI and département reaches into: a few thousand lines at most.
    child_of AS (SELECT DISTINCT departement_id, epci_id, child_key FROM scope),
    -- Distinct venues per row: an EPCI-wide venue reaches the rows its EPCI's communes fall in,
    -- once per row; same for a département; list venues need an explicit DISTINCT.
    reach_epci AS (
        SELECT ce.child_key, SUM(e.r1) AS r1, SUM(e.r2) AS r2, SUM(e.r3) AS r3
        FROM (SELECT DISTINCT epci_id, child_key FROM child_of WHERE epci_id IS NOT NULL) ce
        JOIN by_epci e ON e.epci_id = ce.epci_id GROUP BY ce.child_key
    ),
    reach_dep AS (
        SELECT cd.child_key, SUM(d.r1) AS r1, SUM(d.r2) AS r2, SUM(d.r3) AS r3
        FROM (SELECT DISTINCT departement_id, child_key FROM child_of) cd
        JOIN by_dep d ON d.departement_id = cd.departement_id GROUP BY cd.child_key
    ),
    reach_list AS (
        SELECT child_key, COUNT(*) FILTER (WHERE r1) AS r1, COUNT(*) FILTER (WHERE r2) AS r2, COUNT(*) AS r3
        FROM (SELECT DISTINCT lp.id, s.child_key, lp.r1, lp.r2 FROM list_point lp JOIN scope s ON s.code = lp.code) x
        GROUP BY child_key
    ),
    -- The venues kept in vr are exactly those serving at least one commune of the scope.
    reach_total AS (
        SELECT COUNT(*) FILTER (WHERE r1) AS r1, COUNT(*) FILTER (WHERE r2) AS r2, COUNT(*) FILTER (WHERE r3) AS r3,
               COUNT(*) FILTER (WHERE r1 AND area <> 2) AS q1, COUNT(*) FILTER (WHERE r2 AND area <> 2) AS q2,
               COUNT(*) FILTER (WHERE r3 AND area <> 2) AS q3
        FROM vr
    ),
    agg AS (
        SELECT child_key, {dep_key}, SUM(population) AS pop, COUNT(*) AS communes, SUM(n) AS n, SUM(n_open) AS n_open,
               SUM(n_temp) AS n_temp, SUM(n_perm) AS n_perm, SUM(n_stale) AS n_stale,
               SUM(n_checked) AS n_checked, SUM(n_flagged) AS n_flagged,
               SUM(population) FILTER (WHERE r1 > 0) AS c1,
               SUM(population) FILTER (WHERE r2 > 0) AS c2,
               SUM(population) FILTER (WHERE r3 > 0) AS c3,
               SUM(population) FILTER (WHERE k1 > 0) AS ck1,
               SUM(population) FILTER (WHERE k2 > 0) AS ck2,
               SUM(population) FILTER (WHERE k3 > 0) AS ck3,
               SUM(p1) AS p1, SUM(p2) AS p2, SUM(p3) AS p3,
               -- How many communes have no reachable venue (the lists below are cut at the limit).
               COUNT(*) FILTER (WHERE r1 = 0) AS u1, COUNT(*) FILTER (WHERE r2 = 0) AS u2,
               COUNT(*) FILTER (WHERE r3 = 0) AS u3,
               COUNT(*) FILTER (WHERE k1 = 0) AS w1, COUNT(*) FILTER (WHERE k2 = 0) AS w2,
               COUNT(*) FILTER (WHERE k3 = 0) AS w3
        FROM per_c GROUP BY GROUPING SETS ((child_key), {dep_set}())
    )
    SELECT 'row', agg.child_key, {name_expr}, {level_expr},
           agg.pop::bigint, agg.communes::bigint, agg.n::bigint, agg.n_open::bigint, agg.n_temp::bigint,
           agg.n_perm::bigint, agg.n_stale::bigint, agg.c1::bigint, agg.c2::bigint, agg.c3::bigint,
           agg.ck1::bigint, agg.ck2::bigint, agg.ck3::bigint,
           {_reach_columns()},
           agg.u1::bigint, agg.u2::bigint, agg.u3::bigint, agg.w1::bigint, agg.w2::bigint, agg.w3::bigint,
           agg.n_checked::bigint, agg.n_flagged::bigint,
           NULL::text, NULL::text
    FROM agg CROSS JOIN reach_total rt
    LEFT JOIN reach_epci re ON re.child_key = agg.child_key
    LEFT JOIN reach_dep rd ON rd.child_key = agg.child_key
    LEFT JOIN reach_list rl ON rl.child_key = agg.child_key
    {joins}
    WHERE agg.dep_key IS NULL
    UNION ALL
{dep_lines}{unreached}
    """  # noqa: S608  # nosec B608 (model table names and fixed fragments only; values are parameters)


def _reach_columns() -> str:
    """Distinct reachable venues per row, any channel (r) then proximité (q)."""
    cols = []
    for view, total in (("any", "r"), ("prox", "q")):
        for s in SCENARIOS:
            dep = f" + COALESCE(rd.r{s}, 0)" if view == "any" else ""
            cols.append(
                f"CASE WHEN agg.child_key IS NULL THEN rt.{total}{s} "
                f"ELSE agg.p{s} + COALESCE(re.r{s}, 0) + COALESCE(rl.r{s}, 0){dep} END::bigint"
            )
    return ",\n           ".join(cols)


# The numbers of a ``row`` line after (kind, key, name, level), in order.
NUMBER_COLUMNS = (
    "pop", "communes", "n", "n_open", "n_temp", "n_perm", "n_stale",
    "c1", "c2", "c3", "ck1", "ck2", "ck3",
    "r1", "r2", "r3", "q1", "q2", "q3",
    "u1", "u2", "u3", "w1", "w2", "w3",
    "n_checked", "n_flagged",
)  # fmt: skip


def _params(on, now, departements):
    return {
        "on": on,
        "cutoff": Venue.freshness_cutoff(now),
        "all_departements": departements is None,
        "departements": list(departements or []),
    }


# --- entry point ------------------------------------------------------------------------------


def territory_name(level: str, code: str) -> str | None:
    """The territory's display name, or None if it does not exist."""
    if level == FRANCE:
        return str(_("France"))
    model = {REGION: Region, DEPARTEMENT: Departement, EPCI: Epci, COMMUNE: Commune}.get(level)
    if model is None:
        return None
    obj = model.objects.filter(pk=code).first()
    return str(obj) if obj else None


def compute(
    level: str,
    code: str = "",
    on: datetime.date | None = None,
    *,
    departements=None,
    child_level: str | None = None,
    name: str = "",
    unreached_limit: int | None = 20,
    now: datetime.datetime | None = None,
    by_departement: bool = False,
) -> Coverage:
    """Coverage of a territory, one row per child territory, in one SQL statement.

    ``departements``: restrict every number to communes (and venues located) in these
    département codes (None: no restriction). ``child_level`` overrides the default row level
    (the public summary shows départements at the France level). ``unreached_limit``: how many
    communes without a reachable venue to keep per scenario (None: all).
    """
    if level not in LEVELS:
        raise ValueError(level)
    on = on or timezone.localdate()
    child_level = child_level or CHILD_LEVEL[level]
    params = _params(on, now, departements)
    params["code"] = code
    params["limit"] = unreached_limit

    rows: dict[str, Row] = {}
    totals = Row(key="", name=str(_("Total")), level=level)
    unreached = {view: {s: [] for s in SCENARIOS} for view in VIEWS}
    counts = {view: dict.fromkeys(SCENARIOS, 0) for view in VIEWS}
    with connection.cursor() as cursor:
        cursor.execute(_coverage_sql(level, child_level, departements is not None, by_departement), params)
        lines = cursor.fetchall()

    by_dep = {}
    for kind, key, row_name, row_level, *numbers in lines:
        *numbers, epci_code, epci_name = numbers
        if kind == "dep":
            v = dict(zip(NUMBER_COLUMNS, (x or 0 for x in numbers), strict=True))
            row = by_dep[key] = Row(key=key, name=row_name, level=DEPARTEMENT)
            row.population, row.communes = v["pop"], v["communes"]
            row.covered = {s: v[f"c{s}"] for s in SCENARIOS}
            row.covered_prox = {s: v[f"ck{s}"] for s in SCENARIOS}
            row.unreached = {s: v[f"u{s}"] for s in SCENARIOS}
            row.unreached_prox = {s: v[f"w{s}"] for s in SCENARIOS}
        elif kind == "row":
            # An empty scope still yields the totals line, with NULL sums.
            v = dict(zip(NUMBER_COLUMNS, (x or 0 for x in numbers), strict=True))
            if key is None:
                row = totals
                counts = {
                    ANY: {s: v[f"u{s}"] for s in SCENARIOS},
                    PROXIMITY: {s: v[f"w{s}"] for s in SCENARIOS},
                }
            else:
                row = rows[key] = Row(key=key, name=row_name, level=row_level)
            row.population, row.communes, row.located = v["pop"], v["communes"], v["n"]
            row.open, row.temporarily_closed = v["n_open"], v["n_temp"]
            row.permanently_closed, row.stale = v["n_perm"], v["n_stale"]
            row.checked_channels, row.flagged_channels = v["n_checked"], v["n_flagged"]
            row.covered = {s: v[f"c{s}"] for s in SCENARIOS}
            row.covered_prox = {s: v[f"ck{s}"] for s in SCENARIOS}
            row.reachable = {s: v[f"r{s}"] for s in SCENARIOS}
            row.reachable_prox = {s: v[f"q{s}"] for s in SCENARIOS}
            row.unreached = {s: v[f"u{s}"] for s in SCENARIOS}
            row.unreached_prox = {s: v[f"w{s}"] for s in SCENARIOS}
        else:
            view = ANY if kind[0] == "u" else PROXIMITY
            unreached[view][int(kind[1])].append(
                {
                    "code": key,
                    "name": row_name,
                    "population": numbers[0],
                    "epci_code": epci_code or "",
                    "epci_name": epci_name or "",
                }
            )

    for by_scenario in unreached.values():
        for items in by_scenario.values():
            items.sort(key=lambda c: (-c["population"], c["name"], c["code"]))

    ordered = sorted(rows.values(), key=lambda r: (r.name.casefold(), r.key))
    return Coverage(
        level=level,
        code=code,
        name=name or territory_name(level, code) or "",
        child_level=child_level,
        on=on,
        rows=ordered,
        totals=totals,
        unreached=unreached[ANY],
        unreached_count=counts[ANY],
        unreached_prox=unreached[PROXIMITY],
        unreached_count_prox=counts[PROXIMITY],
        by_departement=by_dep,
    )


# --- venue lists (ORM, one query each) --------------------------------------------------------


def scope_filter(level: str, code: str, departements=None, prefix: str = "commune__") -> Q:
    """Q selecting venues located in the territory (and in ``departements`` if given)."""
    q = {
        FRANCE: Q(),
        REGION: Q(**{f"{prefix}departement__region_id": code}),
        DEPARTEMENT: Q(**{f"{prefix}departement_id": code}),
        EPCI: Q(**{f"{prefix}epci_id": code}),
        COMMUNE: Q(**{f"{prefix}code": code}),
    }[level]
    if departements is not None:
        q &= Q(**{f"{prefix}departement_id__in": list(departements)})
    return q


def stale_venues(level, code, departements=None, on=None, now=None, limit=100):
    """Venues to check: located in the territory, not closed for good, past the freshness
    threshold; never verified first, then the oldest verification."""
    on = on or timezone.localdate()
    order = (F("verified_at").asc(nulls_first=True), "sort_name", "pk")
    # Pick the few ids first, then fetch the full rows with their commune: joining every stale
    # venue of France (tens of thousands of wide rows) before the sort cost more than the rest.
    # Still one query (the ids are a sub-select).
    ids = (
        Venue.objects.filter(scope_filter(level, code, departements))
        .not_permanently_closed(on)
        .stale(now)
        .order_by(*order)
        .values("pk")[:limit]
    )
    return Venue.objects.filter(pk__in=ids).select_related("commune").order_by(*order)


# --- territory look-up by name ------------------------------------------------------------------


def find_territories(text: str, departements=None, limit: int = 10) -> list[dict]:
    """Territories whose name starts with (or, for EPCIs, contains) ``text``, accents and case
    forgiven: régions and départements first, then EPCIs and communes, most populated first.
    A département code (« 59 ») or a postal code finds theirs too. At most three queries."""
    folded = fold(text or "").strip()
    if not folded:
        return []
    found = []
    regions = Region.objects.order_by("name")
    deps = Departement.objects.select_related("region").order_by("code")
    if departements is not None:
        regions = regions.filter(departements__code__in=departements).distinct()
        deps = deps.filter(code__in=departements)
    for region in regions:
        if fold(region.name).startswith(folded):
            found.append((REGION, region.code, region.name, str(LEVEL_LABELS[REGION])))
    for dep in deps:
        if fold(dep.name).startswith(folded) or dep.code.lower() == folded:
            found.append((DEPARTEMENT, dep.code, str(dep), str(LEVEL_LABELS[DEPARTEMENT])))
    epcis = Epci.objects.filter(search_name__contains=folded).order_by("-population", "name")
    communes = Commune.objects.select_related("departement").order_by("-population", "name")
    if folded.isdigit() and len(folded) == 5:
        communes = communes.filter(postal_codes__contains=[folded])
    else:
        communes = communes.filter(search_name__startswith=folded)
    if departements is not None:
        epcis = epcis.filter(communes__departement_id__in=departements).distinct()
        communes = communes.filter(departement_id__in=departements)
    for epci in epcis[:limit]:
        found.append((EPCI, epci.code, epci.name, str(LEVEL_LABELS[EPCI])))
    for commune in communes[:limit]:
        label = f"{LEVEL_LABELS[COMMUNE]} · {commune.departement.name} ({commune.departement_id})"
        found.append((COMMUNE, commune.code, commune.name, label))
    return [{"level": lv, "code": code, "name": name, "kind": kind} for lv, code, name, kind in found[:limit]]


# --- venues incomplete for a scenario ----------------------------------------------------------


def incomplete_venues(
    scenario: int,
    level: str,
    code: str = "",
    departements=None,
    on: datetime.date | None = None,
    *,
    order: str = "-population",
    limit: int = 200,
):
    """(count, [(venue id, population served)]) of the venues located in the territory, not
    closed for good, that lack what ``scenario`` needs (``directory.completeness``), ordered by
    the population of the communes they serve (``order``: ``-population``, ``population`` or
    ``name``). One statement."""
    from directory.completeness import complete_sql

    on = on or timezone.localdate()
    t = _tables()
    direction = {"-population": "served DESC", "population": "served ASC", "name": "name"}.get(order, "served DESC")
    sql = f"""
    WITH cand AS (
        SELECT v.id, v.name, v.service_area, v.commune_id, c.epci_id, c.departement_id, c.population
        FROM {t["venue"]} v JOIN {t["commune"]} c ON c.code = v.commune_id
        JOIN {t["departement"]} d ON d.code = c.departement_id
        WHERE {_SCOPE_WHERE[level]} AND (%(all_departements)s OR c.departement_id = ANY(%(departements)s))
          AND (v.closed_permanently_on IS NULL OR v.closed_permanently_on > %(on)s)
          AND NOT {complete_sql(scenario, "v", t["channel"])}
    ),
    epci_pop AS (
        SELECT epci_id, SUM(population) AS pop FROM {t["commune"]}
        WHERE epci_id IN (SELECT epci_id FROM cand WHERE service_area = 'epci') GROUP BY epci_id
    ),
    dep_pop AS (
        SELECT departement_id, SUM(population) AS pop FROM {t["commune"]}
        WHERE departement_id IN (SELECT departement_id FROM cand WHERE service_area = 'departement')
        GROUP BY departement_id
    ),
    list_pop AS (
        SELECT cand.id, SUM(lc.population) AS pop
        FROM cand JOIN {t["area_m2m"]} m ON m.venue_id = cand.id
        JOIN {t["commune"]} lc ON lc.code = m.commune_id AND lc.code <> cand.commune_id
        WHERE cand.service_area = 'communes' GROUP BY cand.id
    ),
    served AS (
        SELECT cand.id, cand.name,
               CASE cand.service_area
                   WHEN 'epci' THEN COALESCE(e.pop, cand.population)
                   WHEN 'departement' THEN dp.pop
                   WHEN 'communes' THEN cand.population + COALESCE(lp.pop, 0)
                   ELSE cand.population END::bigint AS served
        FROM cand
        LEFT JOIN epci_pop e ON e.epci_id = cand.epci_id AND cand.service_area = 'epci'
        LEFT JOIN dep_pop dp ON dp.departement_id = cand.departement_id
        LEFT JOIN list_pop lp ON lp.id = cand.id
    )
    SELECT id, served, COUNT(*) OVER () FROM served ORDER BY {direction}, id LIMIT %(limit)s
    """  # noqa: S608  # nosec B608 (model table names and fixed fragments only; values are parameters)
    params = _params(on, None, departements)
    params.update(code=code, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    count = rows[0][2] if rows else 0
    return count, [(venue_id, served) for venue_id, served, _n in rows]
