"""Paper for residents without internet: the door poster of a venue and the sheet of a
territory (commune or EPCI) left at the mairie, the pharmacy or La Poste.

Both are standalone A4 layouts (templates/directory/print/, static/css/print.css) printed from
any browser. The poster is also the venue's signage channel: ``signage_text`` is its plain-text
summary, published as the SIGNAGE channel by a POST on the poster page.
"""

from __future__ import annotations

import datetime
import re

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import actions, enums, hours
from directory.channels import MAX_TEXT_LENGTH, OFFLINE_KINDS, display_phone, get_kind
from directory.models import Channel, ClosurePeriod, Commune, Epci, Venue
from directory.text import french_sort_key

Kind = enums.ChannelKind
# Offline channels in the order residents without internet should try them.
OFFLINE_ORDER = [Kind.PHONE, Kind.SMS, Kind.IN_PERSON, Kind.POST]
SHEET_KINDS = [Kind.PHONE, Kind.SMS, Kind.IN_PERSON, Kind.POST]
# Beyond these, a poster would spill onto a second page: the QR code leads to the rest.
POSTER_MAX_OFFLINE = 5
POSTER_MAX_ONLINE = 6
# The label that marks the signage channel this page maintains (stored in French).
SIGNAGE_LABEL = gettext_lazy("Affiche pour la porte")

COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
EPCI_CODE = re.compile(r"^\d{9}$")


def _closures_prefetch(today):
    return Prefetch(
        "closures",
        queryset=ClosurePeriod.objects.current_or_upcoming(today).prefetch_related("open_channels"),
    )


def _long_date(day: datetime.date) -> str:
    return formats.date_format(day, "j F Y")


def status_lines(venue, today) -> tuple[str, str]:
    """(headline, detail) of the venue's status, in words (never colour alone). The headline is
    the one status function's (``Venue.status_at``), in the form that holds all day on paper."""
    status = hours.day_status(venue, today)
    if status.state == hours.State.GONE:
        return status.printed, ""
    if status.state == hours.State.PAUSED:
        return status.printed, status.closure.public_message
    upcoming = venue.upcoming_closures(today)
    if upcoming and upcoming[0].starts_on <= today + datetime.timedelta(days=60):
        nxt = upcoming[0]
        detail = (
            _("Fermeture prévue du %(start)s au %(end)s.")
            % {"start": _long_date(nxt.starts_on), "end": _long_date(nxt.ends_on)}
            if nxt.ends_on
            else _("Fermeture prévue à partir du %(start)s.") % {"start": _long_date(nxt.starts_on)}
        )
        return status.printed, detail
    return status.printed, ""


def offline_channels(venue, today) -> tuple[list, bool]:
    """Channels that need no internet, phone first. During a closure, only those that still
    work (the one rule: ``ClosurePeriod.keeps_working``; second value True)."""
    channels = [c for c in venue.channels_working_on(today) if c.kind in OFFLINE_ORDER]
    during_closure = venue.current_closure(today) is not None
    channels.sort(key=lambda c: (OFFLINE_ORDER.index(c.kind), c.position, c.pk))
    return channels, during_closure


def online_channels(venue) -> list:
    return [c for c in venue.channels.all() if c.kind not in OFFLINE_KINDS]


# Online channels a passer-by joins from paper: each gets its own QR code and short address.
QR_KINDS = (Kind.WHATSAPP, Kind.FACEBOOK, Kind.VIDEO_CLASS)
POSTER_MAX_QR = 3


def needs_qr(channel) -> bool:
    if channel.kind == Kind.WHATSAPP:
        return channel.value.startswith("https://")  # a group invitation, not a number
    return channel.kind in QR_KINDS


def short_address(url: str, limit: int = 40) -> str:
    """``https://www.facebook.com/groups/entraide`` → ``facebook.com/groups/entraide``: what
    fits on a line and can be typed."""
    text = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
    return _shorten(text, limit)


def qr_entry(channel) -> dict:
    titles = {
        Kind.WHATSAPP: _("Groupe WhatsApp"),
        Kind.FACEBOOK: _("Facebook"),
        Kind.VIDEO_CLASS: _("Classe en visio"),
    }
    title = channel.label or titles[channel.kind]
    return {
        "channel": channel,
        "title": title,
        "address": short_address(channel.value),
        "qr": qr_svg(channel.value, _("QR code : %(title)s, %(url)s") % {"title": title, "url": channel.value}),
    }


