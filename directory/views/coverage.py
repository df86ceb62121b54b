"""Coverage pages for département staff (``/couverture/``) and the public summary
(``/couverture/public/``). Numbers come from ``directory.coverage``; see docs/coverage.md."""

from __future__ import annotations

import csv
import functools
import io
import re
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from directory import coverage, coverage_distance, coverage_maps
from directory.cache import data_version
from directory.models import Channel, Commune, Departement, DepartementStaff, Epci, Region, Venue
from directory.models.channels import flag_after_days
from directory.opendata import csvsafe
from directory.templatetags.coverage_tags import spreadsheet_number

CODE_RE = re.compile(r"^[0-9A-Za-z]{1,9}$")
UNREACHED_SHOWN = 20
STALE_SHOWN = 100
PUBLIC_CACHE_SECONDS = 3600
# Staff numbers are cached briefly too: the key carries the data version (bumped by every write),
# so an edit shows at once; only the moving freshness cut-off can lag by this much.
COVERAGE_CACHE_SECONDS = 300


class CoverageError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def coverage_departements(user):
    """None: every département (superuser); otherwise the codes the user is staff of (maybe
    empty: no access)."""
    departements = DepartementStaff.departements_of(user)
    return None if departements is None else sorted(departements)


def _error(request, status, message):
    return render(request, "directory/coverage/error.html", {"message": message}, status=status)


def _resolve(level: str, code: str, departements):
    """Check the territory exists and the user may see it; return (name, breadcrumbs) where
    breadcrumbs are (level, code, name) from France down to the territory."""
    crumbs = [(coverage.FRANCE, "", _("France"))] if departements is None else []
    if level == coverage.FRANCE:
        return _("France") if departements is None else _("Mes départements"), crumbs
    if not CODE_RE.match(code):
        raise CoverageError(404, _("Ce code de territoire n'est pas valide."))
    forbidden = CoverageError(403, _("Ce territoire est en dehors de vos départements."))
    if level == coverage.REGION:
        region = Region.objects.filter(pk=code).first()
        if region is None:
            raise CoverageError(404, _("Aucune région ne porte ce code."))
        if departements is not None and not region.departements.filter(code__in=departements).exists():
            raise forbidden
        return region.name, [*crumbs, (level, region.code, region.name)]
    if level == coverage.DEPARTEMENT:
        dep = Departement.objects.select_related("region").filter(pk=code.upper()).first()
        if dep is None:
            raise CoverageError(404, _("Aucun département ne porte ce code."))
        if departements is not None and dep.code not in departements:
            raise forbidden
        region = dep.region
        return str(dep), [*crumbs, (coverage.REGION, region.code, region.name), (level, dep.code, str(dep))]
    if level == coverage.EPCI:
        epci = Epci.objects.filter(pk=code).first()
        if epci is None:
            raise CoverageError(404, _("Aucune intercommunalité ne porte ce code."))
        communes = Commune.objects.filter(epci=epci)
        if departements is not None:
            communes = communes.filter(departement_id__in=departements)
        first = communes.select_related("departement__region").order_by("departement_id").first()
        if first is None:
            raise forbidden if departements is not None else CoverageError(404, _("Cette EPCI n'a aucune commune."))
        dep = first.departement
        return epci.name, [
            *crumbs,
            (coverage.REGION, dep.region.code, dep.region.name),
            (coverage.DEPARTEMENT, dep.code, str(dep)),
            (level, epci.code, epci.name),
        ]
    commune = Commune.objects.select_related("departement__region", "epci").filter(pk=code.upper()).first()
    if commune is None:
        raise CoverageError(404, _("Aucune commune ne porte ce code INSEE."))
    if departements is not None and commune.departement_id not in departements:
        raise forbidden
    dep = commune.departement
    crumbs += [(coverage.REGION, dep.region.code, dep.region.name), (coverage.DEPARTEMENT, dep.code, str(dep))]
    if commune.epci_id:
        crumbs.append((coverage.EPCI, commune.epci.code, commune.epci.name))
    return commune.name, [*crumbs, (level, commune.code, commune.name)]


