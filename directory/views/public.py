"""Public pages: home (scenario chooser), directory list, venue sheet.

A request, end to end: ``venue_list`` → ``VenueFilter(request.GET, Venue.objects.public())``
→ ``with_page_prefetches(filterset.qs, scenario)`` → ``Paginator`` → template. The API's list
view runs the same filter and the same prefetches. Anonymous GETs of the list and the sheet
are cached (see ``cache_public_page``).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from types import SimpleNamespace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.core.paginator import EmptyPage
from django.db.models import OuterRef
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from directory import hours, typography
from directory.cache import data_version_with
from directory.enums import ON_SITE_KINDS, AccessScenario, ChannelKind, Service, ServiceArea
from directory.filters import (
    CARD_CHANNEL_FIELDS,
    CARD_CLOSURE_FIELDS,
    CARD_VENUE_FIELDS,
    VenueFilter,
    json_rows,
    with_page_prefetches,
)
from directory.models import Channel, ClosurePeriod, Commune, Departement, Venue, VenueRedirect
from directory.nearest import distance_words
from directory.pagination import PageBeyondLimit, VenuePaginator
from directory.presenters import (
    Alternative,
    alternatives_of,
    closures_of,
    link_phone_numbers,
    sheet_channels,
    venue_cards,
)
from directory.reachability import channel_usable_in
from directory.text import french_sort_key

# --- page cache ------------------------------------------------------------------------------


# What may vary a cached page: the parameters each page reads, nothing else. A request with any
# other parameter (utm_…, a typo, a cache-buster) is answered but not cached, so visitors cannot
# grow the cache's key space with parameters no page reads.
LIST_CACHE_PARAMETERS = frozenset(VenueFilter.base_filters) | {"page"}
DETAIL_CACHE_PARAMETERS = frozenset({"scenario", "retour"})  # retour: the list to go back to (issue 13)
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
            response.typography_done = True  # stored after typography.apply
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False):
            # French typography once, before storing (the middleware then leaves it alone).
            typography.apply(request, response)
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
    except PageBeyondLimit:
        number = paginator.max_pages
    except EmptyPage:
        number = None
    if number is not None:
        try:
            notice = _(
                "L'annuaire montre les %(count)d premières pages d'une liste : affinez votre recherche "
                "(commune, scénario, type de lieu…) pour voir les autres lieux."
            ) % {"count": number}
            return paginator.page(number), notice
        except EmptyPage:
            pass  # a shorter list: its last page
    last = paginator.last_page_number()
    return paginator.page(last), _("Cette page n'existe pas : dernière page affichée (page %(page)d).") % {"page": last}


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


# --- one box that understands places ----------------------------------------------------------


def _card_groups(place, venues, cards):
    """The page's cards in the place's labelled groups (``VenueQuerySet.serving_place``):
    [(heading, first card number, cards)], in list order."""
    several = len(place.communes) > 1
    name = place.label if several else place.communes[0].name
    headings = {
        1: _("Dans le %(code)s") % {"code": place.postal_code} if several else _("À %(name)s") % {"name": name},
        2: _("Lieux proches qui desservent %(name)s") % {"name": name},
        3: _("Pour tout le département (%(code)s)") % {"code": place.departement},
    }
    groups = []
    for venue, card in zip(venues, cards, strict=True):
        group = getattr(venue, "place_group", 2)
        if not groups or groups[-1][0] != group:
            groups.append((group, []))
        groups[-1][1].append(card)
    return [(headings.get(group, ""), group_cards) for group, group_cards in groups]


def _suggestion_link(commune, base_query) -> dict:
    postal = commune.postal_codes[0] if commune.postal_codes else ""
    # A CommuneInfo (the resolver's) has the département's code; a Commune, its id.
    departement = getattr(commune, "departement_id", None) or commune.departement
    query = base_query.copy()
    query["q"] = f"{commune.name} {postal}".strip()
    query.pop("page", None)
    return {
        "name": commune.name,
        "detail": f"{postal or departement}, {departement}" if postal else departement,
        "query": query.urlencode(),
    }


def _place_block(filterset, page, page_venues, scenario, today) -> dict:
    """What the list adds when ``q`` reads as a place (``directory/places.py``): the venues
    matching the text by name (a separate block), suggestions when the text is ambiguous, and
    for a place nobody serves, the nearest venues and the département's contact."""
    from directory.places import rank_by_proximity

    reading = filterset.place_reading
    place = reading.place
    text = filterset.form.cleaned_data.get("q") or ""
    base_query = filterset.data.copy() if hasattr(filterset.data, "copy") else QueryDict(mutable=True)
    block = {"place": place, "unknown_postal_code": reading.unknown_postal_code}
    if place is not None:
        block["words_dropped"] = getattr(filterset, "words_dropped", False)
        if page.number == 1:
            shown = {venue.pk for venue in page_venues}
            # Words as typed only: the heading says « dont le nom contient ».
            names = Venue.objects.not_permanently_closed(today).with_words(text)
            if scenario:
                names = names.reachable_in(scenario)
            # By id, not by name: the venues whose name has a common word (« mairie ») sit
            # together far into the alphabet, and a walk in name order to reach them read half
            # the directory (``make bench SCALE=10``, measure ``place_commune``); ids are
            # spread, so a few are found at once. Shown in French order.
            found = names.select_related("commune").only("name", "slug", "commune__name").order_by("pk")[:6]
            block["name_matches"] = sorted(
                (venue for venue in found if venue.pk not in shown), key=lambda v: french_sort_key(v.name)
            )[:5]
        if not page_venues and page.number == 1:
            position = place.position()
            if position is not None:
                # Nearest first, a mobile venue by its nearest stop (one query: the KNN walk
                # and the venues with stops, ``VenueQuerySet.nearest``).
                nearest = Venue.objects.not_permanently_closed(today).near(*position)
                if scenario:
                    nearest = nearest.reachable_in(scenario)
                in_person = Channel.objects.filter(kind__in=ON_SITE_KINDS).order_by("position", "pk")
                nearest = (
                    nearest.select_related("commune")
                    .only("name", "slug", "commune__name")
                    .annotate(card_channels=json_rows(in_person, CARD_CHANNEL_FIELDS))
                    .nearest(position, 5)
                )
                block["nearest"] = list(nearest)
                for venue in block["nearest"]:
                    venue.distance_text = distance_words(venue, venue.distance_km)
            block["departement"] = Departement.objects.filter(code=place.departement).first()
        block["other_communes"] = [_suggestion_link(c, base_query) for c in place.others]
        return block
    if reading.suggestions and (not reading.partial or not page_venues):
        departements = {hours.departement_code_of(venue.commune_id) for venue in page_venues}
        block["place_suggestions"] = [
            _suggestion_link(c, base_query) for c in rank_by_proximity(reading.suggestions, departements)
        ]
    elif not page_venues and not reading.unknown_postal_code and page.number == 1:
        # Nothing found and no commune starts so: maybe a commune name with a typo (« mons en
        # pevelle »): the closest names, by trigrams (one query).
        block["place_suggestions"] = [
            _suggestion_link(c, base_query) for c in Commune.objects.close_to(text, 5) if not text.strip().isdigit()
        ]
    return block


