"""Public pages: home (scenario chooser), directory list, venue sheet.

A request, end to end: ``venue_list`` → ``VenueFilter(request.GET, Venue.objects.public())``
→ ``with_page_prefetches(filterset.qs, scenario)`` → ``Paginator`` → template. The API's list
view runs the same filter and the same prefetches. Anonymous GETs of the list and the sheet
are cached (see ``cache_public_page``).
"""

from __future__ import annotations

import functools
import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.core.paginator import EmptyPage
from django.db.models import OuterRef
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from directory import hours
from directory.cache import data_version_with
from directory.enums import AccessScenario, Service, ServiceArea
from directory.filters import VenueFilter, json_rows, with_page_prefetches
from directory.models import Channel, ClosurePeriod, Commune, Venue, VenueRedirect
from directory.pagination import VenuePaginator
from directory.presenters import closures_of, sheet_channels, venue_cards
from directory.text import fold

# --- page cache ------------------------------------------------------------------------------


# What may vary a cached page: the parameters each page reads, nothing else. A request with any
# other parameter (utm_…, a typo, a cache-buster) is answered but not cached, so visitors cannot
# grow the cache's key space with parameters no page reads.
LIST_CACHE_PARAMETERS = frozenset(VenueFilter.base_filters) | {"page"}
DETAIL_CACHE_PARAMETERS = frozenset({"scenario"})
MAX_CACHED_QUERY = 300
MAX_CACHED_PAGE = 10_000


def normalised_query(request, allowed) -> str | None:
    """The query string in one canonical form (names sorted, values in their order, page number
    as an integer), or None when the page must not be cached."""
    pairs = []
    for name, values in request.GET.lists():
        if name not in allowed:
            return None
        for value in values:
            if name == "page":
                if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_CACHED_PAGE:
                    return None
                value = str(int(value))
            pairs.append((name, value))
    query = urlencode(sorted(pairs))
    return query if len(query) <= MAX_CACHED_QUERY else None


def page_cache_key(request, query: str) -> str:
    """The day (status « today »), the language, the path and the normalised query. The data
    version is stored with the page and checked on every read (``cache_public_page``)."""
    path = hashlib.sha256(f"{request.path}?{query}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"public-page:{timezone.localdate().isoformat()}:{get_language()}:{path}"


def cache_public_page(view=None, *, parameters=LIST_CACHE_PARAMETERS):
    """Cache the rendered page of anonymous GETs for ``PUBLIC_PAGE_CACHE_SECONDS`` (0 = off),
    when its query string holds only ``parameters`` (``normalised_query``).

    A page is stored with the data version read before rendering it; a read that finds another
    version (every write bumps it) is a miss, so an edit shows at once on every server. The
    version and the page come in one round trip to the cache (``get_many``), not two."""
    if view is None:
        return functools.partial(cache_public_page, parameters=parameters)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        cacheable = (
            seconds > 0
            and request.method == "GET"
            and not request.user.is_authenticated
            and "messages" not in request.COOKIES
        )
        query = normalised_query(request, parameters) if cacheable else None
        if query is None:
            return view(request, *args, **kwargs)
        key = page_cache_key(request, query)
        version, found = data_version_with(key)
        stored = found.get(key)
        if stored is not None and stored[0] == version:
            _version, content, content_type = stored
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False):
            cache.set(key, (version, response.content, response["Content-Type"]), seconds)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper


# --- home ------------------------------------------------------------------------------------


def home(request):
    return render(request, "directory/home.html", {"scenarios": list(AccessScenario)})


# --- list ------------------------------------------------------------------------------------


def _page(request, paginator):
    """The requested page, or the nearest one with a notice: never a 500, never an empty page."""
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return paginator.page(1), _("Numéro de page invalide : première page affichée.")
    if number < 1:
        return paginator.page(1), _("Numéro de page invalide : première page affichée.")
    try:
        # Asked first, counted after: VenuePaginator counts only when the page does not end the list.
        return paginator.page(number), ""
    except EmptyPage:
        last = paginator.last_page_number()
        return paginator.page(last), _("Cette page n'existe pas : dernière page affichée (page %(page)d).") % {
            "page": last
        }