def cached_compute(level, code, on, departements, name, unreached_limit):
    deps = ",".join(departements) if departements is not None else "*"
    key = f"coverage:{data_version()}:{on.isoformat()}:{level}:{code}:{deps}:{unreached_limit}"
    result = cache.get(key)
    if result is None:
        result = coverage.compute(
            level,
            code,
            on,
            departements=departements,
            name=name,
            unreached_limit=unreached_limit,
            # The France map's figures, from the same statement.
            by_departement=level in (coverage.FRANCE, coverage.REGION),
        )
        cache.set(key, result, COVERAGE_CACHE_SECONDS)
    return result


def _territory_url(level, code, **extra):
    params = {"niveau": level}
    if code:
        params["code"] = code
    params.update({k: v for k, v in extra.items() if v})
    return _coverage_path(get_script_prefix()) + "?" + urlencode(params)


@functools.lru_cache(maxsize=8)
def _coverage_path(_script_prefix: str) -> str:
    # Reversed once per prefix: a département's page links each of its communes (890 in the
    # Pas-de-Calais), and reverse() was a tenth of that page.
    return reverse("directory:coverage")


# --- files ------------------------------------------------------------------------------------
# « csv » is for people: French spreadsheets split on « ; » and read « 79,2 » as a number; the
# BOM tells them it is UTF-8. « csv-brut » is for scripts: commas, decimal points, no BOM.
# « xlsx »: the same table as a workbook (XlsxWriter), numbers stored as numbers.
EXPORT_FORMATS = ("csv", "csv-brut", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(fmt, filename, header, rows, sheet_name):
    header = [str(h) for h in header]
    if fmt == "xlsx":
        return _xlsx_response(filename, header, rows, sheet_name)
    french = fmt == "csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    if french:
        response.write("\ufeff")
    writer = csv.writer(response, delimiter=";" if french else ",")
    writer.writerow(header)
    for row in rows:
        # Territory and venue names must not run as spreadsheet formulas (csvsafe).
        writer.writerow(
            [csvsafe.neutralise(c) if isinstance(c, str) else spreadsheet_number(c) if french else c for c in row]
        )
    return response


def _xlsx_response(filename, header, rows, sheet_name):
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    integer = workbook.add_format({"num_format": "#,##0"})
    decimal = workbook.add_format({"num_format": "0.0"})
    sheet.write_row(0, 0, header, bold)
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row):
            if isinstance(cell, Decimal):
                sheet.write_number(r, c, float(cell), decimal)
            elif isinstance(cell, int):
                sheet.write_number(r, c, cell, integer)
            else:
                sheet.write_string(r, c, str(cell))
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, len(header) - 1, 14)
    workbook.close()
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def table_rows(result: coverage.Coverage, keys, sort: str | None, **link):
    """What a table shows, cell for cell (the totals line last); ``link``: parameters the
    drill-down links keep (view, scenario)."""
    lines = []
    for row in result.sorted_rows(sort):
        values = row.values()
        lines.append(
            {
                "row": row,
                "url": _territory_url(row.level, row.key, **link) if result.level != coverage.COMMUNE else "",
                "cells": [values[k] for k in keys],
            }
        )
    values = result.totals.values()
    values["code"] = ""
    total = {"row": result.totals, "url": "", "cells": [values[k] for k in keys]}
    return lines, total


def _headers(columns, level, code, sort, **link):
    current = (sort or "").lstrip("-")
    descending = bool(sort and sort.startswith("-"))
    headers = []
    for key, label in columns:
        if key == current:
            aria = "descending" if descending else "ascending"
            next_sort = key if descending else f"-{key}"
        else:
            aria = ""
            # Numbers are most useful biggest first; names alphabetically.
            next_sort = key if key in ("name", "code") else f"-{key}"
        headers.append(
            {
                "key": key,
                "label": label,
                "aria_sort": aria,
                "url": _territory_url(level, code, tri=next_sort, **link),
            }
        )
    return headers


def _bars(result: coverage.Coverage, view=coverage.ANY):
    """Covered population share per scenario, drawn as an inline SVG by the template."""
    from directory.enums import AccessScenario

    bars = []
    for i, s in enumerate(coverage.SCENARIOS):
        pct = result.totals.covered_pct(s, view)
        bars.append(
            {
                "scenario": s,
                "label": str(AccessScenario(s).short_label),
                "pct": pct,
                "width": f"{float(pct) * 3:.1f}",  # 100 % = 300 user units
                "y": 10 + i * 44,
                "text_y": 10 + i * 44 + 20,
                "covered": result.totals.covered_in(view)[s],
            }
        )
    return bars


