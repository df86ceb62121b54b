"""What a venue card, a channel line and a sheet's channel groups print, worked out once in
Python.

A list page shows 20 venue cards and about 100 channel lines. Rendered through the template
engine (one ``{% include %}`` per card and per channel, ``blocktranslate`` and property look-ups
for each), they cost about 45 ms a page, most of an uncached list request. Here each string is
built once, with the same translation ids the templates used; ``VenueCard`` and ``ChannelLine``
then print their own markup (``__html__``), every stored text escaped with ``html.escape``
(``tests/test_directory_pages.py::test_stored_markup_is_escaped_on_cards_and_sheet``).

    cards = venue_cards(page_venues, today=today, scenario=scenario, near=near)  # {{ card }}
    groups, lines_by_id = sheet_channels(venue.sheet_channels, scenario)
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from html import escape  # the stdlib one: Django's adds a lazy-string check and a SafeString per call

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from directory.channels import get_kind
from directory.enums import AccessScenario
from directory.models import ClosurePeriod
from directory.templatetags.directory_tags import distance as distance_text

LONG_DATE = "l j F Y"  # « mardi 3 mars 2026 »


@dataclass(frozen=True, slots=True)
class ChannelLine:
    """One ``<li>`` of a channel list; ``{{ line }}`` in a template prints it (``__html__``),
    with every piece escaped."""

    kind: str  # ChannelKind value, for the CSS class
    heading: str  # « Téléphone — Accueil : »
    value: str  # as residents read it (« 03 53 01 00 00 »)
    href: str | None  # tel:, sms:, https://… or None for signage, drop-in, post
    external: bool  # an http(s) link: opened with rel="noopener noreferrer"
    availability: str

    def __html__(self) -> str:
        if self.href:
            rel = ' rel="noopener noreferrer"' if self.external else ""
            value = f'<a class="channel-link" href="{escape(self.href)}"{rel}>{escape(self.value)}</a>'
        else:
            value = f'<span class="channel-value">{escape(self.value)}</span>'
        when = f' <span class="channel-when">({escape(self.availability)})</span>' if self.availability else ""
        return (
            f'<li class="channel channel-{escape(self.kind)}"><span class="channel-kind">{escape(self.heading)}</span>\n'
            f"{value}{when}</li>\n"
        )

    def __str__(self) -> str:
        # The template engine calls str() before escaping: hand it text already marked safe.
        return mark_safe(self.__html__())  # noqa: S308  # nosec B308 B703  (every piece escaped in __html__)


class _LineWriter:
    """Builds ChannelLines, looking each translation up once per page rather than per line."""

    def __init__(self):
        self.labels: dict[str, str] = {}
        self.with_label = _("%(kind)s — %(label)s :")
        self.without_label = _("%(kind)s :")

    def line_of(self, kind: str, value: str, label: str, availability: str) -> ChannelLine:
        spec = get_kind(kind)
        kind_label = self.labels.get(kind)
        if kind_label is None:
            kind_label = self.labels[kind] = str(spec.label)
        if label:
            heading = self.with_label % {"kind": kind_label, "label": label}
        else:
            heading = self.without_label % {"kind": kind_label}
        href = spec.href(value)
        return ChannelLine(
            kind=kind,
            heading=heading,
            value=spec.display(value),
            href=href,
            external=bool(href) and href.startswith("http"),
            availability=availability,
        )


@dataclass(frozen=True, slots=True)
class StatusLine:
    state: str  # "closed" (for good), "paused" (temporarily closed) or "open": the CSS class
    text: str  # in bold: « Ouvert », « Fermé temporairement jusqu'au … inclus »
    note: str  # after the bold text: « — fermeture prévue du … au … »
    message: str  # the mediator's message for the current closure


def status_line(venue, today: datetime.date, open_text: str) -> StatusLine:
    """``open_text``: « Ouvert », translated once for the whole page."""
    if venue.closed_permanently_on and venue.closed_permanently_on <= today:
        date = date_format(venue.closed_permanently_on, "j F Y")
        return StatusLine("closed", _("Fermé définitivement depuis le %(date)s") % {"date": date}, "", "")
    closure = venue.current_closure(today)
    if closure:
        if closure.ends_on:
            text = _("Fermé temporairement jusqu'au %(date)s inclus") % {
                "date": date_format(closure.ends_on, LONG_DATE)
            }
        else:
            text = _("Fermé temporairement, date de réouverture inconnue")
        return StatusLine("paused", text, "", closure.public_message)
    upcoming = venue.upcoming_closures(today)
    note = ""
    if upcoming:
        following = upcoming[0]
        if following.ends_on:
            note = _("fermeture prévue du %(start)s au %(end)s") % {
                "start": date_format(following.starts_on, "j F"),
                "end": date_format(following.ends_on, "j F Y"),
            }
        else:
            note = _("fermeture prévue à partir du %(start)s") % {"start": date_format(following.starts_on, "j F Y")}
        note = f" — {note}"
    return StatusLine("open", open_text, note, "")


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
    unverified: str = ""  # « Informations non vérifiées depuis le … » once stale

    def __html__(self) -> str:
        status = self.status
        parts = [
            f'<li class="venue">\n  <article aria-labelledby="lieu-{self.pk}">\n'
            f'    <h3 id="lieu-{self.pk}" class="venue-name"><a href="{escape(self.url)}">{escape(self.name)}</a></h3>\n'
            f'    <p class="venue-place">{escape(self.place)}</p>\n'
            f'    <p class="status status-{status.state}"><strong>{escape(status.text)}</strong>{escape(status.note)}</p>\n'
        ]
        if status.message:
            parts.append(f'    <p class="status-message">{escape(status.message)}</p>\n')
        if self.unverified:
            parts.append(f'    <p class="venue-unverified">{escape(self.unverified)}</p>\n')
        if self.channels:
            parts.append(f'    <ul class="channels" aria-label="{escape(self.texts.channels_label)}">\n')
            parts.extend(line.__html__() for line in self.channels)
            parts.append("    </ul>\n")
        elif self.texts.no_channel:
            parts.append(f'    <p class="muted">{escape(self.texts.no_channel)}</p>\n')
        parts.append("  </article>\n</li>\n")
        return "".join(parts)

    def __str__(self) -> str:
        return mark_safe(self.__html__())  # noqa: S308  # nosec B308 B703  (every piece escaped in __html__)


@dataclass(frozen=True, slots=True)
class CardTexts:
    channels_label: str  # aria-label of the channel list
    no_channel: str  # shown when a chosen scenario leaves a venue without usable channel, else ""

    @classmethod
    def for_scenario(cls, scenario: int | None) -> CardTexts:
        if scenario:
            return cls(
                _("Pour le joindre avec ce dont vous disposez"),
                _("Aucun moyen de contact adapté à votre situation."),
            )
        return cls(_("Pour le joindre"), "")


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


def venue_cards(venues, *, today: datetime.date, scenario: int | None = None, near=None) -> list[VenueCard]:
    """Cards of a result page. ``venues`` come from ``with_page_prefetches(cards_only=True)``
    (``card_channels``, ``card_closures``), with ``distance_km`` when ``near`` is set."""
    suffix = f"?scenario={int(scenario)}" if scenario else ""
    # reverse() once: a slug is ASCII letters, digits and hyphens, printed as is in the path.
    url_head, _slug, url_tail = reverse("directory:venue", kwargs={"slug": "slug"}).rpartition("slug")
    url_tail += suffix
    writer = _LineWriter()
    texts = CardTexts.for_scenario(scenario)
    open_text = _("Ouvert")
    at_distance = _("à %(distance)s") if near else ""
    cards = []
    for venue in venues:
        place = f"{venue.commune.name} ({venue.postal_code})"
        if near:
            place += " · " + at_distance % {"distance": distance_text(getattr(venue, "distance_km", None))}
        lines = [writer.line_of(r["kind"], r["value"], r["label"], r["availability"]) for r in venue.card_channels]
        venue.listed_closures = closures_of(venue, venue.card_closures)
        cards.append(
            VenueCard(
                pk=venue.pk,
                name=venue.name,
                url=url_head + venue.slug + url_tail,
                place=place,
                status=status_line(venue, today, open_text),
                channels=lines,
                texts=texts,
                unverified=unverified_text(venue),
            )
        )
    return cards


def unverified_text(venue) -> str:
    since = venue.unverified_since
    if since is None:
        return ""
    return _("Informations non vérifiées depuis le %(date)s") % {"date": date_format(since, "j F Y")}
