"""Every write to a venue's public data goes through one of these named functions, whoever
calls it: « Mon lieu », the Django admin, the poster page, the moderation queue, the commands.

Each action writes a history row (django-simple-history, with the user who acted) and bumps the
public data version (``directory.cache``) so that cached pages, the open-data files and the API
ETags change at once. Saving through the ORM bumps the version already (``directory.signals``);
the actions bump it again after the commit, because a page cached between the signal and the
commit would otherwise carry the new version with the old data.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from directory import enums
from directory.cache import bump_data_version
from directory.models import Channel, ChannelCheck, ClosurePeriod, Venue


def _bump_now_and_after_commit():
    bump_data_version()
    transaction.on_commit(bump_data_version)


def _actor(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def confirm_venue(venue: Venue, user, *, when: datetime.datetime | None = None, reason: str = "") -> Venue:
    """« Les informations sont à jour »: sets ``verified_at``/``verified_by`` and
    ``date_maj`` without touching ``version`` (confirming never conflicts with someone editing
    the entry), writes a history row and bumps the data version."""
    when = when or timezone.now()
    with transaction.atomic():
        current = Venue.objects.select_for_update().get(pk=venue.pk)
        current.verified_at = when
        current.verified_by = _actor(user)
        current.date_maj = timezone.localdate(when)
        bulk_update_with_history(
            [current],
            Venue,
            ["verified_at", "verified_by", "date_maj"],
            default_user=_actor(user),
            default_change_reason=reason or "Confirmé à jour",
        )
        _bump_now_and_after_commit()
    venue.verified_at, venue.verified_by, venue.date_maj = current.verified_at, current.verified_by, current.date_maj
    return venue


def confirm_venues(venues, user, *, when: datetime.datetime | None = None) -> int:
    """The bulk « Confirmer » of the admin list: one ``confirm_venue`` per venue."""
    when = when or timezone.now()
    count = 0
    for venue in venues:
        confirm_venue(venue, user, when=when)
        count += 1
    return count


def save_venue(venue: Venue, user, *, confirm: bool = True, reason: str = "") -> Venue:
    """Save an edited (or new) venue: editing confirms it (``verified_at`` now). Raises
    ``VersionConflict`` when the copy is stale (see ``Venue._do_update``)."""
    if confirm:
        venue.verified_at = timezone.now()
        venue.verified_by = _actor(user)
        venue.date_maj = timezone.localdate()
    venue._history_user = _actor(user)
    if reason:
        venue._change_reason = reason
    with transaction.atomic():
        venue.save()
        _bump_now_and_after_commit()
    return venue


def save_channel(channel: Channel, user, *, confirm: bool = True) -> Channel:
    """Save one channel (added or edited); editing a part of the entry confirms the entry. A
    corrected value forgets the automatic check of the old one, and its flag (``Channel.save``)."""
    channel._history_user = _actor(user)
    with transaction.atomic():
        channel.save()
        if confirm:
            confirm_venue(channel.venue, user)
        _bump_now_and_after_commit()
    return channel


def confirm_channel_works(channel: Channel, user, *, when: datetime.datetime | None = None) -> ChannelCheck | None:
    """« Le lien fonctionne »: a mediator says a flagged channel works. Records who and when on
    its check, which clears the flag until the next failing run of ``check_channels``
    (``flagged_q``); writes a history row on the channel (the acting user, the reason) and bumps
    the data version. The public entry never changed: only staff figures and « Mon lieu » move.
    Returns None (nothing written) for a channel never checked."""
    when = when or timezone.now()
    with transaction.atomic():
        check = ChannelCheck.objects.select_for_update().filter(channel_id=channel.pk).first()
        if check is None:
            return None
        check.confirmed_at, check.confirmed_by = when, _actor(user)
        check.save(update_fields=["confirmed_at", "confirmed_by"])
        channel.updated_at = when
        bulk_update_with_history(
            [channel],
            Channel,
            ["updated_at"],
            default_user=_actor(user),
            default_change_reason=f"Confirmé fonctionnel malgré la vérification automatique : {check.reason}"[:100],
        )
        _bump_now_and_after_commit()
    return check


def delete_channel(channel: Channel, user) -> None:
    channel._history_user = _actor(user)
    with transaction.atomic():
        channel.delete()
        _bump_now_and_after_commit()


def declare_closure(
    venue: Venue,
    user,
    *,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    reason: str = enums.ClosureReason.OTHER,
    public_message: str = "",
    open_channels=(),
    confirm: bool = True,
) -> ClosurePeriod:
    """Declare a temporary closure; ``open_channels`` may include channels saved in the same
    transaction (« Mon lieu » saves new channels first)."""
    closure = ClosurePeriod(
        venue=venue,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason or enums.ClosureReason.OTHER,
        public_message=public_message,
        created_by=_actor(user),
    )
    closure._history_user = _actor(user)
    with transaction.atomic():
        closure.full_clean(exclude=["venue"])
        closure.save()
        closure.open_channels.set([c for c in open_channels if c.venue_id == venue.pk])
        if confirm:
            confirm_venue(venue, user)
        _bump_now_and_after_commit()
    return closure


def update_closure(closure: ClosurePeriod, user, *, open_channels=None, confirm: bool = True, **fields):
    """Change a closure's dates, reason, message or channels staying open."""
    for name, value in fields.items():
        setattr(closure, name, value)
    closure._history_user = _actor(user)
    with transaction.atomic():
        closure.full_clean(exclude=["venue"])
        closure.save()
        if open_channels is not None:
            closure.open_channels.set([c for c in open_channels if c.venue_id == closure.venue_id])
        if confirm:
            confirm_venue(closure.venue, user)
        _bump_now_and_after_commit()
    return closure