def _cards(result: coverage.Coverage, view, scenario, level, code):
    """One card per scenario: the share in the chosen view first, the other view beside it."""
    from directory.enums import AccessScenario

    other = coverage.PROXIMITY if view == coverage.ANY else coverage.ANY
    totals = result.totals
    return [
        {
            "scenario": s,
            "label": AccessScenario(s).short_label,
            "pct": totals.covered_pct(s, view),
            "covered": totals.covered_in(view)[s],
            "other_pct": totals.covered_pct(s, other),
            "unreached": result.unreached_count_in(view)[s],
            "venues": totals.reachable_in(view)[s],
            "selected": s == scenario,
            "url": _territory_url(level, code, vue=view, scenario=str(s)),
        }
        for s in coverage.SCENARIOS
    ]


def _choice(request, name, allowed, default):
    value = request.GET.get(name) or default
    return value if value in allowed else default


def _territory_search(request, departements):
    """The look-up by name: JSON for the autocomplete, or the list shown on the page."""
    text = (request.GET.get("q") or "").strip()[:100]
    found = coverage.find_territories(text, departements) if text else []
    for item in found:
        item["url"] = _territory_url(item["level"], item["code"])
    return text, found


class _Communes:
    """The territory's communes, read once per request and only when needed."""

    def __init__(self, level, code, departements):
        self.args = (level, code, departements)
        self._rows = None

    def __call__(self):
        if self._rows is None:
            self._rows = coverage_maps.communes_of(*self.args)
        return self._rows


# The row key of a commune (code, name, population, région, département, EPCI) per child level:
# the same keys as the coverage rows (``coverage._CHILD_KEY``).
_ROW_KEY = {
    coverage.REGION: lambda c: c[3],
    coverage.DEPARTEMENT: lambda c: c[4],
    coverage.EPCI: lambda c: c[5] or c[0],
    coverage.COMMUNE: lambda c: c[0],
}


def cached_near(level, code, on, departements, communes_of):
    """Per scenario, the population within 10, 20, 30 km of an in-person drop-in open that day:
    (territory's ``Figures``, {row key: ``Figures``}), cached with the data version like the
    numbers. Two queries (the drop-ins, the stops of mobile ones) plus the territory's communes."""
    deps = ",".join(departements) if departements is not None else "*"
    key = f"coverage:near:{data_version()}:{on.isoformat()}:{level}:{code}:{deps}"
    near = cache.get(key)
    if near is None:
        positions = coverage_maps.commune_positions()
        row_key = _ROW_KEY[coverage.CHILD_LEVEL[level]]
        communes = [(c[0], c[2], row_key(c)) for c in communes_of()]
        # Every drop-in within reach of the territory, across borders too: France-wide, all of
        # them; elsewhere those within the largest distance of its communes.
        codes = [c[0] for c in communes]
        box = None if level == coverage.FRANCE else coverage_distance.box_around(codes, positions)
        found = coverage_distance.drop_ins(on, positions, box, codes if box is not None else ())
        near = coverage_distance.figures(communes, found, positions)
        cache.set(key, near, COVERAGE_CACHE_SECONDS)
    return near


def _near_table(figures: coverage_distance.Figures):
    """The page's table: one line per distance, one cell per scenario."""
    return {
        "lines": [
            {
                "km": km,
                "cells": [
                    {"scenario": s, "population": figures.near[s][km], "pct": figures.pct(s, km)}
                    for s in coverage.SCENARIOS
                ],
            }
            for km in coverage_distance.DISTANCES_KM
        ],
        "known_population": figures.known_population,
        "known_pct": coverage._round_pct(figures.known_population, figures.population),
        "unknown_population": figures.unknown_population,
        "unknown_communes": figures.unknown_communes,
    }


