"""« Garder hors ligne »: what a mediator's phone keeps of one territory (issue 19).

A **pack** is the JSON the service worker (``templates/directory/offline/sw.js``) reads when a
mediator chooses « Garder hors ligne » for a commune or an EPCI: the URLs to store (the list
pages of the territory for each scenario, every venue page serving it and its print page, the
territory's paper sheet, the offline pages, the CSS, JS and icons), the data date, and a compact
index of the venues that the offline search page (``static/js/offline-search.js``) filters when
there is no network. The worker stores exactly those URLs, in one Cache Storage cache per
territory (``CACHE_PREFIX`` + kind + code); nothing else is ever cached (docs/offline.md,
« Hors ligne sur le terrain »).

Queries are constant: the territory (one, plus its communes for an EPCI), the venues with their
explicit service-area communes as an array, their channels, their closures and the channels
those keep open: 5 for a commune, 6 for an EPCI.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch, prefetch_related_objects
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from directory import typography
from directory.enums import AccessScenario, ServiceArea
from directory.models import Channel, ClosurePeriod, Commune, Epci, Venue
from directory.presenters import _LineWriter
from directory.reachability import channel_usable_in
from directory.text import fold, french_sort_key
from directory.views.printing import COMMUNE_CODE, EPCI_CODE, status_lines

# Above this, a pack would take minutes to store on a phone on a rural network, and a list of
# that many venues is no use offline: the mediator is asked to keep a commune instead.
MAX_VENUES = 300
# Cache Storage names: « gll-hors-ligne-commune-59586 », « gll-hors-ligne-epci-200041960 ».
CACHE_PREFIX = "gll-hors-ligne-"
KINDS = ("commune", "epci")
# What the worker never stores nor answers, whatever a pack says: pages of signed-in people and
# personal pages. The admin is not named (its configurable path must not be published in
# /sw.js): no pack lists it, and the worker stores no response marked ``private`` or
# ``no-store``, which every admin page is (``never_cache``).
NEVER_CACHED = ("/mon-lieu/", "/compte/", "/gestion/", "/api/", "/i18n/")
# Static files the kept pages load: the print and share stylesheets, the scripts, the icons.
STATIC_FILES = (
    "css/print.css",
    "css/share-print.css",
    "js/offline.js",
    "js/offline-search.js",
    "js/print.js",
    "js/share.js",
    "js/directory.js",
    "icons/icon.svg",
    "icons/icon-192.png",
)


class PackError(Exception):
    """A pack that cannot be built: ``status`` and a French ``message`` for the mediator."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Territory:
    kind: str  # "commune" or "epci"
    code: str
    name: str
    communes: list  # Commune instances (code, name, postal_codes, epci_id, departement_id)

    @property
    def kind_label(self) -> str:
        return _("Commune") if self.kind == "commune" else _("Intercommunalité")

    @property
    def list_parameter(self) -> str:
        return "commune" if self.kind == "commune" else "epci"


def cache_name(kind: str, code: str) -> str:
    return f"{CACHE_PREFIX}{kind}-{code}"


def words(text: str) -> str:
    """Folded words only (« Templeuve-en-Pévèle » → « templeuve en pevele »): the form the
    offline search compares, the same as its JavaScript ``fold``."""
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def data_date_label(day: datetime.date) -> str:
    """« données du 30 novembre » (with the year when it is not this year's)."""
    this_year = timezone.localdate().year
    date = formats.date_format(day, "j F" if day.year == this_year else "j F Y")
    return _("données du %(date)s") % {"date": date}


def territory_of(kind: str, code: str) -> Territory:
    """The commune or EPCI of a pack, or ``PackError`` (404) with a French message."""
    code = (code or "").upper()
    if kind == "commune" and COMMUNE_CODE.match(code):
        commune = Commune.objects.filter(code=code).only("code", "name", "postal_codes", "epci_id", "departement_id")
        commune = commune.first()
        if commune is not None:
            return Territory("commune", commune.code, commune.name, [commune])
    elif kind == "epci" and EPCI_CODE.match(code):
        epci = Epci.objects.filter(code=code).only("code", "name").first()
        if epci is not None:
            communes = list(
                epci.communes.only("code", "name", "postal_codes", "epci_id", "departement_id").order_by("name")
            )
            return Territory("epci", epci.code, epci.name, communes)
    raise PackError(
        404,
        _(
            "Territoire inconnu : choisissez une commune (code INSEE, 5 caractères) ou une "
            "intercommunalité (SIREN, 9 chiffres) existante."
        ),
    )


def _typography():
    """French no-break spaces in the texts the offline pages show (the middleware only sees
    HTML, and these are written into the page by script)."""
    if settings.FRENCH_TYPOGRAPHY and (get_language() or "fr").startswith("fr"):
        return typography.fix_text
    return lambda text: text


def _serves(venue, communes) -> list[str]:
    """The codes of the territory's communes the venue serves (``VenueQuerySet.serving``'s
    branches, in Python on what is already read)."""
    home = venue.commune
    area = venue.service_area
    listed = set(venue.offline_area_codes or ())
    served = []
    for commune in communes:
        if (
            commune.code == home.code
            or (area == ServiceArea.EPCI and home.epci_id and commune.epci_id == home.epci_id)
            or (area == ServiceArea.DEPARTEMENT and commune.departement_id == home.departement_id)
            or (area == ServiceArea.COMMUNES and commune.code in listed)
        ):
            served.append(commune.code)
    return served