def _map_points(venues):
    return [
        {
            "name": venue.name,
            "url": venue.get_absolute_url(),
            "lat": venue.latitude,
            "lon": venue.longitude,
            "commune": venue.commune.name,
        }
        for venue in venues
        if venue.latitude is not None
    ]


def _commune_suggestions(filterset):
    """When the text looks like a commune or postal code, offer « venues serving X » links:
    a venue's own text only names where it is, not every commune it serves."""
    data = filterset.form.cleaned_data if filterset.is_bound and not filterset.errors.get("q") else {}
    text = (data.get("q") or "").strip()
    if not text or len(fold(text)) < 3 or filterset.selected_commune:
        return []
    communes = Commune.objects.select_related("departement").order_by("-population", "name")
    folded = fold(text)
    if not folded.isdigit():
        # Names starting with the text first: an index range (~1 ms), where the typo-tolerant
        # look-up rechecks thousands of look-alikes for a short name (« lile »: 12 ms).
        starting = list(communes.filter(search_name__startswith=folded)[:5])
        if starting:
            return starting
    return communes.close_to(text, 5)


def _filter_options(form) -> dict[str, list[tuple[str, str, bool, str]]]:
    """(value, label, selected, number) for each choice of the « more criteria » fields, worked
    out here once: a form look-up, a lazy label and a localised counter per option made this
    block a third of the page's template time."""
    options = {}
    for name in ("statut", "canal", "service", "public"):
        raw = form[name].value()
        selected = {raw} if isinstance(raw, str) else set(raw or ())
        choices = [(value, label) for value, label in form.fields[name].choices if value]
        options[name] = [
            (value, str(label), value in selected, str(number)) for number, (value, label) in enumerate(choices, 1)
        ]
    return options


