"""Upkeep after bulk loads and at night (``manage.py maintain_directory``).

Triggers keep the derived tables exact after every write (search words, channel kinds, name
buckets, search entries); what drifts is their *shape*: the name buckets' sizes, and the order
of the search entries on disk. Both matter only for speed:

- name buckets (``directory/models/listing.py``): new boundaries every 1,000 venues;
- search entries (``VenueSearchEntry``): rewritten in name order (``CLUSTER`` on
  ``venuesearch_name``), so the matches of a common word, whose names sit together
  (« Médiathèque … »), are read from a few hundred neighbouring pages instead of one page each
  (``make bench SCALE=10``, measure ``text_common``). ``CLUSTER`` locks that narrow table
  while it rewrites it, for a time that grows with the directory: text searches and venue
  writes wait meanwhile, which is why it runs after bulk loads and at night, not on every
  write. Between runs new rows are appended out of order and text searches slowly return to
  the unclustered figure.
"""

from __future__ import annotations

from django.db import connections, transaction

from directory.models import listing


def reorder_search_entries(using: str = "default") -> None:
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("CLUSTER directory_venuesearchentry USING venuesearch_name")
        cursor.execute("ANALYZE directory_venuesearchentry")


def after_bulk_load(using: str = "default") -> None:
    """Fresh name buckets and search entries in name order, the weekly hours of new rows."""
    listing.rebuild(using)
    reorder_search_entries(using)
    refresh_weekly_hours(using=using)
    refresh_stops(using=using)


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
    channels: after bulk loads, whose COPY skips ``Channel.save``. Returns how many changed."""
    from directory import enums
    from directory.models import Venue

    changed = 0
    mobile = Venue.objects.using(using).filter(itinerance__contains=[enums.Itinerance.ITINERANT])
    for venue in mobile.prefetch_related("channels").iterator(chunk_size=500):
        values = [f"{c.value} {c.label}" for c in venue.channels.all() if c.kind in enums.ON_SITE_KINDS]
        stops = venue.stops_named(values)
        if stops != list(venue.stop_communes or []):
            Venue.objects.using(using).filter(pk=venue.pk).update(stop_communes=stops)
            changed += 1
    return changed