def _venue_entry(venue, communes, today, writer, shown) -> dict:
    headline, detail = status_lines(venue, today)
    channels = sorted(venue.working_channels(today), key=lambda c: (c.scenario, c.position, c.pk))
    lines = []
    for channel in channels:
        line = writer.line_of(channel.kind, channel.value, channel.label, channel.availability)
        lines.append(
            {
                "kind": line.kind,
                "heading": shown(line.heading),
                "value": shown(line.value),
                "href": line.href or "",
                "availability": shown(line.availability),
                # The one rule of « usable in scenario s » (directory.reachability), worked out here
                # so the page's JavaScript does not repeat it.
                "scenarios": [s.value for s in AccessScenario if channel_usable_in(channel.kind, channel.scenario, s)],
            }
        )
    commune = venue.commune
    return {
        "name": venue.name,
        "url": venue.get_absolute_url(),
        "commune": commune.name,
        "commune_code": commune.code,
        "postal_code": venue.postal_code,
        "address": venue.address,
        "closed": venue.current_closure(today) is not None,
        "status": shown(str(headline)),
        "detail": shown(str(detail)),
        "serves": _serves(venue, communes),
        "scenarios": sorted({s for line in lines for s in line["scenarios"]}),
        "words": words(f"{venue.name} {commune.name} {venue.postal_code} {venue.address}"),
        "channels": lines,
    }


def _venues(territory: Territory, today: datetime.date) -> list:
    codes = [c.code for c in territory.communes]
    listed = Venue.service_area_communes.through.objects.filter(venue_id=OuterRef("pk")).values("commune_id")
    venues = list(
        Venue.objects.serving_any(Commune.objects.filter(code__in=codes))
        .not_permanently_closed(today)
        .select_related("commune")
        .annotate(offline_area_codes=ArraySubquery(listed))
        .order_by("commune__name", "name", "pk")[: MAX_VENUES + 1]
    )
    if len(venues) > MAX_VENUES:
        if territory.kind == "epci":
            message = _(
                "Cette intercommunalité compte plus de %(max)d lieux : trop pour un téléphone. "
                "Gardez plutôt une commune (cherchez-la dans l'annuaire, puis « Garder hors ligne »)."
            )
        else:
            message = _(
                "Cette commune compte plus de %(max)d lieux : trop pour un téléphone. Imprimez plutôt sa fiche papier."
            )
        # 422: the request is understood, this territory cannot be kept.
        raise PackError(422, message % {"max": MAX_VENUES})
    prefetch_related_objects(
        venues,
        Prefetch("channels", queryset=Channel.objects.order_by("scenario", "position", "pk")),
        Prefetch(
            "closures",
            queryset=ClosurePeriod.objects.current_or_upcoming(today).prefetch_related("open_channels"),
        ),
    )
    venues.sort(key=lambda v: (french_sort_key(v.commune.name), french_sort_key(v.name), v.pk))
    return venues


def pack_urls(territory: Territory, venues) -> list[str]:
    """Every URL the worker stores for the territory, each once, in a stable order."""
    parameter = territory.list_parameter
    list_url = reverse("directory:venue_list")
    urls = [f"{list_url}?{parameter}={territory.code}"]
    urls += [f"{list_url}?{parameter}={territory.code}&scenario={s.value}" for s in AccessScenario]
    urls.append(reverse("directory:territory_sheet", kwargs={"code": territory.code}))
    for venue in venues:
        urls.append(venue.get_absolute_url())
        urls.append(reverse("directory:venue_print", kwargs={"slug": venue.slug}))
    urls += [reverse("directory:offline_kept"), reverse("directory:offline_search")]
    urls += [static(path) for path in STATIC_FILES]
    return list(dict.fromkeys(urls))


def build_pack(kind: str, code: str, *, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    if kind not in KINDS:
        raise PackError(404, _("Territoire inconnu : « commune » ou « epci » attendu."))
    territory = territory_of(kind, code)
    venues = _venues(territory, today)
    writer = _LineWriter()
    shown = _typography()
    date_label = shown(data_date_label(today))
    return {
        "version": 1,
        "kind": territory.kind,
        "code": territory.code,
        "name": territory.name,
        "kind_label": str(territory.kind_label),
        "cache": cache_name(territory.kind, territory.code),
        "generated_at": now.isoformat(),
        "date": today.isoformat(),
        "date_label": date_label,
        "banner": shown(_("Hors ligne — %(date)s") % {"date": date_label}),
        "list_url": f"{reverse('directory:venue_list')}?{territory.list_parameter}={territory.code}",
        "sheet_url": reverse("directory:territory_sheet", kwargs={"code": territory.code}),
        "urls": pack_urls(territory, venues),
        "communes": [
            {
                "code": c.code,
                "name": c.name,
                "postal_codes": list(c.postal_codes or ()),
                "epci": c.epci_id or "",
                "words": words(c.name),
            }
            for c in territory.communes
        ],
        "venues": [_venue_entry(venue, territory.communes, today, writer, shown) for venue in venues],
    }
