"""Every write to a venue's public data goes through one of these named functions, whoever
calls it: « Mon lieu », the Django admin (forms, inlines, deletes, history reverts), the poster
page, the moderation queue, the duplicates review. The open-data import writes in bulk
(``directory.opendata.importer``: COPY, ``bulk_update_with_history``) and bumps once at the end.

Each action writes a history row (django-simple-history, with the user who acted) and bumps the
public data version (``directory.cache``) so that cached pages, the open-data files and the API
validators change at once. Saving through the ORM bumps the version already
(``directory.signals``); the actions bump it again after the commit, because a page cached
between the signal and the commit would otherwise carry the new version with the old data.

No bare ``.update()`` / ``bulk_update`` on venues, channels or closures elsewhere: a queryset
update sends no signal and writes no history, so the public would keep the old data
(``tests/test_write_path.py`` scans ``directory/`` for them; derived columns are allow-listed
there with their reason).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from directory import enums
from directory.cache import bump_data_version
from directory.duplicates import MergeRefused
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


def save_venue(venue: Venue, user, *, confirm: bool = True, reason: str = "", service_area_communes=None) -> Venue:
    """Save an edited (or new) venue: editing confirms it (``verified_at`` now). Raises
    ``VersionConflict`` when the copy is stale (see ``Venue._do_update``).
    ``service_area_communes``, when given, replaces that list (its history is kept too)."""
    if confirm:
        venue.verified_at = timezone.now()
        venue.verified_by = _actor(user)
        venue.date_maj = timezone.localdate()
    venue._history_user = _actor(user)
    if reason:
        venue._change_reason = reason
    with transaction.atomic():
        venue.save()
        if service_area_communes is not None:
            venue.service_area_communes.set(service_area_communes)
        _bump_now_and_after_commit()
    return venue


def delete_venue(venue: Venue, user) -> None:
    """Delete a venue with its channels and closures (the history rows stay)."""
    venue._history_user = _actor(user)
    with transaction.atomic():
        venue.delete()
        _bump_now_and_after_commit()


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


def save_closure(closure: ClosurePeriod, user, *, open_channels=None, confirm: bool = True) -> ClosurePeriod:
    """Save a closure (new or edited) as it is; ``open_channels``, when given, become the
    channels staying open (only the venue's own)."""
    closure._history_user = _actor(user)
    if closure.pk is None and closure.created_by_id is None:
        closure.created_by = _actor(user)
    with transaction.atomic():
        closure.full_clean(exclude=["venue"])
        closure.save()
        if open_channels is not None:
            closure.open_channels.set([c for c in open_channels if c.venue_id == closure.venue_id])
        if confirm:
            confirm_venue(closure.venue, user)
        _bump_now_and_after_commit()
    return closure


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
    )
    return save_closure(closure, user, open_channels=open_channels, confirm=confirm)


def update_closure(closure: ClosurePeriod, user, *, open_channels=None, confirm: bool = True, **fields):
    """Change a closure's dates, reason, message or channels staying open."""
    for name, value in fields.items():
        setattr(closure, name, value)
    return save_closure(closure, user, open_channels=open_channels, confirm=confirm)


def delete_closure(closure: ClosurePeriod, user) -> None:
    """Remove a closure altogether (a mistake, say); ``lift_closure`` ends one that happened."""
    closure._history_user = _actor(user)
    with transaction.atomic():
        closure.delete()
        _bump_now_and_after_commit()


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


# --- merging two venues (the duplicates review) ----------------------------------------------


# Fields of the absorbed venue copied to the survivor when the survivor has none.
FILLED_FROM_ABSORBED = (
    "address_complement",
    "opening_hours",
    "presentation_resume",
    "presentation_detail",
    "fiche_acces_libre",
    "prise_rdv",
    "structure_parente",
    "autres_formations_labels",
)