@cache_public_page
def venue_list(request):
    today = timezone.localdate()
    filterset = VenueFilter(request.GET, queryset=Venue.objects.public(), today=today)
    scenario = filterset.selected_scenario
    venues = with_page_prefetches(filterset.qs, scenario, today=today, cards_only=True)
    paginator = VenuePaginator(
        venues,
        settings.DIRECTORY_PAGE_SIZE,
        count_limit=settings.DIRECTORY_COUNT_LIMIT,
        buckets_on=today if filterset.is_whole_list and not filterset.hides_unverified else None,
        text_search_on=today if filterset.is_text_search_only and not filterset.hides_unverified else None,
    )
    page, page_notice = _page(request, paginator)
    page_venues = list(page.object_list)
    near = filterset.near_point
    return render(
        request,
        "directory/venue_list.html",
        {
            "filter": filterset,
            "form": filterset.form,
            "filter_errors": filterset.error_messages(),
            "options": _filter_options(filterset.form),
            "page_obj": page,
            "paginator": paginator,
            "venues": page_venues,
            "cards": venue_cards(page_venues, today=today, scenario=scenario, near=near),
            "page_notice": page_notice,
            "today": today,
            "scenario": AccessScenario(scenario) if scenario else None,
            "scenarios": list(AccessScenario),
            "near": near,
            "commune": filterset.selected_commune,
            "commune_suggestions": _commune_suggestions(filterset),
            # What a search with typos looked for instead (``VenueQuerySet.search``).
            "search_correction": filterset.qs.search_correction,
            "map_points": _map_points(page_venues),
            "map_config": {"tileUrl": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        },
    )


# --- venue sheet -----------------------------------------------------------------------------


def service_area_text(venue) -> str:
    """The venue's service area in words."""
    commune = venue.commune
    if venue.service_area == ServiceArea.COMMUNE:
        return _("Les habitants de %(commune)s.") % {"commune": commune.name}
    if venue.service_area == ServiceArea.EPCI and commune.epci_id:
        return _("Les habitants des communes de l'intercommunalité %(epci)s.") % {"epci": commune.epci.name}
    if venue.service_area == ServiceArea.EPCI:
        return _("Les habitants de %(commune)s.") % {"commune": commune.name}
    if venue.service_area == ServiceArea.DEPARTEMENT:
        return _("Les habitants de tout le département %(departement)s.") % {"departement": commune.departement}
    # Read here, only for this kind of service area (a prefetch cost every sheet a query).
    names = list(venue.service_area_communes.order_by("name").values_list("name", flat=True)) or [commune.name]
    return _("Les habitants des communes suivantes : %(communes)s.") % {"communes": ", ".join(names)}


# What a venue sheet shows of its channels and closures, read with the venue in one query.
SHEET_CHANNEL_FIELDS = ("id", "kind", "value", "label", "availability", "scenario")


@functools.lru_cache(maxsize=4)
def _sheet_annotations(today):
    """Built once a day: annotate() resolves copies of these expressions, never the originals,
    and building them anew cost a tenth of an uncached sheet."""
    open_channels = ClosurePeriod.open_channels.through.objects.filter(closureperiod_id=OuterRef("pk"))
    return {
        "sheet_channels": json_rows(Channel.objects.order_by("scenario", "position", "pk"), SHEET_CHANNEL_FIELDS),
        "sheet_closures": json_rows(
            ClosurePeriod.objects.current_or_upcoming(today).order_by("starts_on", "pk"),
            ("starts_on", "ends_on", "public_message"),
            open_channels=ArraySubquery(open_channels.values("channel_id")),
        ),
    }


def _merged_venue_redirect(request, slug):
    """A venue merged into another (``VenueRedirect``): 301 to the survivor, else 404."""
    redirect = VenueRedirect.objects.select_related("venue").filter(old_slug=slug).first()
    if redirect is None:
        raise Http404(_("Ce lieu n'existe pas."))
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(redirect.venue.get_absolute_url() + (f"?{query}" if query else ""))


@cache_public_page(parameters=DETAIL_CACHE_PARAMETERS)
def venue_detail(request, slug):
    today = timezone.localdate()
    # The commune's EPCI and département are read (one query) only by the sheets of venues serving
    # them (service_area_text): most sheets spare the two joins.
    queryset = Venue.objects.select_related("commune", "structure").annotate(**_sheet_annotations(today))
    venue = queryset.filter(slug=slug).first()
    if venue is None:
        return _merged_venue_redirect(request, slug)
    raw_scenario = request.GET.get("scenario", "")
    scenario = int(raw_scenario) if raw_scenario in {"1", "2", "3"} else None
    scenario_error = "" if scenario or not raw_scenario else _("Situation inconnue : choisissez 1, 2 ou 3.")
    venue.listed_closures = closures_of(venue, venue.sheet_closures)
    groups, lines_by_id = sheet_channels(venue.sheet_channels, scenario)
    status = venue.status_on(today)
    current_closure = venue.current_closure(today)
    threshold = settings.FRESHNESS_THRESHOLD_DAYS
    return render(
        request,
        "directory/venue_detail.html",
        {
            "venue": venue,
            "today": today,
            "status": status,
            "current_closure": current_closure,
            # in the venue's channel order (scenario, position)
            "still_open_lines": [line for pk, line in lines_by_id.items() if pk in current_closure.open_channel_ids]
            if current_closure
            else [],
            "upcoming_closures": venue.upcoming_closures(today),
            "scenario": AccessScenario(scenario) if scenario else None,
            "scenario_error": scenario_error,
            "scenarios": list(AccessScenario),
            "channel_groups": groups,
            "hours_state": hours.state(venue.opening_hours),
            "hours_week": hours.week(venue.opening_hours, today),
            "service_area": service_area_text(venue),
            "services": [Service(value).label for value in venue.services if value in Service.values],
            "freshness_threshold": threshold,
            "list_url": reverse("directory:venue_list") + (f"?scenario={scenario}" if scenario else ""),
            "map_points": _map_points([venue]),
            "map_config": {"tileUrl": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        },
    )