def nearest_open_alternative(venue, today):
    """The closest venue open today (by straight line; without coordinates, one serving the same
    commune), with its phone and SMS channels: what a closed venue's poster points to."""
    candidates = (
        Venue.objects.open_on(today)
        .exclude(pk=venue.pk)
        .select_related("commune")
        .prefetch_related(Prefetch("channels", queryset=Channel.objects.filter(kind__in=[Kind.PHONE, Kind.SMS])))
    )
    if venue.latitude is not None and venue.longitude is not None:
        # A mobile venue by its nearest stop; the KNN index for the others (``nearest``).
        point = (venue.latitude, venue.longitude)
        return next(iter(candidates.near(*point).nearest(point, 1)), None)
    return candidates.serving(venue.commune).order_by("sort_name", "pk").first()


def message_size(detail: str) -> str:
    """The status and the closure message share the largest type; a longer message gets a
    smaller one so that it still fits (the numbers never get bigger than it)."""
    if len(detail) <= 90:
        return "message-short"
    if len(detail) <= 180:
        return "message-medium"
    return "message-long"


def qr_svg(url: str, label: str) -> str:
    """Inline SVG of a QR code: no style attribute (the CSP forbids them); size set by CSS."""
    svg = segno.make(url, error="m").svg_inline(omitsize=True, svgclass="qr-code", lineclass="qr-line", border=2)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" focusable="false" ', 1)
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703  (segno's own markup, label escaped above)


def _shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def signage_text(venue, today: datetime.date | None = None) -> str:
    """The poster in plain text (status, then offline contacts), at most MAX_TEXT_LENGTH
    characters: the value of the venue's signage channel."""
    # Stored as channel data that every resident reads: in the site's language, not in the
    # language of the mediator's browser that publishes it.
    with translation.override(settings.LANGUAGE_CODE):
        return _signage_text(venue, today)


def _signage_text(venue, today: datetime.date | None) -> str:
    today = today or timezone.localdate()
    headline, detail = status_lines(venue, today)
    parts = [_("Affiche à l'entrée : %(status)s.") % {"status": headline}]
    if detail:
        parts.append(_shorten(detail, 160))
    channels, _during = offline_channels(venue, today)
    for channel in channels:
        item = f"{channel.kind_spec.label} : {_shorten(channel.display_value, 120)}"
        if channel.availability:
            item += f" ({_shorten(channel.availability, 60)})"
        parts.append(item + ".")
    text = ""
    for part in parts:
        candidate = f"{text} {part}".strip()
        if len(candidate) > MAX_TEXT_LENGTH:
            break
        text = candidate
    return text


def _density(
    offline, online_count: int, week_rows: int, detail: str, name: str, groups: int = 0, extra: int = 0
) -> str:
    """A class picked from how much the poster holds (in rough lines of large type), so one
    A4 page always suffices; the print CSS shrinks type step by step. The closure message is
    counted at its own size (``message_size``: about 22, 28 or 38 characters a line)."""
    load = sum(
        2 + len(c.display_value) // 50 + bool(c.availability) + len(c.availability) // 60 + bool(c.label)
        for c in offline
    )
    per_line = {"message-short": 22, "message-medium": 28, "message-long": 38}[message_size(detail)]
    load += (online_count + 1) // 2 + (4 if week_rows else 0) + (1 if len(name) > 45 else 0)
    load += (len(detail) + per_line - 1) // per_line * 3 // 2
    # A row of QR codes takes about seven lines of large type; the alternative and the SMS line five and one.
    load += (7 if groups else 0) + extra
    if load <= 9:
        return "density-low"
    if load <= 15:
        return "density-medium"
    if load <= 22:
        return "density-high"
    return "density-max"


def venue_poster(request, slug):
    today = timezone.localdate()
    venue = get_object_or_404(Venue.objects.public().prefetch_related("channels", _closures_prefetch(today)), slug=slug)
    if request.method == "POST":
        return _publish_signage(request, venue, today)
    headline, detail = status_lines(venue, today)
    detail = _shorten(detail, 300)
    offline, during_closure = offline_channels(venue, today)
    online_all = online_channels(venue)
    with_qr = [c for c in online_all if needs_qr(c)]
    online = [c for c in online_all if not needs_qr(c)]
    status = venue.status_on(today)
    week = hours.week(venue.opening_hours, today, venue.commune_id) if status == enums.VenueStatus.OPEN else []
    url = settings.SITE_URL + venue.get_absolute_url()
    alternative = nearest_open_alternative(venue, today) if status != enums.VenueStatus.OPEN else None
    context = {
        "groups": [qr_entry(c) for c in with_qr[:POSTER_MAX_QR]],
        "groups_more": max(0, len(with_qr) - POSTER_MAX_QR),
        "alternative": alternative,
        "sms_lookup": display_phone(settings.SMS_LOOKUP_NUMBER) if settings.SMS_LOOKUP_NUMBER else "",
        "message_size": message_size(detail),
        "venue": venue,
        "status": status,
        "headline": headline,
        "detail": detail,
        "offline": offline[:POSTER_MAX_OFFLINE],
        "offline_more": max(0, len(offline) - POSTER_MAX_OFFLINE),
        "during_closure": during_closure,
        "online": online[:POSTER_MAX_ONLINE],
        "online_more": max(0, len(online) - POSTER_MAX_ONLINE),
        "week": week,
        "url": url,
        "url_short": short_address(url, 60),
        "qr": qr_svg(url, _("QR code vers la fiche du lieu : %(url)s") % {"url": url}),
        "printed_on": today,
        "density": _density(
            offline[:POSTER_MAX_OFFLINE],
            min(len(online), POSTER_MAX_ONLINE),
            len(week),
            detail,
            venue.name,
            groups=min(len(with_qr), POSTER_MAX_QR),
            extra=bool(alternative) * 5 + bool(settings.SMS_LOOKUP_NUMBER),
        ),
        "name_size": "name-long" if len(venue.name) > 45 else "name-short",
        "can_edit": venue.can_edit(request.user),
        "signage_preview": signage_text(venue, today),
    }
    return render(request, "directory/print/poster.html", context)


def _publish_signage(request, venue, today):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not venue.can_edit(request.user):
        raise PermissionDenied(_("Vous ne pouvez pas modifier ce lieu."))
    text = signage_text(venue, today)
    spec = get_kind(Kind.SIGNAGE)
    try:
        value = spec.normalise(text)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("directory:venue_poster", slug=venue.slug)
    with translation.override("fr"):
        label = str(SIGNAGE_LABEL)
    actions.publish_signage(venue, request.user, value=value, label=label)
    messages.success(request, _("Le texte de l'affiche est publié comme canal « Affichage à l'entrée » du lieu."))
    return redirect("directory:venue_poster", slug=venue.slug)


def _sheet_entry(venue, today):
    headline, detail = status_lines(venue, today)
    # What works today: the shared rule (directory.reachability), closures included.
    channels = [c for c in venue.working_channels(today) if c.kind in SHEET_KINDS]
    closure = venue.current_closure(today)
    channels.sort(key=lambda c: (SHEET_KINDS.index(c.kind), c.position, c.pk))
    return {
        "venue": venue,
        "closed": closure is not None,
        "headline": headline,
        "detail": _shorten(detail, 140),
        "channels": channels,
    }


def territory_sheet(request, code):
    code = code.upper()
    today = timezone.localdate()
    if EPCI_CODE.match(code):
        territory = get_object_or_404(Epci, code=code)
        territory_communes = territory.communes.all()
        communes = list(territory_communes.select_related("departement").order_by("name"))
        kind_label = _("Intercommunalité")
    elif COMMUNE_CODE.match(code):
        territory = get_object_or_404(Commune.objects.select_related("departement"), code=code)
        communes = [territory]
        territory_communes = Commune.objects.filter(code=territory.code)
        kind_label = _("Commune")
    else:
        raise Http404(_("Code de territoire inconnu : indiquez un code INSEE de commune ou le SIREN d'un EPCI."))
    venues = []
    if communes:
        venues = list(
            Venue.objects.serving_any(territory_communes)
            .not_permanently_closed(today)
            .select_related("commune")
            .prefetch_related(
                Prefetch("channels", queryset=Channel.objects.filter(kind__in=SHEET_KINDS)),
                _closures_prefetch(today),
            )
            .order_by("commune__name", "sort_name", "pk")
        )
    departements = list({c.departement_id: c.departement for c in communes}.values())
    for departement in departements:
        departement.contact_display = display_phone(departement.contact_phone) if departement.contact_phone else ""
    # A sheet is for people without internet: a venue reachable only online (a WhatsApp group,
    # online replays) is no use on it, and is only counted.
    offline_venues = [v for v in venues if v.channels.all()]
    # French order (« Centre » before « CORIF », « Écoles » among the E), not the database's
    # byte order, whatever the server's collation.
    offline_venues.sort(key=lambda v: (french_sort_key(v.commune.name), french_sort_key(v.name), v.pk))
    context = {
        "territory": territory,
        "kind_label": kind_label,
        "entries": [_sheet_entry(v, today) for v in offline_venues],
        "online_only_count": len(venues) - len(offline_venues),
        "sms_lookup_number": settings.SMS_LOOKUP_NUMBER,
        "departements": [d for d in departements if d.contact_phone or d.contact_label],
        "printed_on": today,
        "site_url": settings.SITE_URL,
        "communes_count": len(communes),
        # « Garder hors ligne » on the sheet's toolbar (directory/offline.py).
        "keep_kind": "epci" if isinstance(territory, Epci) else "commune",
    }
    return render(request, "directory/print/sheet.html", context)
