"""« Garder hors ligne » (issue 19): the service worker, the web app manifest, the pack of a
territory, the page of kept territories and the offline search page.

Everything here is a progressive enhancement: the « Garder hors ligne » buttons are hidden
until ``static/js/offline.js`` finds service workers and Cache Storage; without JavaScript the
paper sheet, the SMS look-up and the favourites remain (docs/offline.md).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from directory import offline
from directory.enums import AccessScenario

# A browser checks its service worker for updates at most once a day unless told otherwise;
# no-cache makes each check ask the server, so a new worker ships with the next visit.
NO_CACHE = "no-cache"
# A kept page is shown when the network has not answered within this time (a signal too weak
# to load anything); pages not kept wait for the browser's own time-out.
NAVIGATION_TIMEOUT_SECONDS = 8


def _no_cache(response):
    response["Cache-Control"] = NO_CACHE
    return response


@require_GET
def pack(request, kind, code):
    """The JSON the worker stores for one territory (``directory.offline.build_pack``); a French
    ``{"error": …}`` with 404 (unknown territory) or 422 (too many venues)."""
    try:
        data = offline.build_pack(kind, code)
    except offline.PackError as error:
        response = JsonResponse({"error": error.message}, status=error.status)
    else:
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})
    return _no_cache(response)


def _worker_config() -> dict:
    return {
        "cachePrefix": offline.CACHE_PREFIX,
        # KIND and CODE are replaced by the worker (the cache name says which).
        "packUrl": reverse("directory:offline_pack", kwargs={"kind": "KIND", "code": "CODE"}),
        "keptUrl": reverse("directory:offline_kept"),
        "searchUrl": reverse("directory:offline_search"),
        "listUrl": reverse("directory:venue_list"),
        "staticUrl": settings.STATIC_URL,
        "never": list(offline.NEVER_CACHED),
        "navigationTimeout": int(NAVIGATION_TIMEOUT_SECONDS * 1000),
        "messages": {
            "network": _("Pas de réseau : réessayez quand le téléphone capte."),
            "failed": _("L'enregistrement hors ligne a échoué : réessayez plus tard."),
            "notKept": _("Hors ligne — cette page n'a pas été gardée. Voici les territoires gardés sur ce téléphone."),
        },
    }


@require_GET
def service_worker(request):
    """``/sw.js``: at the root so its scope is the whole site, in the language of the page that
    registered it (``?langue=``): the browser fetches the script with its own preferences, which
    need not be the page's."""
    language = request.GET.get("langue", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        config = json.dumps(_worker_config(), ensure_ascii=False, indent=2)
        response = render(request, "directory/offline/sw.js", {"config": config}, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    return _no_cache(response)


@require_GET
def manifest(request):
    """``/manifest.webmanifest``: the site can be added to the home screen (not required)."""
    data = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME,
        "description": _("Trouver comment joindre un lieu de médiation numérique, même sans internet."),
        "lang": "fr",
        "start_url": reverse("directory:home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": "#0b3d75",
        "background_color": "#ffffff",
        "icons": [
            {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/manifest+json; charset=utf-8"
    )
    return _no_cache(response)


@require_GET
def kept(request):
    """``/hors-ligne/``: the territories kept on this device (read from Cache Storage by
    ``static/js/offline.js``), with « Mettre à jour » and « Retirer ». Without JavaScript, what
    to use instead."""
    return render(
        request,
        "directory/offline/kept.html",
        {"scenarios": list(AccessScenario), "cache_prefix": offline.CACHE_PREFIX, "config": _worker_config()},
    )


@require_GET
def search(request):
    """``/hors-ligne/recherche/``: the search of kept territories. The worker answers an
    offline ``/lieux/?…`` with this page (kept in every pack); ``static/js/offline-search.js``
    reads the query from the address and filters the packs' venue index."""
    return render(
        request,
        "directory/offline/search.html",
        {"scenarios": list(AccessScenario), "config": _worker_config()},
    )
