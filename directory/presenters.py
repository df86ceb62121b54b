"""What a venue card, a channel line and a sheet's channel groups print, worked out once in
Python.

A list page shows 20 venue cards and about 100 channel lines. Rendered through the template
engine (one ``{% include %}`` per card and per channel, ``blocktranslate`` and property look-ups
for each), they took most of an uncached list request (``make bench``, the list measures in
state ``nocache``). Here each string is
built once, with the same translation ids the templates used; ``VenueCard`` and ``ChannelLine``
then print their own markup (``__html__``), every stored text escaped with ``html.escape``
(``tests/test_directory_pages.py::test_stored_markup_is_escaped_on_cards_and_sheet``).

    cards = venue_cards(page_venues, today=today, scenario=scenario, near=near)  # {{ card }}
    groups, lines_by_id = sheet_channels(venue.sheet_channels, scenario)
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from html import escape  # the stdlib one: Django's adds a lazy-string check and a SafeString per call
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import hours
from directory.channels import get_kind, host_of
from directory.enums import AccessScenario, ChannelKind
from directory.hours import State
from directory.models import ClosurePeriod
from directory.nearest import distance_words
from directory.text import fold

LONG_DATE = "l j F Y"  # « mardi 3 mars 2026 »


@dataclass(frozen=True, slots=True)
class ChannelLine:
    """One ``<li>`` of a channel list; ``{{ line }}`` in a template prints it (``__html__``),
    with every piece escaped. A channel that acts is one link saying what it does (« Appeler le
    03 53 01 10 07 », « Envoyer un SMS au … »; phone and SMS as buttons at least 44 px high); a
    label is shown only when it says more than the kind (« Accueil », not « SMS »)."""

    kind: str  # ChannelKind value, for the CSS class
    heading: str  # the label when it adds something (« Accueil »), or the kind for non-links (« Permanence sur place »)
    value: str  # the action (« Appeler le 03 53 01 00 00 ») or, for non-links, the text (« Place de la mairie »)
    href: str | None  # tel:, sms:, https://… or None for signage, drop-in, post
    external: bool  # an http(s) link: opened with rel="noopener noreferrer"
    availability: str

    def __html__(self) -> str:
        return self.html()

    def html(self, new_tab: bool = False) -> str:
        """``new_tab``: in the embedded widget, a web link opens a tab instead of the frame."""
        heading = f'<span class="channel-kind">{escape(self.heading)}</span> ' if self.heading else ""
        if self.href:
            rel = ' rel="noopener noreferrer"' if self.external else ""
            if self.external and new_tab:
                rel += ' target="_blank"'
            button = " action-button" if self.kind in BUTTON_KINDS else ""
            value = (
                f'<a class="channel-link action action-{escape(self.kind)}{button}" href="{escape(self.href)}"{rel}>'
                f"{escape(self.value)}</a>"
            )
        else:
            value = f'<span class="channel-value">{escape(self.value)}</span>'
        when = f' <span class="channel-when">({escape(self.availability)})</span>' if self.availability else ""
        return f'<li class="channel channel-{escape(self.kind)}">{heading}\n{value}{when}</li>\n'

    def __str__(self) -> str:
        # The template engine calls str() before escaping: hand it text already marked safe.
        return mark_safe(self.__html__())  # noqa: S308  # nosec B308 B703  (every piece escaped in __html__)


# Shown as large buttons (≥ 44 px): what residents without internet tap.
BUTTON_KINDS = (ChannelKind.PHONE, ChannelKind.SMS)

# What each kind of link does, in words (« %(value)s »: the number, address or site as read).
ACTIONS = {
    ChannelKind.PHONE: gettext_lazy("Appeler le %(value)s"),
    ChannelKind.SMS: gettext_lazy("Envoyer un SMS au %(value)s"),
    ChannelKind.WHATSAPP: gettext_lazy("Écrire sur WhatsApp"),
    ChannelKind.FACEBOOK: gettext_lazy("Voir sur Facebook"),
    ChannelKind.EMAIL: gettext_lazy("Écrire à %(value)s"),
    ChannelKind.WEBSITE: gettext_lazy("Aller sur le site %(value)s"),
    ChannelKind.VIDEO_STREAM: gettext_lazy("Regarder les vidéos"),
    ChannelKind.VIDEO_CLASS: gettext_lazy("Rejoindre la classe en visio"),
    ChannelKind.ONLINE_COURSE: gettext_lazy("Suivre la formation en ligne"),
}

# Labels that only repeat the kind (folded): « SMS — SMS : », « Site web — caf.fr : caf.fr ».
KIND_WORDS = {
    ChannelKind.PHONE: {"telephone", "tel", "numero", "appel", "appeler"},
    ChannelKind.SMS: {"sms", "texto", "message", "messages"},
    ChannelKind.EMAIL: {"email", "e mail", "courriel", "mail", "adresse e mail"},
    ChannelKind.WEBSITE: {"site", "site web", "site internet", "internet", "web"},
    ChannelKind.WHATSAPP: {"whatsapp"},
    ChannelKind.FACEBOOK: {"facebook", "page facebook", "groupe facebook"},
}


def label_adds_information(kind: str, kind_label: str, label: str, shown_value: str) -> bool:
    """False when the label only repeats the kind or the value (« SMS », « Site web », « caf.fr »)."""
    words = " ".join(re.findall(r"[a-z0-9]+", fold(label)))
    if not words:
        return False
    repeated = {" ".join(re.findall(r"[a-z0-9]+", fold(kind_label))), kind} | KIND_WORDS.get(kind, set())
    value_words = " ".join(re.findall(r"[a-z0-9]+", fold(shown_value)))
    return words not in repeated and words != value_words and words not in value_words.split(" ")


class _LineWriter:
    """Builds ChannelLines, looking each translation up once per page rather than per line."""

    def __init__(self):
        self.labels: dict[str, str] = {}
        self.actions: dict[str, str] = {}

    def line_of(self, kind: str, value: str, label: str, availability: str) -> ChannelLine:
        spec = get_kind(kind)
        kind_label = self.labels.get(kind)
        if kind_label is None:
            kind_label = self.labels[kind] = str(spec.label)
        shown = spec.display(value)
        href = spec.href(value)
        if kind == ChannelKind.WEBSITE and href:
            shown = host_of(href) or shown
        informative = label and label_adds_information(kind, kind_label, label, shown)
        if href:
            action = self.actions.get(kind)
            if action is None:
                action = self.actions[kind] = str(ACTIONS.get(kind, "%(value)s"))
            return ChannelLine(
                kind=kind,
                heading=f"{label} :" if informative else "",
                value=action % {"value": shown},
                href=href,
                external=href.startswith("http"),
                availability=availability,
            )
        heading = f"{kind_label} — {label} :" if informative else f"{kind_label} :"
        return ChannelLine(
            kind=kind, heading=heading, value=shown, href=None, external=False, availability=availability
        )


# French phone numbers as written in free text: « 03 53 01 10 07 », « 03.53.01.10.07 »,
# « 0353011007 », « +33 3 53 01 10 07 ».
PHONE_IN_TEXT = re.compile(r"(?<![\d+])(?:\+33[\s.]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")


def link_phone_numbers(text: str) -> str:
    """``text`` escaped, with every phone number written in it turned into a ``tel:`` link
    (closure messages: « appelez le 03 53 01 10 07 »). Returns safe HTML."""
    parts = []
    last = 0
    for match in PHONE_IN_TEXT.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group())
        number = "+33" + digits[2:] if digits.startswith("33") else "+33" + digits[1:]
        parts.append(escape(text[last : match.start()]))
        parts.append(f'<a class="channel-link" href="tel:{number}">{escape(match.group())}</a>')
        last = match.end()
    parts.append(escape((text or "")[last:]))
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703  (every piece escaped above)


@dataclass(frozen=True, slots=True)
class StatusLine:
    state: str  # hours.State: "open", "closed", "unknown", "paused", "gone": the CSS class
    text: str  # in bold: « Ouvert · jusqu'à 12 h », « Fermé temporairement jusqu'au 21 décembre »
    note: str  # after the bold text: « — fermeture prévue du … au … »
    message: str  # the mediator's message for the current closure


def upcoming_note(venue, today: datetime.date) -> str:
    upcoming = venue.upcoming_closures(today)
    if not upcoming:
        return ""
    following = upcoming[0]
    if following.ends_on:
        return _("fermeture prévue du %(start)s au %(end)s") % {
            "start": date_format(following.starts_on, "j F"),
            "end": date_format(following.ends_on, "j F Y"),
        }
    return _("fermeture prévue à partir du %(start)s") % {"start": date_format(following.starts_on, "j F Y")}


def status_line(venue, now: datetime.datetime) -> StatusLine:
    """The card's status: ``Venue.status_at`` (the one status function), plus the closure's
    message or the next planned closure."""
    status = venue.status_at(now)
    if status.state == State.GONE:
        return StatusLine(status.state, status.text, "", "")
    if status.closure is not None:
        return StatusLine(status.state, status.text, "", status.closure.public_message)
    note = upcoming_note(venue, hours.local_now(venue.commune_id, now).date())
    return StatusLine(status.state, status.text, f" — {note}" if note else "", "")


@dataclass(frozen=True, slots=True)
class VenueCard:
    """One ``<li>`` of the result list; ``{{ card }}`` prints it (``__html__``). The text of
    the channel list's label and of « no usable channel » come from ``CardTexts``."""

    pk: int
    name: str
    url: str
    place: str  # « Lille (59000) · à 3,5 km »
    status: StatusLine
    channels: list[ChannelLine]
    texts: CardTexts
    alternatives_url: str = ""  # during a closure: the open venues serving the same commune
    unverified: str = ""  # « Informations non vérifiées depuis le … » once stale
    share_url: str = ""  # the venue's « Envoyer » page (directory/views/share.py)
    new_tab: bool = False  # in the embedded widget: links open the full site in a new tab

    def __html__(self) -> str:
        status = self.status
        # The widget lives in a partner's frame: the full site opens beside it, never inside.
        target = ' target="_blank" rel="noopener"' if self.new_tab else ""
        parts = [
            f'<li class="venue">\n  <article aria-labelledby="lieu-{self.pk}">\n'
            f'    <h3 id="lieu-{self.pk}" class="venue-name"><a href="{escape(self.url)}"{target}>'
            f"{escape(self.name)}</a></h3>\n"
            f'    <p class="venue-place">{escape(self.place)}</p>\n'
            f'    <p class="status status-{status.state}"><strong>{escape(status.text)}</strong>{escape(status.note)}</p>\n'
        ]
        if status.message:
            parts.append(f'    <p class="status-message">{link_phone_numbers(status.message)}</p>\n')
        if status.state == State.PAUSED and self.alternatives_url:
            parts.append(
                f'    <p class="during-closure"><a href="{escape(self.alternatives_url)}"{target}>'
                f"{escape(self.texts.alternatives)}</a></p>\n"
            )
        if self.unverified:
            parts.append(f'    <p class="venue-unverified">{escape(self.unverified)}</p>\n')
        if self.channels:
            parts.append(f'    <ul class="channels" aria-label="{escape(self.texts.channels_label)}">\n')
            parts.extend(line.html(self.new_tab) for line in self.channels)
            parts.append("    </ul>\n")
        elif self.texts.no_channel:
            parts.append(f'    <p class="muted">{escape(self.texts.no_channel)}</p>\n')
        if self.share_url:
            # One light link per card: the four ways to send it live on the share page.
            parts.append(
                f'    <p class="venue-send"><a href="{escape(self.share_url)}">{escape(self.texts.send)}</a></p>\n'
            )
        parts.append("  </article>\n</li>\n")
        return "".join(parts)

    def __str__(self) -> str:
        return mark_safe(self.__html__())  # noqa: S308  # nosec B308 B703  (every piece escaped in __html__)


