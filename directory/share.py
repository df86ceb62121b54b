"""What « Envoyer » sends about a venue: the text of an SMS, an e-mail and a WhatsApp message,
and the links that open each (``sms:``, ``mailto:``, ``https://wa.me/``).

The SMS is the channel of residents without data (scenario 2): its text is GSM-7 only (an
accent outside the alphabet would switch the whole message to UCS-2, 67 characters a segment)
and at most two segments (306 septets), and it carries no web link when the chosen scenario is
1 or 2 (a link is useless without data and costs a third of the message). E-mail and WhatsApp
need internet anyway: they always carry the link.

    message = venue_message(venue, today=today, scenario=2)
    message.sms_href  # « sms:?&body=Médiathèque… »

The venue comes with ``sheet_channels`` (JSON rows of the venue page's query) or with its
``channels`` prefetched; its closures as ``listed_closures`` or prefetched.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from directory import hours
from directory.channels import display_phone
from directory.enums import AccessScenario, ChannelKind, VenueStatus
from directory.sms import gsm7

SMS_MAX_SEGMENTS = 2
SMS_MAX_SEPTETS = gsm7.MULTI_SEGMENT * SMS_MAX_SEGMENTS  # 306
# Which number a resident should try first.
PHONE_KINDS = (ChannelKind.PHONE, ChannelKind.SMS)


@dataclass(frozen=True)
class VenueMessage:
    url: str  # absolute URL of the venue page
    sms_text: str  # GSM-7, ≤ 2 segments
    text: str  # e-mail / WhatsApp body (any Unicode), link included
    subject: str
    with_link_in_sms: bool

    @property
    def sms_segments(self) -> int:
        return gsm7.segments(self.sms_text)

    @property
    def sms_href(self) -> str:
        # « sms:?&body= » is read by both Android (« ?body= ») and iOS (« &body= »).
        return "sms:?&body=" + quote(self.sms_text, safe="")

    @property
    def mailto_href(self) -> str:
        return f"mailto:?subject={quote(self.subject, safe='')}&body={quote(self.text, safe='')}"

    @property
    def whatsapp_href(self) -> str:
        return "https://wa.me/?text=" + quote(self.text, safe="")


class Row(NamedTuple):
    """A channel as the closure rule reads it (``Venue.channels_working_on``)."""

    pk: int
    kind: str


def _channel_rows(venue):
    """(id, kind, value) of the venue's channels, from whichever source its query gave."""
    rows = getattr(venue, "sheet_channels", None)
    if rows is not None:
        return [(row["id"], row["kind"], row["value"]) for row in rows]
    return [(c.pk, c.kind, c.value) for c in venue.channels.all()]


def contact_number(venue, today: datetime.date) -> tuple[str, str] | None:
    """(kind label, number as read) of the number to call or text: a phone first, then an SMS
    number, among the channels that work ``today`` (the one closure rule)."""
    rows = _channel_rows(venue)
    working = {c.pk for c in venue.channels_working_on(today, [Row(pk, kind) for pk, kind, _value in rows])}
    rows = [row for row in rows if row[0] in working]
    for kind in PHONE_KINDS:
        for _pk, row_kind, value in rows:
            if row_kind == kind:
                label = _("Tél.") if kind == ChannelKind.PHONE else _("SMS")
                return label, display_phone(value)
    return None


def status_text(venue, today: datetime.date) -> str:
    """The one status wording (``hours.venue_status``) in the form that holds all day, compact
    for SMS: « Ouvert » (today's hours follow), « Fermé temporairement jusqu'au 11 décembre »."""
    return hours.day_status(venue, today).printed_sms


def today_hours(venue, today: datetime.date, now: datetime.datetime | None = None) -> str:
    """« auj. 9h-12h, 14h-17h », « fermé auj. », or "" when the hours are unknown or the venue
    is closed (its status says so)."""
    if venue.status_on(today) != VenueStatus.OPEN:
        return ""
    state = hours.state(venue.opening_hours, now, venue.commune_id)
    if not state.known:
        return ""
    if not state.today:
        return _("fermé aujourd'hui")
    spans = ", ".join(f"{_short_time(a)}-{_short_time(b)}" for a, b in state.today)
    return _("auj. %(spans)s") % {"spans": spans}


def _short_time(t: datetime.time) -> str:
    # « 9h », « 14h30 »: the SMS look-up's own compact form (directory/sms/reply.py).
    return f"{t.hour}h" if t.minute == 0 else f"{t.hour}h{t.minute:02d}"


def _shorten(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _sms_lines(name, status, number, address, hours_text, name_limit, address_limit):
    first = _shorten(name, name_limit)
    second = status + (f", {hours_text}" if hours_text else "")
    lines = [first, second]
    if number:
        lines.append(f"{number[0]} {number[1]}")
    lines.append(_shorten(address, address_limit))
    return "\n".join(lines)


def sms_text(name, status, number, address, hours_text, url) -> str:
    """GSM-7 text of at most two segments; the link (when given) is never cut."""
    tail = f"\n{url}" if url else ""
    for name_limit, address_limit in ((200, 250), (60, 100), (40, 70), (30, 50)):
        body = gsm7.to_gsm7(_sms_lines(name, status, number, address, hours_text, name_limit, address_limit))
        text = body + tail
        if gsm7.septets(text) <= SMS_MAX_SEPTETS and gsm7.segments(text) <= SMS_MAX_SEGMENTS:
            return text
    return gsm7.truncate(body, SMS_MAX_SEPTETS - gsm7.septets(tail)) + tail


def link_in_sms(scenario: int | None) -> bool:
    """No web link for residents without data (scenarios 1 and 2)."""
    return scenario is None or scenario >= AccessScenario.CONNECTED


def venue_message(venue, *, today: datetime.date, scenario: int | None = None, now=None) -> VenueMessage:
    # Sent to someone else: in the site's language, like every text residents receive.
    with translation.override(settings.LANGUAGE_CODE):
        url = settings.SITE_URL + venue.get_absolute_url()
        status = status_text(venue, today)
        number = contact_number(venue, today)
        address = ", ".join(
            part for part in (venue.address, f"{venue.postal_code} {venue.commune.name}".strip()) if part
        )
        hours_text = today_hours(venue, today, now)
        with_link = link_in_sms(scenario)
        sms = sms_text(venue.name, status, number, address, hours_text, url if with_link else "")
        lines = [venue.name, status + (f", {hours_text}" if hours_text else "")]
        if number:
            lines.append(f"{number[0]} {number[1]}")
        lines += [address, url]
        return VenueMessage(
            url=url,
            sms_text=sms,
            text="\n".join(lines),
            subject=_("%(name)s : comment le joindre") % {"name": venue.name},
            with_link_in_sms=with_link,
        )
