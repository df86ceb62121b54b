"""Taking a venue away: send it (SMS, e-mail, WhatsApp, link), print it (A4 or A5), hand a
resident an orientation slip, keep a list of venues on the device.

Nothing here is stored on the server: the slip's note travels in the POST that renders the
print page, the favourites live in the browser (``static/js/favourites.js``) and come back as
``?lieu=`` parameters.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from directory import hours
from directory.enums import AccessScenario, ChannelKind, VenueStatus
from directory.models import ClosurePeriod, Venue
from directory.share import SMS_MAX_SEPTETS, contact_number, venue_message
from directory.sms import gsm7
from directory.text import french_sort_key
from directory.views.printing import qr_svg, status_lines
from directory.views.public import cache_public_page

# A slip or a favourites list names a handful of venues: more is a mistake or an abuse.
MAX_LISTED = 12
NOTE_MAX_LENGTH = 600
PAPER_FORMATS = {"a4": "A4", "a5": "A5"}


def _scenario(request) -> tuple[int | None, str]:
    raw = request.GET.get("scenario", "") or request.POST.get("scenario", "")
    if raw in {"1", "2", "3"}:
        return int(raw), ""
    return None, (_("Situation inconnue : choisissez 1, 2 ou 3.") if raw else "")


def _venues(today):
    return Venue.objects.public().prefetch_related(
        "channels",
        Prefetch(
            "closures",
            queryset=ClosurePeriod.objects.current_or_upcoming(today).prefetch_related("open_channels"),
        ),
    )


def channels_by_scenario(venue, today, scenario: int | None):
    """[(AccessScenario, [channel])] of the channels usable in ``scenario`` (all without one)
    that work ``today`` (the one closure rule, ``ClosurePeriod.keeps_working``)."""
    channels = venue.channels_working_on(today)
    groups: dict[int, list] = {}
    for channel in sorted(channels, key=lambda c: (c.scenario, c.position, c.pk)):
        if scenario is None or channel.usable_in(scenario):
            groups.setdefault(channel.scenario, []).append(channel)
    return [(AccessScenario(value), items) for value, items in sorted(groups.items())]


@require_GET
@cache_public_page
def venue_share(request, slug):
    today = timezone.localdate()
    venue = get_object_or_404(_venues(today), slug=slug)
    scenario, scenario_error = _scenario(request)
    message = venue_message(venue, today=today, scenario=scenario)
    return render(
        request,
        "directory/share/venue_share.html",
        {
            "venue": venue,
            "message": message,
            "scenario": AccessScenario(scenario) if scenario else None,
            "scenario_error": scenario_error,
            "scenarios": list(AccessScenario),
        },
    )


@require_GET
@cache_public_page
def venue_print(request, slug):
    today = timezone.localdate()
    venue = get_object_or_404(_venues(today), slug=slug)
    scenario, scenario_error = _scenario(request)
    paper = request.GET.get("format", "a4").lower()
    if paper not in PAPER_FORMATS:
        paper = "a4"
    headline, detail = status_lines(venue, today)
    status = venue.status_on(today)
    url = settings.SITE_URL + venue.get_absolute_url()
    groups = channels_by_scenario(venue, today, scenario)
    return render(
        request,
        "directory/share/venue_print.html",
        {
            "venue": venue,
            "paper": paper,
            "paper_label": PAPER_FORMATS[paper],
            "scenario": AccessScenario(scenario) if scenario else None,
            "scenario_error": scenario_error,
            "scenarios": list(AccessScenario),
            "headline": headline,
            "detail": " ".join(detail.split())[:300],
            "closed": status != VenueStatus.OPEN,
            "groups": groups,
            "channel_count": sum(len(items) for _s, items in groups),
            "week": hours.week(venue.opening_hours, today, venue.commune_id) if status == VenueStatus.OPEN else [],
            "url": url,
            "qr": qr_svg(url, _("QR code vers la fiche du lieu : %(url)s") % {"url": url}),
            "printed_on": today,
            "sms_lookup_number": settings.SMS_LOOKUP_NUMBER,
        },
    )


def _listed_venues(slugs, today):
    """The venues named by ``slugs`` (unknown ones ignored), in the order given, at most
    MAX_LISTED, with what a list line shows."""
    wanted = []
    for slug in slugs:
        slug = slug.strip()
        if slug and slug not in wanted and len(slug) <= 80:
            wanted.append(slug)
    wanted = wanted[:MAX_LISTED]
    found = {v.slug: v for v in _venues(today).filter(slug__in=wanted)} if wanted else {}
    entries = []
    for slug in wanted:
        venue = found.get(slug)
        if venue is None:
            continue
        headline, _detail = status_lines(venue, today)
        phones = [
            c
            for c in sorted(venue.channels.all(), key=lambda c: (c.position, c.pk))
            if c.kind in (ChannelKind.PHONE, ChannelKind.SMS)
        ]
        entries.append({"venue": venue, "headline": headline, "phones": phones[:2]})
    return entries, len(wanted) - len(entries)


def _list_sms(entries, today) -> str:
    """An SMS of the whole list: name and number of each, GSM-7, within two segments."""
    lines = []
    for entry in entries:
        number = contact_number(entry["venue"], today)
        line = entry["venue"].name[:45] + (f" {number[0]} {number[1]}" if number else "")
        lines.append(line)
    return gsm7.truncate(gsm7.to_gsm7("\n".join(lines)), SMS_MAX_SEPTETS)


def _slip_search(text: str):
    """Up to 10 venues whose name or place matches ``text``, for the slip's « Ajouter » list."""
    text = (text or "").strip()[:100]
    if len(text) < 2:
        return []
    found = list(Venue.objects.public().search(text).order_by("sort_name", "pk")[:10])
    return sorted(found, key=lambda v: french_sort_key(v.name))


