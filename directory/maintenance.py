"""Upkeep after bulk loads and at night (``manage.py maintain_directory``): the columns that
follow the opening hours and the channels but are not kept by triggers (typical weeks, mobile
stops), and ``rebuild_derived`` after a restore or a load with triggers off.

The search entries used to be rewritten in list order every night (``CLUSTER``): measured at
200,000 venues it bought 7 % on the common words' median (``bench/machinery.py``,
docs/proof.md), for a nightly lock of the table: retired.
"""

from __future__ import annotations

from django.db import connections, transaction

# An import creating at least this many venues runs ``after_bulk_load`` at once.
BULK_LOAD_ROWS = 1000


def after_bulk_load(using: str = "default") -> None:
    """The weekly hours and the stops of new rows (COPY skips ``save()``), fresh statistics
    for the planner."""
    refresh_weekly_hours(using=using)
    refresh_stops(using=using)
    with connections[using].cursor() as cursor:
        cursor.execute("ANALYZE directory_venue")
        cursor.execute("ANALYZE directory_venuesearchentry")


# What the triggers keep (``directory/models/triggers.py``), refilled from the venues and
# channels: after a restore or a load made with triggers off (``session_replication_role``).
REBUILD_SQL = [
    "TRUNCATE directory_searchword",
    "INSERT INTO directory_searchword (word) "
    "SELECT DISTINCT w FROM directory_venue, gll_search_words(directory_venue.search_text) AS w ORDER BY w",
    "TRUNCATE directory_venuesearchentry",
    "INSERT INTO directory_venuesearchentry "
    "(venue_id, sort_name, closed_permanently_on, last_checked_at, search_vector) "
    "SELECT id, sort_name, closed_permanently_on, coalesce(verified_at, created_at), search_vector "
    "FROM directory_venue",
]


def rebuild_derived(using: str = "default") -> dict[str, int]:
    """Refill every derived table and column from the venues and their channels, then the
    upkeep of a bulk load. Returns the rows written per table."""
    from directory.models import SearchWord, VenueSearchEntry

    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for statement in REBUILD_SQL:
            cursor.execute(statement)
    after_bulk_load(using)
    return {
        "search_words": SearchWord.objects.using(using).count(),
        "search_entries": VenueSearchEntry.objects.using(using).count(),
    }


def refresh_weekly_hours(venue_ids=None, using: str = "default") -> int:
    """Recompute ``Venue.weekly_hours`` / ``holiday_hours`` (``hours.weekly_spans``) of the
    given venues (default: all), one UPDATE per distinct opening-hours expression, rows whose
    value is already right left alone. Run after bulk loads (rows written by COPY get an empty
    week) and nightly (a typical week is read from the coming weeks: seasonal rules move).
    Returns the number of rows rewritten."""
    from django.db.backends.postgresql.psycopg_any import NumericRange

    from directory import hours
    from directory.models import Venue

    venues = Venue.objects.using(using)
    if venue_ids is not None:
        venues = venues.filter(pk__in=list(venue_ids))
    expressions = venues.order_by().values_list("opening_hours", flat=True).distinct()
    changed = 0
    for expression in list(expressions):
        week, holiday = hours.weekly_spans(expression or "")
        weekly = [NumericRange(a, b) for a, b in week]
        holiday_hours = None if holiday is None else [NumericRange(a, b) for a, b in holiday]
        stale = venues.filter(opening_hours=expression).exclude(weekly_hours=weekly)
        if holiday_hours is None:
            stale = stale | venues.filter(opening_hours=expression, holiday_hours__isnull=False)
        else:
            stale = stale | venues.filter(opening_hours=expression).exclude(holiday_hours=holiday_hours)
            stale = stale | venues.filter(opening_hours=expression, holiday_hours__isnull=True)
        changed += (
            Venue.objects.using(using)
            .filter(pk__in=stale.values("pk"))
            .update(weekly_hours=weekly, holiday_hours=holiday_hours)
        )
    return changed


def refresh_stops(using: str = "default") -> int:
    """Recompute the stops of the mobile venues (``Venue.stop_communes``) from their in-person
    channels, and where each is (``Venue.stop_points``, from the commune positions): after bulk
    loads, whose COPY skips ``Channel.save``, and nightly (a new positions file places stops
    that had none). Venues that are no longer mobile lose their stops. Returns how many changed."""
    from django.db.models import Prefetch, Q

    from directory import enums
    from directory.models import Channel, Venue
    from directory.models.distance import stop_points_of
    from directory.territories import positions

    known = positions()
    changed = 0
    mobile = Venue.objects.using(using).filter(
        Q(itinerance__contains=[enums.Itinerance.ITINERANT]) | ~Q(stop_communes=[])
    )
    # Only the columns read and written here: migrations run this on older tables too.
    mobile = mobile.only("id", "itinerance", "commune_id", "stop_communes", "stop_points").order_by("pk")
    mobile = mobile.prefetch_related(
        Prefetch("channels", queryset=Channel.objects.only("id", "venue_id", "kind", "value", "label"))
    )
    for venue in mobile.iterator(chunk_size=500):
        values = [f"{c.value} {c.label}" for c in venue.channels.all() if c.kind in enums.ON_SITE_KINDS]
        stops = venue.stops_named(values)
        points = stop_points_of(stops, known)
        if stops != list(venue.stop_communes or []) or points != [list(p) for p in venue.stop_points or []]:
            Venue.objects.using(using).filter(pk=venue.pk).update(stop_communes=stops, stop_points=points)
            changed += 1
    return changed