def _maps(result, level, code, on, departements, view, scenario, link, communes_of):
    """The France map (France and région pages) or the commune map (département and EPCI)."""
    if level in (coverage.FRANCE, coverage.REGION):
        by_dep = result.by_departement
        shares = {
            row.key: {
                "name": row.name,
                "code": row.key,
                "pct": row.covered_pct(scenario, view),
                "url": _territory_url(coverage.DEPARTEMENT, row.key, **link),
            }
            for row in by_dep.values()
        }
        return {
            "france_map": coverage_maps.france_map(shares),
            "france_rows": sorted(shares.values(), key=lambda r: (r["pct"], r["name"])),
        }
    if level in (coverage.DEPARTEMENT, coverage.EPCI):
        communes = [c[:3] for c in communes_of()]
        unreached = {c["code"] for c in result.unreached_in(view)[scenario]}
        reached = {c for c, _name, _pop in communes} - unreached
        commune_map = coverage_maps.commune_map(communes, reached)
        commune_map["reached_count"] = sum(1 for m in commune_map["marks"] if m["reached"])
        commune_map["unreached_count"] = len(commune_map["marks"]) - commune_map["reached_count"]
        commune_map["rows"] = [
            {
                "name": name,
                "population": pop,
                "reached": c in reached,
                "url": _territory_url(coverage.COMMUNE, c, **link),
            }
            for c, name, pop in sorted(communes, key=lambda x: (x[0] in reached, -x[2], x[1]))
        ]
        return {"commune_map": commune_map}
    return {}