@dataclass(frozen=True, slots=True)
class CardTexts:
    channels_label: str  # aria-label of the channel list
    no_channel: str  # shown when a chosen scenario leaves a venue without usable channel, else ""
    send: str = ""  # « Envoyer ou imprimer »
    alternatives: str = ""  # link text of a temporarily closed venue's open alternatives

    @classmethod
    def for_scenario(cls, scenario: int | None) -> CardTexts:
        alternatives = _("Pendant la fermeture : les lieux ouverts qui desservent la même commune")
        if scenario:
            return cls(
                _("Pour le joindre avec ce dont vous disposez"),
                _("Aucun moyen de contact adapté à votre situation."),
                _("Envoyer ou imprimer"),
                alternatives,
            )
        return cls(_("Pour le joindre"), "", _("Envoyer ou imprimer"), alternatives)


def closures_of(venue, rows) -> list[ClosurePeriod]:
    """Closure JSON rows (``card_closures`` of ``with_page_prefetches``, ``sheet_closures`` of
    the venue sheet) as unsaved ClosurePeriods, for the Venue status methods
    (``listed_closures``). A row's ``open_channels`` (channel ids), when present, becomes
    ``open_channel_ids``."""
    parse = datetime.date.fromisoformat
    closures = []
    for row in rows:
        closure = ClosurePeriod(
            venue_id=venue.pk,
            starts_on=parse(row["starts_on"]),
            ends_on=parse(row["ends_on"]) if row["ends_on"] else None,
            public_message=row["public_message"],
        )
        closure.open_channel_ids = row.get("open_channels") or []
        closures.append(closure)
    return closures


