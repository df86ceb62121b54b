"""Coverage pages for département staff (``/couverture/``) and the public summary
(``/couverture/public/``). Numbers come from ``directory.coverage``; see docs/coverage.md."""

from __future__ import annotations

import csv
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from directory import coverage
from directory.cache import data_version
from directory.models import Commune, Departement, DepartementStaff, Epci, Region, Venue
from directory.opendata import csvsafe

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
            level, code, on, departements=departements, name=name, unreached_limit=unreached_limit
        )
        cache.set(key, result, COVERAGE_CACHE_SECONDS)
    return result


def _territory_url(level, code, **extra):
    params = {"niveau": level}
    if code:
        params["code"] = code
    params.update({k: v for k, v in extra.items() if v})
    return reverse("directory:coverage") + "?" + urlencode(params)


def _csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # BOM: spreadsheet software in French locales otherwise misreads accents.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(h) for h in header])
    # Territory and venue names must not run as spreadsheet formulas (csvsafe).
    writer.writerows([csvsafe.neutralise(cell) for cell in row] for row in rows)
    return response


def table_rows(result: coverage.Coverage, keys, sort: str | None):
    """What the table and the CSV show, cell for cell (the totals line last)."""
    lines = []
    for row in result.sorted_rows(sort):
        values = row.values()
        lines.append(
            {
                "row": row,
                "url": _territory_url(row.level, row.key) if result.level != coverage.COMMUNE else "",
                "cells": [values[k] for k in keys],
            }
        )
    values = result.totals.values()
    values["code"] = ""
    total = {"row": result.totals, "url": "", "cells": [values[k] for k in keys]}
    return lines, total


def _headers(columns, level, code, sort):
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
            {"key": key, "label": label, "aria_sort": aria, "url": _territory_url(level, code, tri=next_sort)}
        )
    return headers


def _bars(result: coverage.Coverage):
    """Covered population share per scenario, drawn as an inline SVG by the template."""
    from directory.enums import AccessScenario

    bars = []
    for i, s in enumerate(coverage.SCENARIOS):
        pct = result.totals.covered_pct(s)
        bars.append(
            {
                "scenario": s,
                "label": str(AccessScenario(s).short_label),
                "pct": pct,
                "width": f"{float(pct) * 3:.1f}",  # 100 % = 300 user units
                "y": 10 + i * 44,
                "text_y": 10 + i * 44 + 20,
                "covered": result.totals.covered[s],
            }
        )
    return bars


@never_cache
@require_GET
def coverage_page(request):
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    departements = coverage_departements(user)
    if departements == []:
        return _error(
            request,
            403,
            _("La couverture est réservée aux agents départementaux. Demandez à un administrateur de vous rattacher."),
        )

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

    on = timezone.localdate()
    export = request.GET.get("format") == "csv"
    unreached_scenario = request.GET.get("sans_lieu")
    if export and unreached_scenario in {"1", "2", "3"}:
        result = cached_compute(level, code, on, departements, name, None)
        s = int(unreached_scenario)
        return _csv_response(
            f"communes-sans-lieu-scenario-{s}-{level}-{code or 'france'}.csv",
            [_("Commune"), _("Code INSEE"), _("Population")],
            [[c["name"], c["code"], c["population"]] for c in result.unreached[s]],
        )

    result = cached_compute(level, code, on, departements, name, UNREACHED_SHOWN)
    columns = coverage.columns()
    keys = [k for k, _label in columns]
    sort = request.GET.get("tri") or ""
    if sort.lstrip("-") not in coverage.SORT_KEYS:
        sort = ""
    lines, total = table_rows(result, keys, sort)

    if export:
        return _csv_response(
            f"couverture-{level}-{code or 'france'}-{on.isoformat()}.csv",
            [label for _k, label in columns],
            [line["cells"] for line in lines] + [total["cells"]],
        )

    stale = list(coverage.stale_venues(level, code, departements, on=on, limit=STALE_SHOWN))
    points = coverage.map_venues(level, code, departements, on=on) if level != coverage.FRANCE else []
    serving = []
    if level == coverage.COMMUNE:
        commune = Commune.objects.get(pk=code)
        serving = list(
            Venue.objects.serving(commune).with_status(on).select_related("commune").order_by("name", "pk")[:200]
        )
    context = {
        "result": result,
        "level": level,
        "code": code,
        "name": name,
        "crumbs": [(lvl_name, _territory_url(lvl, c)) for lvl, c, lvl_name in crumbs[:-1]],
        "level_label": coverage.LEVEL_LABELS[level],
        "child_label": coverage.LEVEL_LABELS[result.child_level],
        "headers": _headers(columns, level, code, sort),
        "lines": lines,
        "total": total,
        "bars": _bars(result),
        "unreached": [
            {
                "scenario": s,
                "communes": [{**c, "url": _territory_url(coverage.COMMUNE, c["code"])} for c in result.unreached[s]],
                "count": result.unreached_count[s],
                "csv_url": _territory_url(level, code, format="csv", sans_lieu=str(s)),
            }
            for s in coverage.SCENARIOS
        ],
        "stale": stale,
        "stale_more": max(result.totals.stale - len(stale), 0),
        "points": points,
        "serving": serving,
        "csv_url": _territory_url(level, code, format="csv", tri=sort),
        "levels": [(lvl, coverage.LEVEL_LABELS[lvl]) for lvl in coverage.LEVELS],
        "departement_choices": (
            Departement.objects.order_by("code")
            if departements is None
            else Departement.objects.filter(code__in=departements).order_by("code")
        ),
        "map_tiles": {
            "url": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
        },
        "threshold_days": settings.FRESHNESS_THRESHOLD_DAYS,
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
    if request.GET.get("format") == "csv":
        return _csv_response(
            f"couverture-publique-{on.isoformat()}.csv",
            [label for _k, label in columns],
            [r["cells"] for r in cached["rows"]] + [cached["total"]],
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
