"""Upkeep after bulk loads and at night (``manage.py maintain_directory``).

Triggers keep the derived tables exact after every write (search words, channel kinds, name
buckets, search entries); what drifts is their *shape*: the name buckets' sizes, and the order
of the search entries on disk. Both matter only for speed:

- name buckets (``directory/models/listing.py``): new boundaries every 1,000 venues;
- search entries (``VenueSearchEntry``): rewritten in name order (``CLUSTER`` on
  ``venuesearch_name``), so the matches of a common word, whose names sit together
  (« Médiathèque … »), are read from a few hundred neighbouring pages instead of one page each
  (the ids of « médiathèque » at 200,000 venues: 16–26 ms → 8 ms). ``CLUSTER`` locks that
  narrow table while it rewrites it (about 1 s at 200,000 venues): text searches and venue
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
    """Fresh name buckets and search entries in name order."""
    listing.rebuild(using)
    reorder_search_entries(using)