def sheet_channels(rows, scenario: int | None):
    """A venue sheet's channel JSON rows (with ``id`` and ``scenario``, ordered by scenario,
    position) → ``(groups, lines_by_id)``: groups are ``[(AccessScenario, lines, usable)]``,
    non-empty, the groups usable in ``scenario`` first when one is chosen."""
    writer = _LineWriter()
    by_scenario: dict[int, list[ChannelLine]] = {}
    lines_by_id = {}
    for row in rows:
        line = writer.line_of(row["kind"], row["value"], row["label"], row["availability"])
        by_scenario.setdefault(row["scenario"], []).append(line)
        lines_by_id[row["id"]] = line
    groups = [
        (AccessScenario(value), lines, scenario is None or value <= scenario)
        for value, lines in sorted(by_scenario.items())
    ]
    if scenario:
        groups.sort(key=lambda g: (not g[2], g[0]))
    return groups, lines_by_id


def venue_cards(
    venues,
    *,
    today: datetime.date,
    scenario: int | None = None,
    near=None,
    now: datetime.datetime | None = None,
    back_query: str = "",
    distance_attribute: str | None = None,
    new_tab: bool = False,
) -> list[VenueCard]:
    """Cards of a result page. ``venues`` come from ``with_page_prefetches(cards_only=True)``
    (``card_channels``, ``card_closures``), with ``distance_km`` when ``near`` is set.
    ``back_query`` (the list's query string) rides along to the venue page, whose « Retour à
    l'annuaire » returns to the same search."""
    now = now or timezone.now()
    list_url = reverse("directory:venue_list")
    suffix = f"?scenario={int(scenario)}" if scenario else ""
    # reverse() once: a slug is ASCII letters, digits and hyphens, printed as is in the path.
    url_head, _slug, url_tail = reverse("directory:venue", kwargs={"slug": "slug"}).rpartition("slug")
    url_tail += suffix
    # Only when the list had more than the scenario (which the venue page keeps anyway).
    if back_query and any(not part.startswith("scenario=") for part in back_query.split("&")):
        url_tail += ("&" if suffix else "?") + "retour=" + quote(back_query, safe="")
    writer = _LineWriter()
    texts = CardTexts.for_scenario(scenario)
    distance_attribute = distance_attribute or ("distance_km" if near else None)
    passes_here = _("passe par cette commune (lieu mobile)")
    cards = []
    for venue in venues:
        place = f"{venue.commune.name} ({venue.postal_code})"
        km = getattr(venue, distance_attribute, None) if distance_attribute else None
        # A mobile venue is as near as its nearest stop, which the words name (one distance:
        # ``directory/models/distance.py``).
        here = getattr(venue, "stops_here", False)
        words = distance_words(venue, km, here=here) or (passes_here if here else "")
        if words:
            place += " · " + words
        lines = [writer.line_of(r["kind"], r["value"], r["label"], r["availability"]) for r in venue.card_channels]
        venue.listed_closures = closures_of(venue, venue.card_closures)
        cards.append(
            VenueCard(
                pk=venue.pk,
                name=venue.name,
                url=url_head + venue.slug + url_tail,
                place=place,
                status=status_line(venue, now),
                channels=lines,
                texts=texts,
                alternatives_url=f"{list_url}?commune={venue.commune_id}&statut=ouvert"
                + (f"&scenario={int(scenario)}" if scenario else ""),
                unverified=unverified_text(venue),
                # The widget stays compact: « Envoyer ou imprimer » is on the full site.
                share_url="" if new_tab else url_head + venue.slug + "/envoyer/" + suffix,
                new_tab=new_tab,
            )
        )
    return cards