def orientation_slip(request):
    """GET: the mediator's form (venues chosen, a note). POST: the printable slip, rendered
    from the form's data and forgotten (nothing is saved, nothing is logged)."""
    today = timezone.localdate()
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    data = request.POST if request.method == "POST" else request.GET
    slugs = data.getlist("lieu")
    entries, unknown = _listed_venues(slugs, today)
    note = (data.get("note") or "").strip()
    errors = []
    if len(note) > NOTE_MAX_LENGTH:
        errors.append(
            _("La note est trop longue (%(count)d caractères) : %(max)d au plus.")
            % {"count": len(note), "max": NOTE_MAX_LENGTH}
        )
    if unknown:
        errors.append(_("Un lieu demandé n'existe plus : il a été retiré de la fiche."))
    if request.method == "POST" and not errors:
        if not entries:
            errors.append(_("Choisissez au moins un lieu avant d'imprimer la fiche."))
        else:
            return render(
                request,
                "directory/share/slip_print.html",
                {
                    "entries": entries,
                    "note": note,
                    "mediator": (data.get("mediateur") or "").strip()[:120],
                    "printed_on": today,
                    "site_url": settings.SITE_URL,
                    "sms_lookup_number": settings.SMS_LOOKUP_NUMBER,
                },
            )
    query = (request.GET.get("q") or "").strip()
    chosen = {e["venue"].slug for e in entries}
    return render(
        request,
        "directory/share/slip_form.html",
        {
            "entries": entries,
            "note": note,
            "mediator": (data.get("mediateur") or "").strip()[:120],
            "errors": errors,
            "query": query[:100],
            "results": [v for v in _slip_search(query) if v.slug not in chosen],
            "note_max_length": NOTE_MAX_LENGTH,
            "max_listed": MAX_LISTED,
        },
        status=400 if errors and request.method == "POST" else 200,
    )


@require_GET
def favourites(request):
    """The list kept in the browser comes here as ``?lieu=a&lieu=b``: printable, sendable.
    Without JavaScript (or with an empty list) the page says how to add venues."""
    today = timezone.localdate()
    entries, unknown = _listed_venues(request.GET.getlist("lieu"), today)
    return render(
        request,
        "directory/share/favourites.html",
        {
            "entries": entries,
            "unknown": unknown,
            "list_sms_href": "sms:?&body=" + quote(_list_sms(entries, today), safe="") if entries else "",
            "max_listed": MAX_LISTED,
        },
    )
