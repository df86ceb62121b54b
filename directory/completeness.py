"""What a venue lacks to be usable in each access scenario (« lieux incomplets »).

- Scenario 1: a channel needing no device (in-person drop-in, signage or post, usable in
  scenario 1); an in-person drop-in alone needs its hours (the venue's opening hours or the
  channel's availability), or residents cannot know when to come.
- Scenario 2: a number that receives SMS: an SMS channel, or a phone channel on a French mobile
  number (+33 6, +33 7), usable in scenario 2.
- Scenario 3: an online channel (WhatsApp, Facebook, e-mail, website, videos, online courses).

Python (``missing_for``, on prefetched channels) and SQL (``complete_sql``, used by
``directory.coverage.incomplete_venues``) say the same; ``tests/test_coverage_completeness.py``
checks them on a table of cases. ``Venue.missing_for(scenario)`` is the entry point for
« Mon lieu ».

A channel flagged by the automatic checks (``Channel.objects.flagged()``, failing
``CHANNEL_CHECK_FLAG_DAYS`` days in a row) does not count: a venue whose only channels for a
scenario are flagged is incomplete for it, with the reason « canal en panne ». This is a staff
figure only: the public directory still shows the channel (``directory/reachability.py`` does not
look at checks; nothing is hidden automatically).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from directory import enums
from directory.reachability import SCENARIO_1_KINDS

K = enums.ChannelKind
NO_DEVICE_KINDS = (K.SIGNAGE, K.POST)
MOBILE_PREFIXES = ("+336", "+337")
ONLINE_KINDS = (K.WHATSAPP, K.FACEBOOK, K.EMAIL, K.WEBSITE, K.VIDEO_STREAM, K.VIDEO_CLASS, K.ONLINE_COURSE)


def receives_sms(channel) -> bool:
    if channel.kind == K.SMS:
        return True
    return channel.kind == K.PHONE and channel.value.startswith(MOBILE_PREFIXES)


def _fits(channel, scenario: int) -> bool:
    """The channel is of a kind that serves ``scenario`` (before hours and flags)."""
    if channel.scenario > scenario:
        return False
    if scenario == 1:
        return channel.kind in SCENARIO_1_KINDS
    if scenario == 2:
        return receives_sms(channel)
    return channel.kind in ONLINE_KINDS


def missing_for(venue, scenario: int) -> list[str]:
    """Reads ``venue.channels.all()`` and each channel's ``last_check`` (prefetch both)."""
    fitting = [c for c in venue.channels.all() if _fits(c, scenario)]
    usable = [c for c in fitting if not c.is_flagged]
    if fitting and not usable:
        return [_("canal en panne")]
    if scenario == 1:
        if not usable:
            return [_("un canal sans équipement : permanence sur place, affichage à l'entrée ou courrier")]
        if any(c.kind in NO_DEVICE_KINDS for c in usable):
            return []
        if venue.opening_hours or any(c.availability for c in usable):
            return []
        return [_("les horaires de la permanence sur place")]
    if usable:
        return []
    if scenario == 2:
        return [_("un numéro qui reçoit les SMS (SMS ou portable)")]
    return [_("un canal en ligne (e-mail, site web, WhatsApp, Facebook, vidéo…)")]


def _kinds(kinds) -> str:
    # Enum constants, never user input.
    return ", ".join(f"'{k}'" for k in kinds)


def complete_sql(scenario: int, venue: str = "v", channel_table: str = "directory_channel") -> str:
    """SQL condition on the venue alias ``venue``: complete for ``scenario`` (twin of
    ``missing_for`` returning nothing)."""
    from directory.models.channels import flagged_channel_sql

    # A flagged channel does not count (``missing_for``: « canal en panne »).
    ch = f"SELECT 1 FROM {channel_table} ch WHERE ch.venue_id = {venue}.id AND NOT {flagged_channel_sql('ch')} AND "  # noqa: S608  # nosec B608
    if scenario == 1:
        return (
            f"(EXISTS ({ch} ch.scenario <= 1 AND ch.kind IN ({_kinds(NO_DEVICE_KINDS)})) "
            f"OR (EXISTS ({ch} ch.scenario <= 1 AND ch.kind = '{K.IN_PERSON}') "
            f"AND ({venue}.opening_hours <> '' "
            f"OR EXISTS ({ch} ch.scenario <= 1 AND ch.kind = '{K.IN_PERSON}' AND ch.availability <> ''))))"
        )
    if scenario == 2:
        mobile = " OR ".join(f"ch.value LIKE '{p}%%'" for p in MOBILE_PREFIXES)
        return f"EXISTS ({ch} ch.scenario <= 2 AND (ch.kind = '{K.SMS}' OR (ch.kind = '{K.PHONE}' AND ({mobile}))))"
    return f"EXISTS ({ch} ch.scenario <= 3 AND ch.kind IN ({_kinds(ONLINE_KINDS)}))"