@dataclass(frozen=True, slots=True)
class Alternative:
    """An open venue offered while another is closed (« Pendant la fermeture »)."""

    name: str
    url: str
    place: str  # « Cysoing · à 3,5 km », « Cysoing · à 1,2 km — arrêt à Templeuve-en-Pévèle, le mardi »
    status: str  # « Ouvert · jusqu'à 12 h »
    state: str
    today: str  # « aujourd'hui 9 h – 12 h, 14 h – 17 h »
    channels: list[ChannelLine]


def alternatives_of(venues, *, now: datetime.datetime, scenario: int | None = None) -> list[Alternative]:
    """``venues`` from ``VenueQuerySet.open_alternatives_to`` with ``card_channels`` and
    ``card_closures`` (JSON rows) and ``alternative_km``."""
    writer = _LineWriter()
    suffix = f"?scenario={int(scenario)}" if scenario else ""
    result = []
    for venue in venues:
        venue.listed_closures = closures_of(venue, venue.card_closures)
        status = venue.status_at(now)
        place = venue.commune.name
        # From the closed venue, a mobile venue at its nearest stop (« à 3,5 km — arrêt à … »).
        words = distance_words(venue, getattr(venue, "alternative_km", None))
        if words:
            place += " · " + words
        result.append(
            Alternative(
                name=venue.name,
                url=venue.get_absolute_url() + suffix,
                place=place,
                status=status.text,
                state=status.state,
                today=hours.today_text(status),
                channels=[
                    writer.line_of(r["kind"], r["value"], r["label"], r["availability"]) for r in venue.card_channels
                ],
            )
        )
    return result


def unverified_text(venue) -> str:
    since = venue.unverified_since
    if since is None:
        return ""
    return _("Informations non vérifiées depuis le %(date)s") % {"date": date_format(since, "j F Y")}