def coverage_staff_only(view):
    """Coverage pages are for département staff and superusers: the login page for anonymous
    visitors, a 403 page that says whom to ask for anyone else; the view gets the user's
    départements (None: every one)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        departements = coverage_departements(request.user)
        if departements == []:
            return _error(
                request,
                403,
                _(
                    "La couverture est réservée aux agents départementaux. "
                    "Demandez à un administrateur de vous rattacher."
                ),
            )
        return view(request, departements, *args, **kwargs)

    return wrapper


@never_cache
@require_GET
@coverage_staff_only
def coverage_page(request, departements):
    fmt = request.GET.get("format") or ""
    if fmt == "json" and "q" in request.GET:
        _text, found = _territory_search(request, departements)
        return JsonResponse({"results": found})

    level = request.GET.get("niveau") or ""
    code = (request.GET.get("code") or "").strip()
    if not level:
        if departements is None:
            level, code = coverage.FRANCE, ""
        else:
            level, code = coverage.DEPARTEMENT, departements[0]
    if level not in coverage.LEVELS:
        return _error(request, 400, _("Niveau inconnu : choisissez région, département, EPCI ou commune."))
    if level != coverage.FRANCE:
        code = code.upper() if level in (coverage.DEPARTEMENT, coverage.COMMUNE) else code
    try:
        name, crumbs = _resolve(level, code, departements)
    except CoverageError as error:
        return _error(request, error.status, error.message)

    view = _choice(request, "vue", coverage.VIEWS, coverage.ANY)
    scenario = int(_choice(request, "scenario", ("1", "2", "3"), "1"))
    link = {"vue": view if view != coverage.ANY else "", "scenario": str(scenario) if scenario != 1 else ""}
    on = timezone.localdate()
    base = f"{level}-{code or 'france'}-{on.isoformat()}"
    unreached_scenario = request.GET.get("sans_lieu")
    if fmt in EXPORT_FORMATS and unreached_scenario in {"1", "2", "3"}:
        result = cached_compute(level, code, on, departements, name, None)
        s = int(unreached_scenario)
        prox = "-proximite" if view == coverage.PROXIMITY else ""
        return _export(
            fmt,
            f"communes-sans-lieu-scenario-{s}{prox}-{base}",
            [_("Commune"), _("Code INSEE"), _("Population"), _("EPCI"), _("SIREN de l'EPCI")],
            [
                [c["name"], c["code"], c["population"], c["epci_name"], c["epci_code"]]
                for c in result.unreached_in(view)[s]
            ],
            str(_("Communes sans lieu")),
        )

    # Down to a département, every unreached commune is kept: the commune map colours them.
    mapped = level in (coverage.DEPARTEMENT, coverage.EPCI)
    result = cached_compute(level, code, on, departements, name, None if mapped else UNREACHED_SHOWN)
    sort = request.GET.get("tri") or ""
    if sort.lstrip("-") not in coverage.SORT_KEYS:
        sort = ""
    if fmt in EXPORT_FORMATS:
        columns = coverage.columns()
        lines, total = table_rows(result, [k for k, _label in columns], sort)
        # The distance figures of each row, then of the territory, after the coverage columns.
        near_columns = coverage_distance.columns()
        near_keys = [k for k, _label in near_columns]
        near_total, near_rows = cached_near(level, code, on, departements, _Communes(level, code, departements))
        empty = coverage_distance.Figures()
        for line in lines:
            values = near_rows.get(line["row"].key, empty).values()
            line["cells"] += [values[k] for k in near_keys]
        total["cells"] += [near_total.values()[k] for k in near_keys]
        return _export(
            fmt,
            f"couverture-{base}",
            [label for _k, label in columns + near_columns],
            [line["cells"] for line in lines] + [total["cells"]],
            str(_("Couverture")),
        )

    columns = coverage.page_columns(view, scenario)
    lines, total = table_rows(result, [k for k, _label in columns], sort, **link)
    search_text, suggestions = _territory_search(request, departements)
    stale = list(coverage.stale_venues(level, code, departements, on=on, limit=STALE_SHOWN))
    serving = []
    if level == coverage.COMMUNE:
        commune = Commune.objects.get(pk=code)
        serving = list(
            Venue.objects.serving(commune).with_status(on).select_related("commune").order_by("sort_name", "pk")[:200]
        )
    unreached = result.unreached_in(view)[scenario][:UNREACHED_SHOWN]
    communes_of = _Communes(level, code, departements)
    exports = [
        (_("Tableur (CSV « ; »)"), "csv"),
        (_("Excel (.xlsx)"), "xlsx"),
        (_("CSV brut (« , » et point décimal, pour les scripts)"), "csv-brut"),
    ]
    context = {
        "result": result,
        "level": level,
        "code": code,
        "name": name,
        "view": view,
        "scenario": scenario,
        "views": [
            {
                "value": v,
                "label": coverage.VIEW_LABELS[v],
                "url": _territory_url(level, code, vue=v, scenario=str(scenario)),
                "current": v == view,
            }
            for v in coverage.VIEWS
        ],
        "cards": _cards(result, view, scenario, level, code),
        "crumbs": [(lvl_name, _territory_url(lvl, c, **link)) for lvl, c, lvl_name in crumbs[:-1]],
        "level_label": coverage.LEVEL_LABELS[level],
        "child_label": coverage.LEVEL_LABELS[result.child_level],
        "headers": _headers(columns, level, code, sort, **link),
        "lines": lines,
        "total": total,
        "unreached": [{**c, "url": _territory_url(coverage.COMMUNE, c["code"], **link)} for c in unreached],
        "unreached_count": result.unreached_count_in(view)[scenario],
        "table_exports": [(label, _territory_url(level, code, format=f, tri=sort)) for label, f in exports],
        "unreached_exports": [
            (label, _territory_url(level, code, format=f, sans_lieu=str(scenario), **link)) for label, f in exports
        ],
        "stale": stale,
        "stale_more": max(result.totals.stale - len(stale), 0),
        "incomplete_links": [
            {
                "scenario": s,
                "url": reverse("directory:coverage_incomplete")
                + "?"
                + urlencode(
                    {"niveau": level, "code": code, "scenario": s} if code else {"niveau": level, "scenario": s}
                ),
            }
            for s in coverage.SCENARIOS
        ],
        "serving": serving,
        "view_label": coverage.VIEW_LABELS[view],
        "near": _near_table(cached_near(level, code, on, departements, communes_of)[0]),
        **_maps(result, level, code, on, departements, view, scenario, link, communes_of),
        "search_text": search_text,
        "suggestions": suggestions,
        "searched": "q" in request.GET,
        "threshold_days": settings.FRESHNESS_THRESHOLD_DAYS,
        "flag_days": flag_after_days(),
        # The staff list of checks, filtered with the same definition (ChannelCheck.objects.flagged()).
        "flagged_url": reverse("admin:directory_channelcheck_changelist") + "?etat=signale",
    }
    return render(request, "directory/coverage/page.html", context)


@require_GET
def public_summary(request):
    """Anonymous summary per département: counts only, no staleness, no venue list."""
    on = timezone.localdate()
    columns = coverage.columns(public=True)
    keys = [k for k, _label in columns]
    cache_key = f"coverage:public:{data_version()}:{on.isoformat()}"
    cached = cache.get(cache_key)
    if cached is None:
        result = coverage.compute(
            coverage.FRANCE, "", on, child_level=coverage.DEPARTEMENT, unreached_limit=0, name=_("France")
        )
        lines, total = table_rows(result, keys, None)
        cached = {
            "rows": [{"name": line["row"].name, "key": line["row"].key, "cells": line["cells"]} for line in lines],
            "total": total["cells"],
            "bars": _bars(result),
        }
        cache.set(cache_key, cached, PUBLIC_CACHE_SECONDS)
    fmt = request.GET.get("format") or ""
    if fmt in EXPORT_FORMATS:
        return _export(
            fmt,
            f"couverture-publique-{on.isoformat()}",
            [label for _k, label in columns],
            [r["cells"] for r in cached["rows"]] + [cached["total"]],
            str(_("Couverture")),
        )
    return render(
        request,
        "directory/coverage/public.html",
        {
            "headers": [{"key": k, "label": label} for k, label in columns],
            "rows": cached["rows"],
            "total": cached["total"],
            "bars": cached["bars"],
            "on": on,
        },
    )


INCOMPLETE_SHOWN = 200


@never_cache
@require_GET
@coverage_staff_only
def incomplete_page(request, departements):
    """« Lieux incomplets pour le scénario N »: the venues of a territory that lack what the
    scenario needs, the most populated service areas first (sortable)."""
    level = request.GET.get("niveau") or ""
    code = (request.GET.get("code") or "").strip()
    if not level:
        level, code = (coverage.FRANCE, "") if departements is None else (coverage.DEPARTEMENT, departements[0])
    if level not in coverage.LEVELS:
        return _error(request, 400, _("Niveau inconnu : choisissez région, département, EPCI ou commune."))
    if level in (coverage.DEPARTEMENT, coverage.COMMUNE):
        code = code.upper()
    try:
        name, crumbs = _resolve(level, code, departements)
    except CoverageError as error:
        return _error(request, error.status, error.message)
    scenario = int(_choice(request, "scenario", ("1", "2", "3"), "1"))
    order = _choice(request, "tri", ("-population", "population", "name"), "-population")
    count, found = coverage.incomplete_venues(
        scenario, level, code, departements, timezone.localdate(), order=order, limit=INCOMPLETE_SHOWN
    )
    venues = Venue.objects.filter(pk__in=[pk for pk, _served in found]).select_related("commune")
    # Each channel's check rides along: a flagged channel does not count (« canal en panne »).
    channels = Prefetch("channels", queryset=Channel.objects.select_related("last_check"))
    venues = {v.pk: v for v in venues.prefetch_related(channels)}
    rows = []
    for pk, served in found:
        venue = venues[pk]
        rows.append({"venue": venue, "served": served, "missing": venue.missing_for(scenario)})

    def url(**extra):
        params = {"niveau": level, "code": code, "scenario": str(scenario), "tri": order, **extra}
        return reverse("directory:coverage_incomplete") + "?" + urlencode({k: v for k, v in params.items() if v})

    from directory.enums import AccessScenario

    context = {
        "name": name,
        "level": level,
        "code": code,
        "scenario": scenario,
        "scenario_label": AccessScenario(scenario).short_label,
        "count": count,
        "rows": rows,
        "shown": len(rows),
        "coverage_url": _territory_url(level, code, scenario=str(scenario)),
        "scenarios": [{"value": s, "url": url(scenario=str(s)), "current": s == scenario} for s in coverage.SCENARIOS],
        "population_sort": {
            "aria": {"-population": "descending", "population": "ascending"}.get(order, ""),
            "url": url(tri="population" if order == "-population" else "-population"),
        },
        "name_sort": {"aria": "ascending" if order == "name" else "", "url": url(tri="name")},
        "crumbs": [(lvl_name, _territory_url(lvl, c)) for lvl, c, lvl_name in crumbs],
    }
    return render(request, "directory/coverage/incomplete.html", context)