def lift_closure(closure: ClosurePeriod, user, *, on: datetime.date | None = None, confirm: bool = True):
    """The venue reopens ``on`` (today by default): a closure that had not started yet is
    removed; one under way ends the day before (its history stays)."""
    on = on or timezone.localdate()
    closure._history_user = _actor(user)
    with transaction.atomic():
        if closure.starts_on >= on:
            closure.delete()
        else:
            closure.ends_on = on - datetime.timedelta(days=1)
            closure.save(update_fields=["ends_on"])
        if confirm:
            confirm_venue(closure.venue, user)
        _bump_now_and_after_commit()


def publish_signage(venue: Venue, user, *, value: str, label: str) -> Channel:
    """The poster's text becomes (or updates) the venue's « Affichage à l'entrée » channel."""
    with transaction.atomic():
        channel = venue.channels.select_for_update().filter(kind=enums.ChannelKind.SIGNAGE, label=label).first()
        if channel is None:
            channel = Channel(venue=venue, kind=enums.ChannelKind.SIGNAGE, label=label)
        channel.value = value
        channel.scenario = enums.AccessScenario.OFFLINE
        channel._history_user = _actor(user)
        channel.save()
        _bump_now_and_after_commit()
    return channel


# --- suggestions from the public ------------------------------------------------------------


def _proposed_by(suggestion) -> str:
    # Stored in the history row (its « reason »), in the site's language.
    return f"Proposition n° {suggestion.pk} de {suggestion.contact or 'un habitant (anonyme)'}"


def _add_channel_once(venue, user, kind: str, value: str):
    if value and not venue.channels.filter(kind=kind, value=value).exists():
        save_channel(Channel(venue=venue, kind=kind, value=value), user, confirm=False)


def accept_suggestion(suggestion, user, *, fields: dict) -> Venue:
    """Apply a suggestion, as proposed or as edited by the moderator (``fields``: name, address,
    postal_code, commune, opening_hours, phone, email, site_web), through the same write path:
    the venue's history row names the moderator (user) and the proposer (reason)."""
    from directory.models import Suggestion

    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if suggestion.status != enums.SuggestionStatus.OPEN:
            raise ValueError("suggestion already decided")
        if suggestion.kind == enums.SuggestionKind.CHANGE:
            venue = Venue.objects.select_for_update().get(pk=suggestion.venue_id)
        else:
            venue = Venue(commune=fields["commune"], postal_code=fields["postal_code"], pivot="")
        for name in ("name", "address", "postal_code", "opening_hours"):
            if fields.get(name):
                setattr(venue, name, fields[name])
        if "commune" in fields and fields["commune"] is not None:
            venue.commune = fields["commune"]
        save_venue(venue, user, reason=_proposed_by(suggestion))
        _add_channel_once(venue, user, enums.ChannelKind.PHONE, fields.get("phone", ""))
        _add_channel_once(venue, user, enums.ChannelKind.EMAIL, fields.get("email", ""))
        _add_channel_once(venue, user, enums.ChannelKind.WEBSITE, fields.get("site_web", ""))
        suggestion.status = enums.SuggestionStatus.ACCEPTED
        suggestion.venue = venue
        suggestion.decided_by = _actor(user)
        suggestion.decided_at = timezone.now()
        suggestion.save(update_fields=["status", "venue", "decided_by", "decided_at"])
        _bump_now_and_after_commit()
    return venue


def refuse_suggestion(suggestion, user) -> None:
    suggestion.status = enums.SuggestionStatus.REFUSED
    suggestion.decided_by = _actor(user)
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
