"""Name buckets: where each stretch of the alphabetical list starts, so that page 5,000 of the
whole directory does not read the 100,000 entries before it.

``OFFSET n`` reads the n index entries before a page: at 200,000 venues, page 5,000 read
100,000 of them, ten times page 500's work at 20,000 (``make bench``, measure ``deep_page``).
The list in its default order
(name, id) is cut into buckets of about ``BUCKET_STEP`` venues, each a range of names starting
at ``start_name``; ``listed`` counts its venues without a closing date, kept exact by
statement-level triggers on ``directory_venue`` (migration 0009). A page's position in the list
is then the sum of the buckets before it (a few hundred rows), plus the venues closing later
than today before it (a closing date is rare), and the page reads at most one bucket.

The boundaries are set by ``rebuild()`` (SQL function ``gll_rebuild_name_buckets``): after a bulk
load (import, demo data, the benchmark's loader) and whenever a bucket has grown past
``BUCKET_MAX`` (``locate`` does it). Between rebuilds the counts stay exact; only the buckets'
sizes drift.
"""

from __future__ import annotations

import datetime

from django.db import connections, models, transaction

BUCKET_STEP = 1000
BUCKET_MAX = 4 * BUCKET_STEP

POSITIONS_SQL = """
WITH later AS MATERIALIZED (
    SELECT name FROM directory_venue WHERE closed_permanently_on > %s
)
SELECT b.start_name,
       coalesce(sum(b.listed) OVER (ORDER BY b.start_name ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
       + (SELECT count(*) FROM later WHERE later.name < b.start_name),
       b.listed
FROM directory_venuenamebucket AS b
ORDER BY b.start_name
"""


class VenueNameBucket(models.Model):
    """A stretch of the alphabetical list of venues: names from ``start_name`` (included) to
    the next bucket's. Written by SQL only (triggers and ``gll_rebuild_name_buckets``)."""

    start_name = models.CharField(max_length=250, primary_key=True)
    listed = models.IntegerField(default=0)

    class Meta:
        verbose_name = "venue name bucket"

    def __str__(self):
        return f"{self.start_name!r}: {self.listed}"


def rebuild(using: str = "default") -> None:
    """New boundaries every ``BUCKET_STEP`` venues, counted afresh in one pass over the name
    index. Writers wait meanwhile (the function locks the table)."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT gll_rebuild_name_buckets(%s)", [BUCKET_STEP])


def locate(offset: int, today: datetime.date, using: str = "default") -> tuple[str, int] | None:
    """The bucket holding list position ``offset`` (0-based) of the venues not closed for good
    on ``today``: its ``start_name`` and the position of its first venue. None when the
    buckets are missing (never built, or emptied by a test's flush)."""
    rows = _positions(today, using)
    if not rows:
        return None
    if max(listed for _, _, listed in rows) > BUCKET_MAX:
        # A bulk load without a rebuild: one bucket holds most venues. Rebuilt once; another
        # request doing the same meanwhile waits for the lock, then rebuilds cheaply again.
        rebuild(using)
        rows = _positions(today, using)
    found = None
    for start_name, position, _ in rows:
        if position > offset:
            break
        found = (start_name, position)
    return found


def _positions(today: datetime.date, using: str) -> list[tuple[str, int, int]]:
    with connections[using].cursor() as cursor:
        cursor.execute(POSITIONS_SQL, [today])
        return cursor.fetchall()