def _filter_options(form) -> dict[str, list[tuple[str, str, bool, str]]]:
    """(value, label, selected, number) for each choice of the « more criteria » fields, worked
    out here once: a form look-up, a lazy label and a localised counter per option made this
    block a third of the page's template time."""
    options = {}
    for name in ("statut", "canal", "service", "public", "langue", "jour"):
        raw = form[name].value()
        selected = {raw} if isinstance(raw, str) else set(raw or ())
        choices = [(value, label) for value, label in form.fields[name].choices if value]
        options[name] = [
            (value, str(label), value in selected, str(number)) for number, (value, label) in enumerate(choices, 1)
        ]
    return options


def _clock(value) -> str:
    return hours.clock_text(value)


def _criteria(filterset) -> tuple[list[str], int]:
    """The criteria in words for the one-line summary (« Cysoing · J'ai un téléphone… ·
    Ouvert maintenant »), and how many « more criteria » are set."""
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    parts = []
    place = getattr(filterset, "place", None)
    if place is not None:
        parts.append(place.label)
    elif data.get("q"):
        parts.append(f"« {data['q']} »")
    if data.get("commune"):
        parts.append(_("Lieux qui desservent %(name)s") % {"name": data["commune"].name})
    if data.get("code_postal"):
        parts.append(_("Lieux qui desservent le %(code)s") % {"code": data["code_postal"]})
    if data.get("departement"):
        parts.append(_("Département %(code)s") % {"code": data["departement"].pk})
    if data.get("near"):
        parts.append(_("Autour de votre position"))
    if data.get("scenario"):
        parts.append(str(AccessScenario(data["scenario"]).short_label))
    if data.get("ouvert"):
        parts.append(_("Ouvert maintenant"))
    day, at, after = filterset.open_day(data), data.get("heure"), data.get("apres")
    if data.get("date") and at:
        parts.append(_("Ouvert le %(date)s à %(time)s") % {"date": date_format(day, "j F"), "time": _clock(at)})
    elif data.get("date"):
        parts.append(_("Ouvert le %(date)s") % {"date": date_format(day, "j F")})
    elif data.get("jour"):
        parts.append(_("Ouvert le %(day)s") % {"day": date_format(day, "l")})
    elif at:
        parts.append(_("Ouvert aujourd'hui à %(time)s") % {"time": _clock(at)})
    if after:
        parts.append(_("après %(time)s") % {"time": _clock(after)})
    more = sum(
        1
        for name in (
            "statut",
            "canal",
            "service",
            "public",
            "typologie",
            "epci",
            "langue",
            "ouvert",
            "jour",
            "apres",
            "date",
            "heure",
        )
        if data.get(name)
    )
    if data.get("statut"):
        parts.append(str(dict(filterset.filters["statut"].extra["choices"]).get(data["statut"], "")))
    others = sum(1 for name in ("canal", "service", "public", "typologie", "epci", "langue") if data.get(name))
    if others:
        parts.append(ngettext("%(n)d autre critère", "%(n)d autres critères", others) % {"n": others})
    return parts, more


