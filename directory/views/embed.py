"""The embeddable directory (issue 19, part 1): ``/widget/`` (the page partners frame) and
``/integrer/`` (the page that builds the snippet).

``/widget/`` is the resident's path of ``/lieux/`` — the same ``VenueFilter``, paginator,
prefetches and cards — in a compact page of its own: no site header or footer, no cookie, no
script, its stylesheet inlined (``static/css/widget.css`` + the palette, allowed by hash), links
to a venue opening the full site in a new tab. It is the only page that may be framed: its
``Content-Security-Policy`` says ``frame-ancestors *`` (or, with a partner key, that key's sites)
and it carries no ``X-Frame-Options``; every other page keeps ``DENY`` / ``'none'``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from directory import coverage, embed, partners
from directory.enums import AccessScenario, ChannelKind
from directory.filters import VenueFilter, with_page_prefetches
from directory.middleware import content_security_policy
from directory.models import Venue
from directory.pagination import VenuePaginator
from directory.presenters import venue_cards
from directory.views.public import LIST_CACHE_PARAMETERS, _page, cache_public_page

# Ten cards: the first view stays light on a phone (tests/test_embed.py weighs it).
WIDGET_PAGE_SIZE = 10
WIDGET_CACHE_PARAMETERS = LIST_CACHE_PARAMETERS | {"palette", "cle"}
# What the widget passes on to the full site's list (« Voir tous les lieux »): the search, not
# the widget's own settings (palette) nor the partner's key.
OWN_PARAMETERS = {"palette", "cle", "page"}


def _palette(request) -> tuple[str, str]:
    name = request.GET.get("palette") or embed.DEFAULT_PALETTE
    if name in embed.PALETTES:
        return name, ""
    return embed.DEFAULT_PALETTE, _("Palette inconnue : les couleurs par défaut sont utilisées.")


def _frame(response, palette: str, key=None):
    """The widget's own headers: framed by anyone (or the key's sites), its inlined stylesheet
    allowed by hash, no X-Frame-Options, no cookie."""
    response["Content-Security-Policy"] = content_security_policy(
        embed.widget_stylesheet(palette)[1], partners.frame_ancestors(key)
    )
    response.xframe_options_exempt = True
    for name in list(response.cookies):
        del response.cookies[name]
    return response


def _widget_error(request, status: int, message: str, palette: str):
    css, _hash = embed.widget_stylesheet(palette)
    context = {"message": message, "palette": palette, "WIDGET_CSS": css}
    return render(request, "directory/embed/widget_error.html", context, status=status)


def _territory(request, filterset) -> tuple[embed.Territory | None, str]:
    """The widget's one territory, with its name, or a French message saying what is wrong."""
    given = [name for name in embed.TERRITORY_PARAMETERS if request.GET.get(name)]
    if len(given) != 1:
        return None, _(
            "Territoire manquant : l'adresse du widget doit indiquer une commune, une intercommunalité "
            "ou un département (un seul). Créez-la sur la page « Intégrer l'annuaire »."
        )
    kind = given[0]
    if filterset.errors.get(kind):
        return None, _("Territoire inconnu : %(code)s.") % {"code": request.GET[kind][:20]}
    # The filter read the territory's row (an unknown code is one of its errors, above).
    row = filterset.form.cleaned_data[kind]
    return embed.Territory(kind, row.pk, row.name), ""


@cache_public_page(parameters=WIDGET_CACHE_PARAMETERS)
def _widget_page(request):
    palette, palette_notice = _palette(request)
    today = timezone.localdate()
    filterset = VenueFilter(request.GET, queryset=Venue.objects.public(), today=today, now=timezone.now())
    territory, problem = _territory(request, filterset)
    if territory is None:
        return _widget_error(request, 400, problem, palette)
    scenario = filterset.selected_scenario
    venues = with_page_prefetches(filterset.qs, scenario, today=today, cards_only=True)
    paginator = VenuePaginator(
        venues, WIDGET_PAGE_SIZE, count_limit=settings.DIRECTORY_COUNT_LIMIT, max_pages=settings.DIRECTORY_MAX_PAGES
    )
    page, page_notice = _page(request, paginator)
    page_venues = list(page.object_list)
    search = [(name, value) for name, value in request.GET.lists() if name not in OWN_PARAMETERS]
    search_query = urlencode([(name, value) for name, values in search for value in values])
    cards = venue_cards(
        page_venues,
        today=today,
        scenario=scenario,
        back_query=search_query,
        distance_attribute="place_km" if filterset.place else None,
        new_tab=True,
    )
    kept = QueryDict(mutable=True)
    for name in (territory.kind, "canal", "palette", "cle"):
        kept.setlist(name, request.GET.getlist(name))
    notices = [message for message in (palette_notice, page_notice) if message]
    css, _hash = embed.widget_stylesheet(palette)
    return render(
        request,
        "directory/embed/widget.html",
        {
            "territory": territory,
            "palette": palette,
            "WIDGET_CSS": css,
            "form": filterset.form,
            "errors": filterset.error_messages(),
            "notices": notices,
            "scenario": scenario,
            "scenarios": list(AccessScenario),
            "kinds": [ChannelKind(kind).label for kind in filterset.form.cleaned_data.get("canal") or ()],
            "hidden": [(name, value) for name, values in kept.lists() for value in values],
            "page_query": kept_query(request),
            "page_obj": page,
            "paginator": paginator,
            "cards": cards,
            "full_list_query": search_query,
            "show_search": territory.kind != "commune",
        },
    )