def merge_venues(pair, survivor_id: int, versions: dict[int, int | None], user) -> Venue:
    """Merge the two venues of ``pair`` into ``survivor_id``; ``versions`` are the versions the
    user saw (a venue changed since is refused: no lost update). Channels (without copying one
    the survivor has), closures, reports, reminders, service-area communes, redirects move to
    the survivor; its empty fields take the absorbed venue's; the absorbed venue is deleted
    (its history stays, under its id) and its public address answers 301 to the survivor.
    Which pairs are likely duplicates is decided in ``directory.duplicates``."""
    from directory.admin.venues import conflict_message
    from directory.models import LikelyDuplicate, VenueRedirect

    if pair.first_id == pair.second_id or survivor_id not in (pair.first_id, pair.second_id):
        raise MergeRefused(_("Choisissez lequel des deux lieux est conservé."))
    absorbed_id = pair.second_id if survivor_id == pair.first_id else pair.first_id
    with transaction.atomic():
        locked = {
            v.pk: v
            for v in Venue.objects.select_for_update(of=("self",))
            .select_related("commune", "structure")
            .filter(pk__in=[survivor_id, absorbed_id])
            .order_by("pk")
        }
        if len(locked) != 2:
            raise MergeRefused(_("L'un des deux lieux n'existe plus : il a peut-être déjà été fusionné ou supprimé."))
        survivor, absorbed = locked[survivor_id], locked[absorbed_id]
        fresh = LikelyDuplicate.objects.select_related("first__commune", "second__commune").get(pk=pair.pk)
        if not fresh.can_merge(user):
            outside = [v.name for v in (survivor, absorbed) if not _in_scope(v, user)]
            raise MergeRefused(
                _("Vous ne pouvez pas fusionner ces lieux : « %(name)s » n'est pas dans vos départements.")
                % {"name": outside[0] if outside else survivor.name}
            )
        if fresh.status == enums.DuplicateStatus.DISTINCT:
            raise MergeRefused(_("Cette paire a été marquée « lieux distincts » : elle ne peut plus être fusionnée."))
        for venue in (survivor, absorbed):
            if versions.get(venue.pk) != venue.version:
                raise MergeRefused(conflict_message(venue, versions.get(venue.pk)))
        _move_everything(survivor, absorbed, user)
        for name in FILLED_FROM_ABSORBED:
            if not getattr(survivor, name) and getattr(absorbed, name):
                setattr(survivor, name, getattr(absorbed, name))
        if survivor.latitude is None and absorbed.latitude is not None:
            survivor.latitude, survivor.longitude = absorbed.latitude, absorbed.longitude
        if survivor.structure_id is None and absorbed.structure_id is not None:
            survivor.structure = absorbed.structure
        reason = _("fusion : « %(name)s » (n° %(id)s) absorbé") % {"name": absorbed.name, "id": absorbed.pk}
        survivor._history_user = user
        survivor._change_reason = reason
        survivor.save()
        VenueRedirect.objects.filter(venue=absorbed).update(venue=survivor)
        # update_or_create: a slug freed by an earlier merge may have been given to the absorbed
        # venue since (new venues' slugs avoid venues, not redirects).
        VenueRedirect.objects.update_or_create(
            old_slug=absorbed.slug,
            defaults={
                "venue": survivor,
                "source": absorbed.source,
                "external_id": absorbed.external_id,
                "created_by": user,
            },
        )
        absorbed._history_user = user
        absorbed._change_reason = _("fusionné dans « %(name)s » (n° %(id)s)") % {
            "name": survivor.name,
            "id": survivor.pk,
        }
        absorbed.delete()
        _bump_now_and_after_commit()
    return survivor


def _in_scope(venue, user) -> bool:
    from directory.models import DepartementStaff

    mine = DepartementStaff.departements_of(user)
    return mine is None or venue.commune.departement_id in mine


def _move_everything(survivor, absorbed, user) -> None:
    """Every row that points to ``absorbed`` moves to ``survivor`` (see ``MERGE_RULES``)."""
    from directory.models import FreshnessReminder, Report, Suggestion

    kept = {(c.kind, c.value): c for c in survivor.channels.all()}
    same_as: dict[int, int] = {}
    for channel in absorbed.channels.all():
        twin = kept.get((channel.kind, channel.value))
        if twin is not None:
            same_as[channel.pk] = twin.pk  # the survivor's copy; this one goes with the venue
            continue
        channel.venue = survivor
        channel._history_user = user
        channel.save()
    for closure in absorbed.closures.prefetch_related("open_channels"):
        twins = [same_as[c.pk] for c in closure.open_channels.all() if c.pk in same_as]
        closure.venue = survivor
        closure._history_user = user
        closure.save()
        if twins:
            closure.open_channels.add(*twins)
    Report.objects.filter(venue=absorbed).update(venue=survivor)
    FreshnessReminder.objects.filter(venue=absorbed).update(venue=survivor)
    # A resident's proposed change to the absorbed venue is about the same place.
    Suggestion.objects.filter(venue=absorbed).update(venue=survivor)
    communes = list(absorbed.service_area_communes.values_list("pk", flat=True))
    if communes:
        survivor.service_area_communes.add(*communes)


# What a merge does with each relation pointing to a venue, by « model.field » (a test checks
# that every relation of ``Venue`` is listed, so a new one must be decided here).
MERGE_RULES = {
    "Channel.venue": "moved (a channel the survivor already has stays with the absorbed venue)",
    "ClosurePeriod.venue": "moved",
    "Report.venue": "moved",
    "FreshnessReminder.venue": "moved",
    "Suggestion.venue": "moved (a proposed change concerns the same place)",
    "Venue_service_area_communes.venue": "added to the survivor's",
    "VenueRedirect.venue": "moved, and a new one from the absorbed slug",
    "VenueSearchEntry.venue": "kept by triggers",
    "LikelyDuplicate.first": "deleted with the absorbed venue",
    "LikelyDuplicate.second": "deleted with the absorbed venue",
    "HistoricalChannel.venue": "history: kept as written",
    "HistoricalClosurePeriod.venue": "history: kept as written",
    "HistoricalVenue_service_area_communes.venue": "history: kept as written",
}