@cache_public_page
def venue_list(request):
    today = timezone.localdate()
    now = timezone.now()
    filterset = VenueFilter(request.GET, queryset=Venue.objects.public(), today=today, now=now)
    scenario = filterset.selected_scenario
    venues = with_page_prefetches(filterset.qs, scenario, today=today, cards_only=True)
    paginator = VenuePaginator(
        venues,
        settings.DIRECTORY_PAGE_SIZE,
        count_limit=settings.DIRECTORY_COUNT_LIMIT,
        max_pages=settings.DIRECTORY_MAX_PAGES,
        near=filterset.near_point,
        full_text=(query, today, filterset.shown_since) if (query := filterset.full_text_query) is not None else None,
        rows=with_page_prefetches(filterset.page_rows(Venue.objects.all()), scenario, today=today, cards_only=True),
    )
    page, page_notice = _page(request, paginator)
    page_venues = list(page.object_list)
    near = filterset.near_point
    place_block = _place_block(filterset, page, page_venues, scenario, today) if filterset.place_reading else {}
    cards = venue_cards(
        page_venues,
        today=today,
        scenario=scenario,
        near=near,
        back_query=request.GET.urlencode(),
        distance_attribute="distance_km" if near else ("place_km" if filterset.place else None),
    )
    card_groups = _card_groups(filterset.place, page_venues, cards) if filterset.place and cards else []
    summary_parts, more_count = _criteria(filterset)
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    searched = not filterset.errors and any(
        data.get(n) for n in ("q", "commune", "code_postal", "near", "departement", "epci")
    )
    return render(
        request,
        "directory/venue_list.html",
        {
            "filter": filterset,
            "form": filterset.form,
            "filter_errors": filterset.error_messages(),
            "options": _filter_options(filterset.form),
            "summary_parts": summary_parts,
            "more_count": more_count,
            "searched": searched,
            # What the time fields show back (HTML time and date inputs want 18:00, 2026-12-05).
            "time_values": {
                "apres": data["apres"].strftime("%H:%M") if data.get("apres") else "",
                "heure": data["heure"].strftime("%H:%M") if data.get("heure") else "",
                "date": data["date"].isoformat() if data.get("date") else "",
            },
            "page_obj": page,
            "paginator": paginator,
            "venues": page_venues,
            "cards": cards,
            "card_groups": card_groups,
            **place_block,
            "page_notice": page_notice,
            "today": today,
            "scenario": AccessScenario(scenario) if scenario else None,
            "scenarios": list(AccessScenario),
            "near": near,
            "commune": filterset.selected_commune,
            "sheet_commune": _sheet_commune(filterset.selected_commune, place_block.get("place")),
            # What a search with typos looked for instead (``VenueQuerySet.search``).
            "search_correction": filterset.search_correction,
            "map_points": _map_points(page_venues),
            "map_config": {"tileUrl": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        },
    )


def _sheet_commune(commune, place):
    """The commune whose paper sheet the results offer: the one chosen, or the one place typed
    (« Imprimer la fiche de Mons-en-Pévèle »); none for a postal code of several communes."""
    if commune is not None:
        return commune
    if place is not None and len(place.communes) == 1:
        info = place.communes[0]
        return SimpleNamespace(code=info.code, name=info.name, departement_id=info.departement)
    return None


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
    names = sorted(venue.service_area_communes.values_list("name", flat=True), key=french_sort_key) or [commune.name]
    return _("Les habitants des communes suivantes : %(communes)s.") % {"communes": ", ".join(names)}


# What a venue sheet shows of its channels and closures, read with the venue in one query.
SHEET_CHANNEL_FIELDS = ("id", "kind", "value", "label", "availability", "scenario")


def _sheet_annotations(today):
    """The channels and closures of a venue sheet as JSON columns of the venue's own row."""
    open_channels = ClosurePeriod.open_channels.through.objects.filter(closureperiod_id=OuterRef("pk"))
    return {
        "sheet_channels": json_rows(Channel.objects.order_by("scenario", "position", "pk"), SHEET_CHANNEL_FIELDS),
        "sheet_closures": json_rows(
            ClosurePeriod.objects.current_or_upcoming(today).order_by("starts_on", "pk"),
            ("starts_on", "ends_on", "public_message"),
            open_channels=ArraySubquery(open_channels.values("channel_id")),
        ),
    }


# « Pendant la fermeture »: how many open venues a closed venue's page offers, and which of
# their channels it shows (the tappable ones, and the drop-in).
ALTERNATIVES = 3
ALTERNATIVE_KINDS = (ChannelKind.PHONE, ChannelKind.SMS, ChannelKind.IN_PERSON)


def closure_alternatives(venue, scenario, today, now) -> list[Alternative]:
    """The 2-3 nearest venues open today serving the closed venue's commune for ``scenario``
    (``VenueQuerySet.open_alternatives_to``), with their channels and closures as JSON: one query."""
    channels = Channel.objects.filter(kind__in=ALTERNATIVE_KINDS)
    if scenario:
        channels = channels.usable_in(scenario)
    rows = (
        Venue.objects.open_alternatives_to(venue, scenario, today)
        .select_related("commune")
        .only(*CARD_VENUE_FIELDS, "commune__departement_id")
        .annotate(
            card_channels=json_rows(channels.order_by("scenario", "position", "pk"), CARD_CHANNEL_FIELDS),
            card_closures=json_rows(
                ClosurePeriod.objects.current_or_upcoming(today).order_by("starts_on", "pk"), CARD_CLOSURE_FIELDS
            ),
        )[:ALTERNATIVES]
    )
    return alternatives_of(list(rows), now=now, scenario=scenario)


def _back_to_list(request, scenario) -> str:
    """« Retour à l'annuaire » keeps the search the resident came from (``retour``: the list's
    query string, re-encoded from its parsed values so only parameters go through)."""
    back = QueryDict(request.GET.get("retour", "")[:1000]).copy()
    if scenario and not back:
        back["scenario"] = str(scenario)
    query = back.urlencode()
    return reverse("directory:venue_list") + (f"?{query}" if query else "")


def _position_in(back_query: str) -> tuple[float, float] | None:
    """The « Autour de moi » position of the list the resident came from (``retour``), when
    valid (``NearField``'s rules)."""
    from django import forms

    from directory.filters import NearField

    value = QueryDict(back_query[:1000]).get("near", "")
    try:
        return NearField(required=False).clean(value) if value else None
    except forms.ValidationError:
        return None


def _merged_venue_redirect(request, slug):
    """A venue merged into another (``VenueRedirect``): 301 to the survivor, else 404."""
    redirect = VenueRedirect.objects.select_related("venue").filter(old_slug=slug).first()
    if redirect is None:
        raise Http404(_("Ce lieu n'existe pas."))
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(redirect.venue.get_absolute_url() + (f"?{query}" if query else ""))


@cache_public_page(parameters=DETAIL_CACHE_PARAMETERS)
def venue_detail(request, slug):
    now = timezone.now()
    # A day's margin: overseas venues may be a day behind Paris (their own day is worked out
    # once the venue is read, in its time zone).
    server_today = timezone.localdate()
    # The commune's EPCI and département are read (one query) only by the sheets of venues serving
    # them (service_area_text): most sheets spare the two joins.
    queryset = Venue.objects.select_related("commune", "structure").annotate(
        **_sheet_annotations(server_today - datetime.timedelta(days=1))
    )
    # Came from « Autour de moi »: how far it is from there, a mobile venue at its nearest stop
    # (same query).
    position = _position_in(request.GET.get("retour", ""))
    if position is not None:
        queryset = queryset.distance_from(*position)
    venue = queryset.filter(slug=slug).first()
    if venue is None:
        return _merged_venue_redirect(request, slug)
    today = hours.local_now(venue.commune_id, now).date()
    raw_scenario = request.GET.get("scenario", "")
    scenario = int(raw_scenario) if raw_scenario in {"1", "2", "3"} else None
    scenario_error = "" if scenario or not raw_scenario else _("Situation inconnue : choisissez 1, 2 ou 3.")
    venue.listed_closures = closures_of(venue, venue.sheet_closures)
    groups, lines_by_id = sheet_channels(venue.sheet_channels, scenario)
    status = venue.status_on(today)
    venue_status = venue.status_at(now)
    current_closure = venue.current_closure(today)
    still_open_lines, alternatives = [], []
    if current_closure:
        # The one rule (ClosurePeriod.keeps_working), in the venue's channel order, and only what
        # the chosen scenario can use: scenario 1 is never offered a phone number.
        rows = [
            SimpleNamespace(pk=row["id"], kind=row["kind"], scenario=row["scenario"]) for row in venue.sheet_channels
        ]
        still_open_lines = [
            lines_by_id[row.pk]
            for row in venue.channels_working_on(today, rows)
            if scenario is None or channel_usable_in(row.kind, row.scenario, scenario)
        ]
        alternatives = closure_alternatives(venue, scenario, today, now)
    threshold = settings.FRESHNESS_THRESHOLD_DAYS
    return render(
        request,
        "directory/venue_detail.html",
        {
            "venue": venue,
            "today": today,
            "status": status,
            "venue_status": venue_status,
            "current_closure": current_closure,
            "closure_message": link_phone_numbers(current_closure.public_message) if current_closure else "",
            "still_open_lines": still_open_lines,
            "alternatives": alternatives,
            "upcoming_closures": venue.upcoming_closures(today),
            "scenario": AccessScenario(scenario) if scenario else None,
            "scenario_error": scenario_error,
            "scenarios": list(AccessScenario),
            "channel_groups": groups,
            "hours_week": hours.week(venue.opening_hours, today, venue.commune_id),
            "service_area": service_area_text(venue),
            "services": [Service(value).label for value in venue.services if value in Service.values],
            "freshness_threshold": threshold,
            "list_url": _back_to_list(request, scenario),
            "distance_here": distance_words(venue, venue.distance_km, channels=venue.sheet_channels)
            if position is not None
            else "",
            "map_points": _map_points([venue]),
            "map_config": {"tileUrl": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION},
        },
    )