def kept_query(request) -> str:
    """The widget's query string without its page number (pagination links add theirs)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_safe
def widget(request):
    palette, _notice = _palette(request)
    key = None
    raw_key = request.GET.get("cle", "")
    if raw_key:
        decision = partners.check(request, raw_key, partners.WIDGET)
        if not decision.allowed:
            # Shown in any frame: the partner must be able to read why their page is empty.
            response = _widget_error(request, decision.status, decision.message, palette)
            if decision.status == 429:
                response["Retry-After"] = str(partners.seconds_until_tomorrow())
            return _frame(response, palette)
        key = decision.key
    return _frame(_widget_page(request), palette, key)


# --- /integrer/: the builder ---------------------------------------------------------------


def _selected_territory(request) -> tuple[embed.Territory | None, str]:
    value = request.GET.get("territoire", "")
    if not value:
        return None, ""
    kind, _sep, code = value.partition(":")
    territory = embed.territory_named(kind, code.strip())
    if territory is None:
        return None, _("Territoire inconnu : choisissez-le dans la liste après l'avoir cherché par son nom.")
    return territory, ""


def find_territories(text: str) -> list[dict]:
    """Communes, EPCIs and départements named so (the coverage page's look-up, without régions)."""
    found = [t for t in coverage.find_territories(text, None, limit=15) if t["level"] in embed.TERRITORY_PARAMETERS]
    return [{**t, "value": f"{t['level']}:{t['code']}"} for t in found[:10]]


@require_safe
def embed_builder(request):
    """« Intégrer l'annuaire »: a GET form (works without JavaScript) → the snippet and a preview."""
    errors = []
    text = (request.GET.get("q") or "").strip()[:100]
    territory, problem = _selected_territory(request)
    if problem:
        errors.append(problem)
    searching = "chercher" in request.GET or (text and territory is None)
    suggestions = find_territories(text) if text and searching else []
    if searching and text and not suggestions:
        errors.append(_("Aucun territoire ne porte ce nom. Essayez le début du nom, sans article, ou un code postal."))
    raw_scenario = request.GET.get("scenario", "")
    scenario = int(raw_scenario) if raw_scenario in {"1", "2", "3"} else None
    if raw_scenario and scenario is None:
        errors.append(_("Situation inconnue : choisissez 1, 2 ou 3."))
    kinds = [kind for kind in request.GET.getlist("canal") if kind in ChannelKind.values]
    if len(kinds) != len(request.GET.getlist("canal")):
        errors.append(_("Moyen de contact inconnu : il a été retiré."))
    palette = request.GET.get("palette") or embed.DEFAULT_PALETTE
    if palette not in embed.PALETTES:
        errors.append(_("Palette inconnue : les couleurs par défaut sont utilisées."))
        palette = embed.DEFAULT_PALETTE
    key = (request.GET.get("cle") or "").strip()
    if key and not partners.RAW_KEY_RE.match(key):
        errors.append(_("Clé partenaire mal formée : elle commence par « gll_ ». Elle a été retirée."))
        key = ""
    built = None
    if territory is not None and not searching:
        path = embed.widget_path(territory, scenario, kinds, palette, key)
        built = {"path": path, "url": request.build_absolute_uri(path), "snippet": embed.snippet(territory, path)}
    elif "creer" in request.GET and territory is None and not problem:
        errors.append(_("Choisissez d'abord un territoire : cherchez-le par son nom."))
    return render(
        request,
        "directory/embed/builder.html",
        {
            "errors": errors,
            # Once a territory is chosen, the box is empty again: Enter then builds, not searches.
            "text": text if searching else "",
            "suggestions": suggestions,
            "searching": searching,
            "territory": territory,
            "scenario": scenario,
            "scenarios": list(AccessScenario),
            "kinds": kinds,
            "kind_choices": ChannelKind.choices,
            "palette": palette,
            "palettes": [(name, str(p.label)) for name, p in embed.PALETTES.items()],
            "key": key,
            "built": built,
        },
    )
